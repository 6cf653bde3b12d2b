"""«Рассылка»: the contacts of a filtered client list or of a segment as a file a mailing tool
imports (xlsx or csv), without the contact information marked «Не отправлять рассылки», and a line
«Выгружен для рассылки» in the history of every client that got a row.

The file's rows: one per owner of contacts — the client itself, then each contact person — and per
address: the owner's n-th e-mail beside its n-th phone, so that every cell holds one address, as
mailing and SMS tools read them (an owner with two e-mails and one phone gives two rows, the second
without a phone). Columns: client, contact person (empty for the client's own), e-mail, phone,
responsible manager. A client with nothing to send to gets no row and no history line.

Up to CLIENTS_EXPORT_SYNC_LIMIT clients the file is written in the request; above it, by the
client export's job (clients.services.exports, a ClientExport with purpose «Рассылка»)."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice, zip_longest
from typing import IO

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import override
from openpyxl import Workbook
from openpyxl.styles import Font

from clients import access
from clients import extra_fields as extra
from clients.exports import cell_value, text_cell
from clients.filters import ClientFilterSet
from clients.models import Client, ClientChange, ClientExport, ContactInfo, ContactInfoKind
from clients.segments import SEE_ALL
from clients.services.writer import note
from crm.users import user_name
from crm.xlsx import FORMULA_PREFIXES

CHUNK_SIZE = 1000
EMAIL, PHONE = ContactInfoKind.ValueType.EMAIL, ContactInfoKind.ValueType.PHONE
PHONE_TEXT = re.compile(r"\+[\d ()\-]+")


class MailingRefused(Exception):
    """The mailing cannot be made as asked; the message is for the user."""


@dataclass
class Written:
    rows: int = 0
    clients: list[tuple[int, int]] = field(default_factory=list)  # (id, version) of clients with a row


def headers() -> list[str]:
    return [_("Клиент"), _("Контактное лицо"), _("E-mail"), _("Телефон"), _("Ответственный")]


def mailing_clients(query: str, user) -> QuerySet[Client]:
    """The clients of the list's filter (`query`, the client list's query string) that `user` works
    with, by name. Raises MailingRefused when the filter is wrong: a mailing is never sent to the
    whole base by mistake."""
    data = QueryDict(query)
    fields = extra.client_definitions(options=True)
    filterset = ClientFilterSet(data or None, queryset=Client.objects.all(), extra_fields=fields, user=user)
    if filterset.is_bound and not filterset.is_valid():
        errors = [" ".join(e) for e in filterset.form.errors.values()]
        raise MailingRefused(_("Отбор задан неверно: %(errors)s") % {"errors": "; ".join(errors)})
    clients = filterset.qs if filterset.is_bound else Client.objects.all()
    clients = access.worked(clients, user, everyone=SEE_ALL)
    return (
        clients.select_related("responsible")
        .only("pk", "name", "version", "responsible__first_name", "responsible__last_name", "responsible__username")
        .order_by("name", "pk")
    )


def _contacts(client_ids: list[int]) -> dict[int, list[tuple[str, list[str], list[str]]]]:
    """{client id: [(contact person's name or "", e-mails, phones), …]}: the client's own first,
    then its persons by name; the refused ones left out. One query."""
    rows = (
        ContactInfo.objects.filter(client_id__in=client_ids, no_mailing=False, kind__value_type__in=(EMAIL, PHONE))
        .order_by("client_id", "contact__name", "contact_id", "kind__order", "id")
        .values_list("client_id", "contact_id", "contact__name", "kind__value_type", "value")
    )
    owners: dict[int, dict[int | None, tuple[str, list[str], list[str]]]] = defaultdict(dict)
    for client_id, contact_id, contact_name, value_type, value in rows:
        owner = owners[client_id].setdefault(contact_id, (contact_name or "", [], []))
        owner[1 if value_type == EMAIL else 2].append(ContactInfo.shown(value, value_type))
    result = {}
    for client_id, by_owner in owners.items():
        own = [by_owner.pop(None)] if None in by_owner else []
        result[client_id] = own + list(by_owner.values())
    return result


def mailing_rows(
    clients: QuerySet[Client], written: Written, on_progress: Callable[[int], None] | None = None
) -> Iterator[list]:
    """The file's rows (see the module's docstring), chunk by chunk; `written` counts them and
    keeps the clients that got one."""
    iterator = clients.iterator(chunk_size=CHUNK_SIZE)
    done = 0
    while chunk := list(islice(iterator, CHUNK_SIZE)):
        contacts = _contacts([c.pk for c in chunk])
        for client in chunk:
            owners = contacts.get(client.pk)
            if not owners:
                continue
            responsible = user_name(client.responsible, None) or ""
            written.clients.append((client.pk, client.version))
            for person, emails, phones in owners:
                for email, phone in zip_longest(emails, phones, fillvalue=""):
                    written.rows += 1
                    yield [client.name, person, email, phone, responsible]
        done += len(chunk)
        if on_progress is not None:
            on_progress(done)


def write_mailing(
    clients: QuerySet[Client], file_format: str, out: IO[bytes], on_progress: Callable[[int], None] | None = None
) -> Written:
    """Write the mailing file of `clients` (mailing_clients) to `out` as xlsx or csv."""
    written = Written()
    rows = mailing_rows(clients, written, on_progress)
    if file_format == ClientExport.Format.CSV:
        _write_csv(rows, out)
    else:
        _write_xlsx(rows, out)
    return written


def _write_csv(rows: Iterator[list], out: IO[bytes]) -> None:
    """UTF-8 with a byte-order mark (Excel then reads the Cyrillic), comma-separated (RFC 4180)."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow(headers())
    for row in rows:
        writer.writerow([_csv_text(value) for value in row])
    text.flush()
    text.detach()


def _csv_text(value: str) -> str:
    """Text a spreadsheet would run as a formula gets Excel's «'» in front (phones are stored
    formatted, «+7 916 …», and pass as they are)."""
    if value.startswith(FORMULA_PREFIXES) and not PHONE_TEXT.fullmatch(value):
        return f"'{value}"
    return value


def _write_xlsx(rows: Iterator[list], out: IO[bytes]) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Рассылка"))
    for letter, width in zip("ABCDE", (45, 30, 32, 20, 25), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for title in headers():
        cell = text_cell(sheet, title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([cell_value(sheet, value) for value in row])
    workbook.save(out)


def refused_contacts(clients: QuerySet[Client]) -> int:
    """How many contact information rows of `clients` are marked «Не отправлять рассылки» (the page
    says the file leaves them out)."""
    return ContactInfo.objects.filter(client__in=clients.values("pk"), no_mailing=True).count()


@transaction.atomic
def write_recorded(clients: QuerySet[Client], file_format: str, out: IO[bytes], *, user) -> Written:
    """A «Рассылка» made in the request: its file written to `out` and the history line of each
    client in it, together or not at all."""
    written = write_mailing(clients, file_format, out)
    record_mailing(written, user=user, file_format=file_format)
    return written


def record_mailing(written: Written, *, user, file_format: str) -> int:
    """«Выгружен для рассылки» in the history of each client that got a row: one statement."""
    with override(settings.LANGUAGE_CODE):  # history text is stored in the site's language
        line = {"field": "mailing", "old": "", "new": _("Выгружен для рассылки (%(format)s)") % {"format": file_format}}
    return note(written.clients, user=user, source=ClientChange.Source.MAILING, line=line)
