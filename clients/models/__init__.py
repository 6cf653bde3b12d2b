"""The clients app's models, by topic; every name is importable from clients.models as before."""

from clients.models.clients import (
    CLOSING_STATUSES,
    BusinessRegion,
    Client,
    ClientQuerySet,
    ContactInfo,
    ContactInfoKind,
    ContactPerson,
    ListedContact,
    Reference,
    RequiredProperty,
    Segment,
    attach_listed_contacts,
)
from clients.models.extra_fields import ExtraField, ExtraFieldOption, ExtraValue, FieldGroup
from clients.models.history import EXTRA_HISTORY_LABELS, ClientChange, field_label
from clients.models.merging import UNDO_DAYS, ClientMerge, DuplicateGroup, DuplicateSearch
from clients.models.recheck import RecheckProposal, RecheckRun
from clients.models.runs import BulkEditRun, ClientExport, ClientImport, _export_file_path, _import_file_path

# With the upload paths: migrations 0009 and 0012 name them here.
__all__ = [
    "CLOSING_STATUSES",
    "EXTRA_HISTORY_LABELS",
    "UNDO_DAYS",
    "BulkEditRun",
    "BusinessRegion",
    "Client",
    "ClientChange",
    "ClientExport",
    "ClientImport",
    "ClientMerge",
    "ClientQuerySet",
    "ContactInfo",
    "ContactInfoKind",
    "ContactPerson",
    "DuplicateGroup",
    "DuplicateSearch",
    "ExtraField",
    "ExtraFieldOption",
    "ExtraValue",
    "FieldGroup",
    "ListedContact",
    "RecheckProposal",
    "RecheckRun",
    "Reference",
    "RequiredProperty",
    "Segment",
    "_export_file_path",
    "_import_file_path",
    "attach_listed_contacts",
    "field_label",
]
