"""«Рассылка»: the contacts of the filtered list or of a segment as xlsx or csv, without the ones
marked «Не отправлять рассылки», recorded once in each exported client's history."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from clients import services
from clients.models import ClientChange, ClientExport, ContactInfo, Segment
from clients.services import mailing
from clients.services.segments import create_segment
from clients.tests import factories
from crm.testing import logged_in, opened_form

MAILING_URL = reverse("clients:mailing")
HEADERS = ["Клиент", "Контактное лицо", "E-mail", "Телефон", "Ответственный"]


@pytest.fixture
def mailing_base(owner, colleague):
    """Альфа (the owner's): its own phone and e-mail, a person with two e-mails (one refused) and a
    phone, another person whose only e-mail is refused; Бета (the colleague's) with an e-mail;
    Гамма (nobody's) with an e-mail; Дельта (the owner's) with nothing to send to."""
    email, phone = factories.kind("Email"), factories.kind("Телефон")
    alfa = factories.ClientFactory(name="Альфа", responsible=owner, abc_class="A")
    factories.ContactInfoFactory(client=alfa, kind=phone, value="+74951234567")
    factories.ContactInfoFactory(client=alfa, kind=email, value="info@alfa.ru")
    ivanov = factories.ContactPersonFactory(client=alfa, name="Иванов Иван")
    for value, refused in [("ivanov@alfa.ru", False), ("=HYPERLINK()@alfa.ru", False), ("old@alfa.ru", True)]:
        factories.ContactInfoFactory(client=alfa, contact=ivanov, kind=email, value=value, no_mailing=refused)
    factories.ContactInfoFactory(client=alfa, contact=ivanov, kind=phone, value="+79161234567")
    petrov = factories.ContactPersonFactory(client=alfa, name="Петров Пётр")
    factories.ContactInfoFactory(client=alfa, contact=petrov, kind=email, value="petrov@alfa.ru", no_mailing=True)
    beta = factories.ClientFactory(name="Бета", responsible=colleague, abc_class="A")
    factories.ContactInfoFactory(client=beta, kind=email, value="info@beta.ru")
    gamma = factories.ClientFactory(name="Гамма", responsible=None, abc_class="B")
    factories.ContactInfoFactory(client=gamma, kind=email, value="info@gamma.ru")
    delta = factories.ClientFactory(name="Дельта", responsible=owner, abc_class="A")
    return {"alfa": alfa, "beta": beta, "gamma": gamma, "delta": delta}


def csv_rows(response) -> list[list[str]]:
    content = b"".join(response.streaming_content)
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def mailing_history(client) -> list[ClientChange]:
    return list(ClientChange.objects.filter(client=client, source=ClientChange.Source.MAILING))


def test_the_csv_leaves_out_refused_contacts_one_address_a_cell(
    mailing_base, boss, owner, colleague, django_assert_max_num_queries
):
    browser = logged_in(boss)
    with django_assert_max_num_queries(8):
        page = browser.get(f"{MAILING_URL}?abc_class=A&sort=name")
    assert (page.context["total"], page.context["refused"], page.context["query"]) == (3, 2, "abc_class=A")
    response = browser.post(MAILING_URL, {"query": "abc_class=A", "file_format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert csv_rows(response) == [
        HEADERS,
        ["Альфа", "", "info@alfa.ru", "+7 495 123-45-67", owner.get_full_name()],
        ["Альфа", "Иванов Иван", "ivanov@alfa.ru", "+7 916 123-45-67", owner.get_full_name()],
        ["Альфа", "Иванов Иван", "'=HYPERLINK()@alfa.ru", "", owner.get_full_name()],
        ["Бета", "", "info@beta.ru", "", colleague.get_full_name()],
    ]
    (entry,) = mailing_history(mailing_base["alfa"])
    assert (entry.user, entry.version, entry.entries()[0]["new"]) == (boss, 1, "Выгружен для рассылки (csv)")
    assert entry.entries()[0]["label"] == "Рассылка"
    assert len(mailing_history(mailing_base["beta"])) == 1
    assert mailing_history(mailing_base["delta"]) == [] and mailing_history(mailing_base["gamma"]) == []


def test_the_xlsx_of_a_segment_and_its_history_in_one_statement(mailing_base, boss, django_assert_num_queries):
    segment = create_segment(name="Класс A", kind=Segment.Kind.DYNAMIC, query="abc_class=A")
    browser = logged_in(boss)
    response = browser.post(MAILING_URL, {"query": f"segments={segment.pk}", "file_format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == HEADERS and [r[2] for r in rows[1:]] == [
        "info@alfa.ru",
        "ivanov@alfa.ru",
        "=HYPERLINK()@alfa.ru",  # text, not a formula
        "info@beta.ru",
    ]
    written = mailing.Written(clients=[(c.pk, c.version) for c in mailing_base.values()])
    with django_assert_num_queries(1):
        mailing.record_mailing(written, user=boss, file_format="xlsx")


def test_a_managers_mailing_has_only_own_and_unassigned_clients(mailing_base, owner, outsider):
    browser = logged_in(owner)
    assert browser.get(MAILING_URL).context["total"] == 3  # Альфа, Гамма, Дельта
    rows = csv_rows(browser.post(MAILING_URL, {"query": "", "file_format": "csv"}))
    assert {row[0] for row in rows[1:]} == {"Альфа", "Гамма"}
    assert mailing_history(mailing_base["beta"]) == []
    assert logged_in(outsider).get(MAILING_URL).status_code == 403


def test_a_large_mailing_goes_through_the_exports_job(mailing_base, boss, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.CLIENTS_EXPORT_SYNC_LIMIT = 1
    browser = logged_in(boss)
    response = browser.post(MAILING_URL, {"query": "abc_class=A", "file_format": "csv"})
    export = ClientExport.objects.get()
    assert response.url == export.get_absolute_url()
    assert (export.purpose, export.file_format, export.total) == ("mailing", "csv", 3)
    assert "Рассылка" in browser.get(response.url).content.decode()
    assert services.execute_export(export.pk).rows == 2  # the clients with a row: Альфа, Бета
    download = browser.get(reverse("clients:export_download", args=[export.pk]))
    assert download["Content-Disposition"].endswith('.csv"')
    assert [row[2] for row in csv_rows(download)][1:] == [
        "info@alfa.ru",
        "ivanov@alfa.ru",
        "'=HYPERLINK()@alfa.ru",
        "info@beta.ru",
    ]
    assert len(mailing_history(mailing_base["alfa"])) == 1


def test_bad_filter_text_refuses_the_mailing_with_a_message(mailing_base, boss):
    response = logged_in(boss).post(MAILING_URL, {"query": "created_after=31.02.2020", "file_format": "csv"})
    assert response.status_code == 200
    assert "Отбор задан неверно" in response.content.decode()
    assert not ClientChange.objects.filter(source=ClientChange.Source.MAILING).exists()


def test_the_card_marks_a_contact_as_refusing_mailings(card, owner):
    browser = logged_in(owner)
    edit_url = reverse("clients:edit", args=[card.pk])
    form = opened_form(browser, edit_url, "client-form")
    assert "info-0-no_mailing" not in form  # an unticked box is not sent
    form["info-0-no_mailing"] = "on"
    assert browser.post(edit_url, form).status_code == 302
    info = ContactInfo.objects.get(client=card, contact=None)
    assert info.no_mailing
    line = card.changes.latest("id").entries()[0]
    assert line["field"] == "contact_info" and "(не отправлять рассылки)" in line["new"]
