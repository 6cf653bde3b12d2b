"""Business operations on client cards: saving with optimistic locking and history, bulk changes,
duplicate detection. Multi-row writes happen here and only here.

- `writer`: the one writer of clients — every change to clients is a ClientChangeSet applied by
  `write` (one statement per table, one history entry per client, one completeness recompute);
- `history`: the card as text (snapshot) and the lines of a history entry (diff);
- `cards`: saving a card from its page (save_card takes the page's edit as plain data,
  CardInput), merged by field (EditConflict, StaleEdit), find_duplicates;
- `extra_values`: set_extra_values, the upsert of one owner's extra values;
- `fields`: «Настроить поля», fields, groups and list values; «Обязательные реквизиты»;
- `bulk`: «Изменить выделенные» (bulk_edit_clients and its stored runs);
- `imports`: «Загрузка клиентов», the upload, the preview and the import (it reads files with
  clients.imports);
- `exports`: a large «Excel» of the list, written by a Celery job;
- `recheck`: «Проверка по ИНН», the register's changes to the cards as proposals.

Every public name is re-exported here, for callers (`services.save_card`). Inside the package a name
is read from its defining module: a test that changes BULK_EDIT_BATCH patches clients.services.bulk."""

from clients.services.bulk import (
    BULK_EDIT_BATCH,
    BULK_EDIT_SYNC_LIMIT,
    BULK_FIELDS,
    SKIPPED_NAMES_SHOWN,
    BulkChanges,
    BulkEditError,
    BulkEditResult,
    bulk_edit_clients,
    bulk_edit_progress,
    bulk_edit_sync_limit,
    create_bulk_edit_run,
    execute_bulk_edit_run,
    runs_in_background,
    start_bulk_edit,
)
from clients.services.cards import CardInput, Duplicate, EditConflict, RowInput, StaleEdit, find_duplicates, save_card
from clients.services.exports import (
    EXPORT_SYNC_LIMIT,
    execute_export,
    export_keep_days,
    export_progress,
    export_sync_limit,
    exported_clients,
    remove_old_exports,
    start_export,
)
from clients.services.extra_values import set_extra_values
from clients.services.fields import (
    FieldSettingsRefused,
    add_option,
    create_field,
    create_group,
    delete_field,
    delete_group,
    delete_option,
    move_field,
    move_field_by,
    move_group_by,
    move_option,
    option_usage,
    require,
    set_option_retired,
    update_field,
)
from clients.services.history import TRACKED_FIELDS, changes_since, diff, extra_key, snapshot
from clients.services.imports import (
    IMPORT_BATCH,
    IMPORT_KEEP,
    ImportReport,
    create_client_import,
    discard_stale_imports,
    import_clients,
    plan_client_import,
    preview_client_import,
    run_client_import,
)
from clients.services.recheck import Decision, decide, execute_recheck_run, start_recheck, visible_proposals
from clients.services.writer import ClientChangeSet, NewPerson, RowEdit, WriteResult, set_classes, write

__all__ = [
    "BULK_EDIT_BATCH",
    "BULK_EDIT_SYNC_LIMIT",
    "BULK_FIELDS",
    "EXPORT_SYNC_LIMIT",
    "IMPORT_BATCH",
    "IMPORT_KEEP",
    "SKIPPED_NAMES_SHOWN",
    "TRACKED_FIELDS",
    "BulkChanges",
    "BulkEditError",
    "BulkEditResult",
    "CardInput",
    "ClientChangeSet",
    "Decision",
    "Duplicate",
    "EditConflict",
    "FieldSettingsRefused",
    "ImportReport",
    "NewPerson",
    "RowEdit",
    "RowInput",
    "StaleEdit",
    "WriteResult",
    "add_option",
    "bulk_edit_clients",
    "bulk_edit_progress",
    "bulk_edit_sync_limit",
    "changes_since",
    "create_bulk_edit_run",
    "create_client_import",
    "create_field",
    "create_group",
    "decide",
    "delete_field",
    "delete_group",
    "delete_option",
    "diff",
    "discard_stale_imports",
    "execute_bulk_edit_run",
    "execute_export",
    "execute_recheck_run",
    "export_keep_days",
    "export_progress",
    "export_sync_limit",
    "exported_clients",
    "extra_key",
    "find_duplicates",
    "import_clients",
    "move_field",
    "move_field_by",
    "move_group_by",
    "move_option",
    "option_usage",
    "plan_client_import",
    "preview_client_import",
    "remove_old_exports",
    "require",
    "run_client_import",
    "runs_in_background",
    "save_card",
    "set_classes",
    "set_extra_values",
    "set_option_retired",
    "snapshot",
    "start_bulk_edit",
    "start_export",
    "start_recheck",
    "update_field",
    "visible_proposals",
    "write",
]
