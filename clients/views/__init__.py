"""The client pages, one module per area: the list, cards (card, edit, contact-info kinds), bulk edit,
completeness, fields, imports and exports."""

from clients.views.bulk import bulk_edit, bulk_edit_run
from clients.views.cards import (
    client_create,
    client_detail,
    client_edit,
    contact_info_kinds,
    fill_by_inn,
)
from clients.views.completeness import client_completeness, required_fields
from clients.views.exports import client_export_detail, client_export_download
from clients.views.fields import (
    field_create,
    field_delete,
    field_edit,
    field_group_create,
    field_group_delete,
    field_group_edit,
    field_group_move,
    field_move,
    field_option_add,
    field_option_delete,
    field_option_edit,
    field_option_move,
    field_option_retire,
    field_settings,
)
from clients.views.imports import client_import, client_import_detail
from clients.views.lists import client_export, client_list
from clients.views.merging import duplicate_list, duplicate_search, duplicates_find, merge, merge_detail, merge_undo
from clients.views.recheck import recheck_decide, recheck_list, recheck_start
from clients.views.segments import client_mailing, segment_create, segment_delete, segment_edit, segment_list

__all__ = ["client_create", "client_detail", "client_edit", "client_list", "contact_info_kinds", "fill_by_inn"]
__all__ += [
    "field_create",
    "field_delete",
    "field_edit",
    "field_group_create",
    "field_group_delete",
    "field_group_edit",
    "field_group_move",
    "field_move",
    "field_option_add",
    "field_option_delete",
    "field_option_edit",
    "field_option_move",
    "field_option_retire",
    "field_settings",
]
__all__ += ["bulk_edit", "bulk_edit_run", "client_completeness", "required_fields"]
__all__ += ["client_mailing", "segment_create", "segment_delete", "segment_edit", "segment_list"]
__all__ += ["client_export", "client_export_detail", "client_export_download", "client_import", "client_import_detail"]
__all__ += ["recheck_decide", "recheck_list", "recheck_start"]
__all__ += ["duplicate_list", "duplicate_search", "duplicates_find", "merge", "merge_detail", "merge_undo"]
