"""«Загрузка клиентов» from xlsx and csv files: keeping the rows of the upload, the preview, the
import. Reading the file is clients.import_files, checking the rows clients.imports; the writes are
here."""

from __future__ import annotations

import gzip
import io
import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime, timedelta
from typing import IO

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clients import import_files, imports
from clients.cells import cell_text
from clients.models import Client, ClientChange, ClientImport, ContactInfo, ContactInfoKind, ExtraField, ExtraValue
from clients.services.writer import ClientChangeSet, write

logger = logging.getLogger(__name__)

IMPORT_BATCH = 1000
# An upload left before its import is deleted, with its file, after this long.
IMPORT_KEEP = timedelta(hours=24)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # [{"row": 7, "name": "ООО «Ромашка»", "reasons": ["ИНН: ..."]}, ...]
    errors: list[dict] = dataclass_field(default_factory=list)

    def to_json(self) -> dict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged, "errors": self.errors}

    @classmethod
    def from_json(cls, data: dict) -> ImportReport:
        return cls(**{key: data.get(key, default) for key, default in cls().to_json().items()})


def create_client_import(upload, *, user) -> ClientImport:
    """Step 1: read the uploaded file once, within the limits of import_files.Limits, and keep its
    rows (not the file) for the next steps. Raises imports.ImportFileError with a message for the
    user; then nothing is kept."""
    limits = import_files.Limits.from_settings()
    if upload.size > limits.bytes:
        raise imports.ImportFileError(
            _("Файл больше %(limit)s МБ: разделите его на несколько файлов.")
            % {"limit": import_files.megabytes(limits.bytes)}
        )
    head = upload.read(4)
    upload.seek(0)
    file_format = import_files.detect_format(upload.name, head)
    kept = io.BytesIO()
    with import_files.SheetReader(upload, file_format, limits) as sheet:
        _keep_rows(sheet.rows(), kept)
    discard_stale_imports()
    record = ClientImport(
        user=user,
        original_name=upload.name[-255:],
        file_format=file_format,
        headers=sheet.headers,
        row_count=sheet.total,
    )
    try:
        record.file.save("rows.jsonl.gz", File(kept), save=False)
    except OSError as error:  # the media folder is full or not writable: nothing is recorded
        logger.exception("rows of the client import %r not stored", record.original_name)
        raise imports.ImportFileError(
            _("Файл не сохранён: хранилище файлов на сервере недоступно. Сообщите администратору.")
        ) from error
    record.save()
    return record


def discard_stale_imports() -> int:
    """Delete the uploads older than IMPORT_KEEP, with their files; returns how many."""
    stale = list(ClientImport.objects.filter(created_at__lt=timezone.now() - IMPORT_KEEP))
    for record in stale:
        if record.file:
            record.file.delete(save=False)
    ClientImport.objects.filter(pk__in=[r.pk for r in stale]).delete()
    return len(stale)


def _keep_rows(rows: Iterable[tuple[int, list[object]]], out: IO[bytes]) -> None:
    """The rows as gzipped JSON lines, [number, [cells]]; a date is {"date": iso}, a date and time
    {"datetime": iso}, and a time or a duration its text, as every reader of a cell takes it."""

    def to_json(value: object) -> object:
        if value is None or isinstance(value, str | bool | int | float):
            return value
        if isinstance(value, datetime):
            return {"datetime": value.isoformat()}
        if isinstance(value, date):
            return {"date": value.isoformat()}
        return cell_text(value)

    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=1) as packed, io.TextIOWrapper(packed, "utf-8") as text:
        for number, cells in rows:
            text.write(json.dumps([number, [to_json(c) for c in cells]], ensure_ascii=False) + "\n")


def _kept_rows(record: ClientImport, *, limit: int | None = None) -> list[tuple[int, list[object]]]:
    """The rows read at the upload (only the first `limit` when given); the uploaded file itself is
    never read again."""

    def from_json(value: object) -> object:
        if isinstance(value, dict):
            return (
                datetime.fromisoformat(value["datetime"]) if "datetime" in value else date.fromisoformat(value["date"])
            )
        return value

    gone = imports.ImportFileError(_("Загруженный файл больше не хранится: загрузите его снова."))
    if not record.file or not record.file.storage.exists(record.file.name):
        raise gone
    rows: list[tuple[int, list[object]]] = []
    try:
        with record.file.open("rb") as file, io.TextIOWrapper(gzip.GzipFile(fileobj=file), "utf-8") as text:
            for line in text:
                if limit is not None and len(rows) >= limit:
                    break
                number, cells = json.loads(line)
                rows.append((number, [from_json(c) for c in cells]))
    except (OSError, EOFError, ValueError, KeyError, TypeError):  # not rows kept by _keep_rows
        raise gone
    return rows


def preview_client_import(
    record: ClientImport, mapping: dict[int, str], fields: Sequence[ExtraField]
) -> list[imports.ImportRow]:
    """Step 2: the first rows of the file as they would import, each with its problems. Writes nothing."""
    kept = _kept_rows(record, limit=import_files.PREVIEW_ROWS)
    rows = imports.parse_rows(kept, mapping, imports.Lookups.load(fields))
    plan_client_import(rows)
    return rows


def run_client_import(
    record: ClientImport, mapping: dict[int, str], fields: Sequence[ExtraField], *, user
) -> ImportReport:
    """Step 3: import the whole file (see import_clients), keep the report and delete the file.
    A second submit of the same upload returns the first one's report and imports nothing."""
    with transaction.atomic():
        locked = ClientImport.objects.select_for_update().get(pk=record.pk)
        if locked.finished:
            return ImportReport.from_json(locked.report)
        rows = imports.parse_rows(_kept_rows(locked), mapping, imports.Lookups.load(fields))
        report = import_clients(rows, user=user)
        storage, name = locked.file.storage, locked.file.name
        locked.file = ""
        locked.mapping = {str(index): target for index, target in mapping.items()}
        locked.report = report.to_json()
        locked.finished_at = timezone.now()
        locked.save()
        transaction.on_commit(lambda: storage.delete(name))
    record.refresh_from_db()
    return report


def plan_client_import(rows: Sequence[imports.ImportRow], *, lock: bool = False) -> dict[int, dict[int, object]]:
    """Find the client each good row updates: the one with its ИНН (and its КПП, or without one,
    when the row gives one); rows without an ИНН create clients. Checks each row against that
    client and against the rows above it. Returns the current extra values of the found clients
    ({client id: {field id: value}}), for the fields the rows set."""
    inns = {row.inn for row in rows if row.ok and row.inn}
    by_inn: dict[str, list[Client]] = defaultdict(list)
    if inns:
        found = Client.objects.filter(inn__in=inns).select_related("responsible", "business_region").order_by("pk")
        if lock:
            found = found.select_for_update(of=("self",))
        for client in found:
            by_inn[client.inn].append(client)
    field_ids = {field.pk for row in rows for field in row.extra}
    client_ids = [client.pk for clients in by_inn.values() for client in clients]
    current: dict[int, dict[int, object]] = defaultdict(dict)
    if field_ids and client_ids:
        values = ExtraValue.objects.filter(client_id__in=client_ids, field_id__in=field_ids).select_related(
            "value_option"
        )
        for value in values:
            current[value.client_id][value.field_id] = value.value
    seen: dict[tuple[str, str], int] = {}
    claimed: dict[int, int] = {}
    for row in rows:
        if not row.ok:
            continue
        client = None
        if row.inn:
            candidates = by_inn.get(row.inn, [])
            if row.kpp:
                candidates = [c for c in candidates if c.kpp == row.kpp] or [c for c in candidates if not c.kpp]
            key = (row.inn, row.kpp)
            if key in seen:
                row.errors.append(
                    _("ИНН %(inn)s уже есть в строке %(row)s файла.") % {"inn": row.inn, "row": seen[key]}
                )
                continue
            seen[key] = row.number
            if len(candidates) > 1:
                row.errors.append(
                    _("В базе несколько клиентов с ИНН %(inn)s: укажите КПП, чтобы выбрать одного.") % {"inn": row.inn}
                )
                continue
            client = candidates[0] if candidates else None
        if client is not None:
            if client.pk in claimed:
                row.errors.append(
                    _("Клиент «%(name)s» уже загружается из строки %(row)s.")
                    % {"name": client.name, "row": claimed[client.pk]}
                )
                continue
            claimed[client.pk] = row.number
        row.client = client
        imports.check_row(row, client, current.get(client.pk, {}) if client else {})
    return current


@transaction.atomic
def import_clients(rows: Sequence[imports.ImportRow], *, user) -> ImportReport:
    """Create or update the clients of the good rows, in one transaction and a few statements per
    1,000 rows; bad rows are reported with their reasons and do not stop the good ones. Empty cells
    change nothing; phones and e-mails are added unless the client has them already. Every created
    or changed client gets a history entry (source «Загрузка») and, if it existed, a new version."""
    current = plan_client_import(rows, lock=True)
    report = ImportReport(
        errors=[{"row": row.number, "name": row.name, "reasons": row.errors} for row in rows if row.errors]
    )
    good = [row for row in rows if row.ok]
    kinds = {
        ContactInfoKind.ValueType.PHONE: imports.client_contact_kind(ContactInfoKind.ValueType.PHONE),
        ContactInfoKind.ValueType.EMAIL: imports.client_contact_kind(ContactInfoKind.ValueType.EMAIL),
    }
    own_values: dict[int, set[str]] = defaultdict(set)
    with_contacts = [row.client.pk for row in good if row.client and (row.phones or row.emails)]
    if with_contacts:
        infos = ContactInfo.objects.filter(
            client_id__in=with_contacts, contact__isnull=True, kind__value_type__in=list(kinds)
        ).values_list("client_id", "value")
        for client_id, value in infos:
            own_values[client_id].add(value)
    change_sets = []
    for row in good:
        client = row.client or Client(version=1)
        values = current.get(client.pk, {}) if row.client else {}
        known = own_values[client.pk] if row.client else set()
        change_sets.append(
            ClientChangeSet(
                client,
                fields=row.values,
                # Empty cells change nothing: the row's extra values are the filled ones.
                extra={field: value for field, value in row.extra.items() if values.get(field.pk) != value},
                contact_info=[
                    ContactInfo(kind=kinds[value_type], value=value)
                    for value_type, values_of_type in (
                        (ContactInfoKind.ValueType.PHONE, row.phones),
                        (ContactInfoKind.ValueType.EMAIL, row.emails),
                    )
                    for value in values_of_type
                    if value not in known
                ],
            )
        )
    written = write(change_sets, user=user, source=ClientChange.Source.IMPORT)
    report.created, report.updated, report.unchanged = len(written.created), len(written.changed), written.unchanged
    return report
