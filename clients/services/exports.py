"""«Excel» of a large client list: above CLIENTS_EXPORT_SYNC_LIMIT clients the file is written by
a Celery job (clients.jobs.export_clients) from the stored query, and its author downloads it from
the export's page; a small list is still written in the request. Files are kept
CLIENTS_EXPORT_KEEP_DAYS days, then a daily job removes them (the export's record stays)."""

from __future__ import annotations

import datetime
import tempfile

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from clients import exports
from clients import extra_fields as extra
from clients.filters import ClientFilterSet
from clients.models import Client, ClientExport
from clients.services import mailing
from clients.tables import ClientTable
from crm import replica, runs

# Lists up to this many clients are written in the request (CLIENTS_EXPORT_SYNC_LIMIT overrides).
EXPORT_SYNC_LIMIT = 5_000
# Written files are kept this many days (CLIENTS_EXPORT_KEEP_DAYS overrides).
EXPORT_KEEP_DAYS = 7


def export_sync_limit() -> int:
    return getattr(settings, "CLIENTS_EXPORT_SYNC_LIMIT", EXPORT_SYNC_LIMIT)


def export_keep_days() -> int:
    return getattr(settings, "CLIENTS_EXPORT_KEEP_DAYS", EXPORT_KEEP_DAYS)


def remove_old_exports(now: datetime.datetime | None = None) -> int:
    """Delete the files of the exports finished more than the keeping days ago; their records
    stay, and their page says the file is gone. Returns how many files were removed."""
    before = (now or timezone.now()) - datetime.timedelta(days=export_keep_days())
    removed = 0
    for export in ClientExport.objects.filter(finished_at__lt=before).exclude(file=""):
        export.file.delete(save=False)  # a file already missing is no error
        ClientExport.objects.filter(pk=export.pk).update(file="")
        removed += 1
    return removed


def exported_clients(query: str, visible: list[str], user=None) -> tuple[QuerySet[Client], list]:
    """The list's clients for a stored query string — filter and `sort` — and its extra fields
    (a segment's clients: those `user` works with)."""
    params = QueryDict(query)
    fields = extra.client_definitions()
    filterset = ClientFilterSet(params or None, queryset=Client.objects.for_list(), extra_fields=fields, user=user)
    clients = filterset.qs if filterset.is_bound and filterset.is_valid() else Client.objects.for_list()
    table = ClientTable(clients, visible=visible, extra_fields=fields)
    if params.getlist("sort"):
        table.order_by = params.getlist("sort")
    return table.data.data, fields


@transaction.atomic
def start_export(
    *,
    author,
    query: str,
    columns: list[tuple[str, str]],
    total: int,
    purpose: str = ClientExport.Purpose.LIST,
    file_format: str = ClientExport.Format.XLSX,
) -> ClientExport:
    """A large export of the list (or «Рассылка», `purpose`) for its author: the one already queued
    or running with the same filter, columns and file (a second click, a reload of the address),
    or a new one, queued. Raises crm.runs.QueueUnavailable (and keeps nothing) when the queue is
    down."""
    get_user_model().objects.select_for_update().filter(pk=author.pk).first()  # one start at a time
    pending = ClientExport.objects.filter(
        author=author,
        query=query,
        purpose=purpose,
        file_format=file_format,
        state__in=[ClientExport.State.QUEUED, ClientExport.State.RUNNING],
    )
    for export in pending:
        if [list(c) for c in export.columns] == [list(c) for c in columns]:
            return export
    export = ClientExport.objects.create(
        author=author, query=query, columns=columns, total=total, purpose=purpose, file_format=file_format
    )
    runs.queue(export)
    return export


def export_progress(export: ClientExport) -> int:
    return runs.progress(export)


def execute_export(export_id: int) -> ClientExport | None:
    """Write a stored export, once (crm.runs.execute): a duplicated job does nothing; its row is
    held while the file is written, so the sweep of stale runs can tell a live worker from a dead
    one. Returns the export if this call wrote it."""

    def work(export: ClientExport) -> None:
        if export.purpose == ClientExport.Purpose.MAILING:
            write_mailing_file(export)
            return
        names = [name for name, _header in export.columns]
        # The clients are read from the replica when there is one (crm.replica); the run is written here.
        with replica.reading(), tempfile.TemporaryFile() as out:
            clients, fields = exported_clients(export.query, names, export.author)
            export.rows = exports.write_clients(
                clients,
                [tuple(column) for column in export.columns],
                fields,
                out,
                on_progress=lambda done: runs.report_progress(ClientExport, export_id, done),
            )
            out.seek(0)
            export.file.save("clients.xlsx", File(out), save=False)

    return runs.execute(
        ClientExport,
        export_id,
        work,
        refusals=(mailing.MailingRefused,),
        related=["author"],
        failure=_("Не удалось выгрузить клиентов из-за ошибки на сервере."),
    )


def write_mailing_file(export: ClientExport) -> None:
    """A large «Рассылка»: its file, then the history line of each client in it."""

    def progress(done: int) -> None:
        runs.report_progress(ClientExport, export.pk, done)

    with replica.reading(), tempfile.TemporaryFile() as out:
        clients = mailing.mailing_clients(export.query, export.author)
        written = mailing.write_mailing(clients, export.file_format, out, on_progress=progress)
        out.seek(0)
        export.file.save(f"mailing.{export.file_format}", File(out), save=False)
    export.rows = len(written.clients)
    mailing.record_mailing(written, user=export.author, file_format=export.file_format)
