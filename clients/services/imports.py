"""«Загрузка клиентов» from xlsx and csv files: keeping the upload, the preview, the import. Reading
and checking the rows is clients.imports; the writes are here."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from clients import completeness, extra_fields, imports
from clients.models import Client, ClientChange, ClientImport, ContactInfo, ContactInfoKind, ExtraField, ExtraValue
from clients.services.cards import _display, diff, extra_key

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
    """Step 1: keep an uploaded file for the next steps, once it reads as a table with a header.
    Raises imports.ImportFileError with a message for the user."""
    if upload.size > imports.max_bytes():
        raise imports.ImportFileError(
            _("Файл больше %(limit)s МБ: разделите его на несколько файлов.")
            % {"limit": f"{imports.max_bytes() / 1024 / 1024:g}"}
        )
    head = upload.read(4)
    upload.seek(0)
    file_format = imports.detect_format(upload.name, head)
    # The header and the first rows prove the file readable; the whole file is read at the import.
    sheet = imports.read_sheet(upload, file_format, limit=imports.PREVIEW_ROWS)
    upload.seek(0)
    discard_stale_imports()
    record = ClientImport(
        user=user,
        original_name=upload.name[-255:],
        file_format=file_format,
        headers=sheet.headers,
        row_count=sheet.total,
    )
    record.file.save(upload.name, upload, save=False)
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


def _read_import(record: ClientImport, *, limit: int | None = None) -> imports.Sheet:
    if not record.file or not record.file.storage.exists(record.file.name):
        raise imports.ImportFileError(_("Загруженный файл больше не хранится: загрузите его снова."))
    with record.file.open("rb") as file:
        return imports.read_sheet(file, record.file_format, limit=limit)


def preview_client_import(
    record: ClientImport, mapping: dict[int, str], fields: Sequence[ExtraField]
) -> list[imports.ImportRow]:
    """Step 2: the first rows of the file as they would import, each with its problems. Writes nothing."""
    sheet = _read_import(record, limit=imports.PREVIEW_ROWS)
    rows = imports.parse_rows(sheet.rows, mapping, imports.Lookups.load(fields))
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
        sheet = _read_import(locked)
        rows = imports.parse_rows(sheet.rows, mapping, imports.Lookups.load(fields))
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
    now = timezone.now()
    created: list[Client] = []
    changed: list[Client] = []
    changed_fields: set[str] = set()
    upserts: list[tuple[Client, ExtraField, object]] = []
    new_infos: list[ContactInfo] = []
    # (client, its history entry so far) for every created or changed client
    entries: list[tuple[Client, list[dict[str, str]]]] = []
    # History text is stored once, in the site's language, whoever made the change.
    with override(settings.LANGUAGE_CODE):
        for row in good:
            client = row.client or Client(version=1)
            # Only what the row changes is compared: a full snapshot per client costs queries.
            before: dict[str, str] = {}
            after: dict[str, str] = {}
            labels: dict[str, str] = {}
            for name, value in row.values.items():
                attname = Client._meta.get_field(name).attname
                old_value = getattr(client, attname)
                old_text = _display(client, name) if row.client else ""
                setattr(client, name, value)
                if getattr(client, attname) != old_value or not row.client:
                    before[name], after[name] = old_text, _display(client, name)
            values = current.get(client.pk, {}) if row.client else {}
            for field, value in row.extra.items():
                old = values.get(field.pk)
                if old == value:
                    continue
                key = extra_key(field)
                labels[key] = field.name
                before[key] = "" if old is None else extra_fields.display(field, old)
                after[key] = extra_fields.display(field, value)
                upserts.append((client, field, value))
            entry = diff(before, after, labels)
            known = own_values[client.pk] if row.client else set()
            infos = [
                ContactInfo(client=client, kind=kinds[value_type], value=value)
                for value_type, values_of_type in (
                    (ContactInfoKind.ValueType.PHONE, row.phones),
                    (ContactInfoKind.ValueType.EMAIL, row.emails),
                )
                for value in values_of_type
                if value not in known
            ]
            if row.client is None:
                created.append(client)
            elif entry or infos:
                client.version += 1
                client.updated_at = now
                changed.append(client)
                changed_fields.update(row.values)
            else:
                report.unchanged += 1
                continue
            new_infos.extend(infos)
            entries.append((client, entry))
        Client.objects.bulk_create(created, batch_size=IMPORT_BATCH)
        if changed:
            # An upsert on the primary key: one INSERT … ON CONFLICT per batch, where bulk_update's
            # CASE per field and row takes minutes at 10k rows. The rows exist and are locked.
            Client.objects.bulk_create(
                changed,
                update_conflicts=True,
                unique_fields=["pk"],
                update_fields=sorted(changed_fields | {"version", "updated_at"}),
                batch_size=IMPORT_BATCH,
            )
        if upserts:
            extra_rows = []
            for client, field, value in upserts:
                extra_row = ExtraValue(field=field, client_id=client.pk)
                setattr(extra_row, extra_fields.FIELD_TYPES[field.value_type].column, value)
                extra_rows.append(extra_row)
            ExtraValue.objects.bulk_create(
                extra_rows,
                update_conflicts=True,
                unique_fields=["field", "client"],
                update_fields=list(ExtraValue.TYPED_COLUMNS),
                batch_size=IMPORT_BATCH,
            )
        ContactInfo.objects.bulk_create(new_infos, batch_size=IMPORT_BATCH)
        info_texts = _contact_info_changes(new_infos, existing={c.pk for c in changed})
        history = []
        for client, entry in entries:
            if client.pk in info_texts:
                old, new = info_texts[client.pk]
                entry.append({"field": "contact_info", "old": old, "new": new})
            history.append(
                ClientChange(
                    client=client, user=user, source=ClientChange.Source.IMPORT, version=client.version, changes=entry
                )
            )
        ClientChange.objects.bulk_create(history, batch_size=IMPORT_BATCH)
    completeness.recompute(Client.objects.filter(pk__in=[c.pk for c in (*created, *changed)]))
    report.created, report.updated = len(created), len(changed)
    return report


def _contact_info_changes(new_infos: Sequence[ContactInfo], *, existing: set[int]) -> dict[int, tuple[str, str]]:
    """{client id: (contact info text before, after)} for the clients that got `new_infos`, in the
    card history's format (see _contact_info_text); one query reads what the `existing` clients had."""
    by_client: dict[int, list[ContactInfo]] = defaultdict(list)
    for info in new_infos:
        by_client[info.client_id].append(info)
    new_ids = {info.pk for info in new_infos}
    had = [pk for pk in by_client if pk in existing]
    if had:
        infos = ContactInfo.objects.filter(client_id__in=had).exclude(pk__in=new_ids).select_related("kind", "contact")
        for info in infos:
            by_client[info.client_id].append(info)

    def text(infos: Iterable[ContactInfo]) -> str:
        # As PostgreSQL orders (contact_id, kind order, id): a client's own values, with no contact, last.
        ordered = sorted(infos, key=lambda i: (i.contact_id is None, i.contact_id or 0, i.kind.order, i.pk))
        return "; ".join(
            f"{f'{i.contact.name}, ' if i.contact_id else ''}{i.kind.name}: {i.display_value}" for i in ordered
        )

    return {
        client_id: (text(i for i in infos if i.pk not in new_ids), text(infos))
        for client_id, infos in by_client.items()
    }
