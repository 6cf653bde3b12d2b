"""A large «Excel» of the client list runs as a Celery job; its author downloads the file."""

import datetime
import io
import time
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from clients import jobs, services
from clients.models import ClientExport
from clients.tests import factories

EXPORT_URL = reverse("clients:export")


def sheet_rows(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [[c.value for c in row] for row in sheet.iter_rows()]


@pytest.fixture
def small_limit(settings):
    settings.CLIENTS_EXPORT_SYNC_LIMIT = 2


def test_a_large_export_is_queued_and_downloaded_by_its_author_only(
    client, boss, small_limit, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    for name in ("Бета", "Альфа", "Гамма"):
        factories.ClientFactory(name=name)
    client.force_login(boss)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.get(EXPORT_URL, {"sort": "-name"})
    export = ClientExport.objects.get()
    assert response.url == export.get_absolute_url()
    assert len(callbacks) == 1 and (export.state, export.total) == ("queued", 3)
    assert "Выгрузка ждёт очереди" in client.get(response.url).content.decode()

    assert services.execute_export(export.pk).rows == 3  # what the job does
    assert services.execute_export(export.pk) is None  # a duplicated job does nothing
    page = client.get(response.url).content.decode()
    assert "Готово: выгружено клиентов 3" in page
    download = client.get(reverse("clients:export_download", args=[export.pk]))
    rows = sheet_rows(b"".join(download.streaming_content))
    assert [r[0] for r in rows] == ["Наименование", "Гамма", "Бета", "Альфа"]  # the list's sort

    client.force_login(factories.supervisor(username="other"))
    assert client.get(response.url).status_code == 404
    assert client.get(reverse("clients:export_download", args=[export.pk])).status_code == 404


def test_a_second_click_on_a_large_export_joins_the_one_under_way(
    client, boss, small_limit, django_capture_on_commit_callbacks
):
    """The probe: each GET of a large export started a new export job."""
    for name in ("Бета", "Альфа", "Гамма"):
        factories.ClientFactory(name=name)
    client.force_login(boss)
    with django_capture_on_commit_callbacks() as callbacks:
        first = client.get(EXPORT_URL, {"sort": "-name"})
        again = client.get(EXPORT_URL, {"sort": "-name"})
        other = client.get(EXPORT_URL, {"sort": "name"})
    assert first.url == again.url != other.url
    assert ClientExport.objects.count() == 2 and len(callbacks) == 2
    services.execute_export(ClientExport.objects.get(pk=int(first.url.rstrip("/").split("/")[-1])).pk)
    with django_capture_on_commit_callbacks() as callbacks:
        later = client.get(EXPORT_URL, {"sort": "-name"})  # the first is done: a new one
    assert later.url not in (first.url, other.url) and len(callbacks) == 1


def test_a_small_export_is_still_written_in_the_request(client, boss, small_limit):
    factories.ClientFactory(name="Одна")
    client.force_login(boss)
    response = client.get(EXPORT_URL)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert not ClientExport.objects.exists()


def test_the_worker_writes_a_queued_export(celery_worker, reference_data, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.CLIENTS_EXPORT_SYNC_LIMIT = 1
    boss = factories.supervisor(username="boss")
    factories.ClientFactory.create_batch(4)
    client.force_login(boss)
    response = client.get(EXPORT_URL)
    export = ClientExport.objects.get()
    deadline = time.monotonic() + 30
    while export.state not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.1)
        export.refresh_from_db()
    assert (export.state, export.rows) == ("done", 4)
    assert client.get(response.url).status_code == 200


def test_files_older_than_the_keeping_days_are_removed_and_the_page_says_so(
    client, boss, small_limit, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.CLIENTS_EXPORT_KEEP_DAYS = 7
    for name in ("Бета", "Альфа", "Гамма"):
        factories.ClientFactory(name=name)
    client.force_login(boss)
    client.get(EXPORT_URL)
    client.get(EXPORT_URL, {"sort": "name"})  # another export (the same one would be joined)
    old, recent = ClientExport.objects.order_by("pk")
    for export in (old, recent):
        services.execute_export(export.pk)
        export.refresh_from_db()
    ClientExport.objects.filter(pk=old.pk).update(finished_at=timezone.now() - datetime.timedelta(days=8))
    old_path = Path(old.file.path)
    assert old_path.exists() and "Файл хранится 7 дн." in client.get(old.get_absolute_url()).content.decode()

    assert jobs.remove_old_exports() == 1
    assert not old_path.exists() and Path(recent.file.path).exists()
    old.refresh_from_db()
    assert (old.state, old.file.name, old.rows) == ("done", "", 3)  # the record stays
    page = client.get(old.get_absolute_url()).content.decode()
    assert "Файл выгрузки удалён: выгрузки хранятся 7 дн." in page and 'id="export-download"' not in page
    assert client.get(reverse("clients:export_download", args=[old.pk])).status_code == 404
    assert client.get(reverse("clients:export_download", args=[recent.pk])).status_code == 200
    assert jobs.remove_old_exports() == 0
