import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from clients import exports
from clients.models import Client, ClientImport, ExtraField, ExtraValue
from clients.tests import factories
from clients.tests.test_import import mapping_data
from crm import roles

EXPORT_URL = reverse("clients:export")
LIST_URL = reverse("clients:list")


def export(http, query: str = ""):
    response = http.get(f"{EXPORT_URL}?{query}" if query else EXPORT_URL)
    assert response.status_code == 200, response.content[:500]
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def rows_of(sheet) -> list[list]:
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def choose_columns(http, *columns: str) -> None:
    """«Колонки» on the list: the choice is remembered for the user."""
    assert http.get(LIST_URL, {"columns": [*columns, ""]}).status_code == 200


def test_the_export_is_an_xlsx_named_by_date_with_bold_russian_headers(client, owner, card):
    client.force_login(owner)
    response = client.get(EXPORT_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert f'filename="clients-{timezone.localdate():%Y-%m-%d}.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = next(sheet.iter_rows())
    # The list's default columns (КПП, Сегменты, Создан hidden), in the list's order.
    assert [c.value for c in header] == [
        "Наименование",
        "Вид",
        "ИНН",
        "Бизнес-регион",
        "Ответственный",
        "ABC",
        "XYZ",
        "Телефон",
        "E-mail",
        "Заполненность",
    ]
    assert all(c.font.bold for c in header)
    owner_name = owner.get_full_name()
    assert rows_of(sheet)[1] == [
        "ООО «Ромашка»",
        "Организация",
        "7707083893",
        None,
        owner_name,
        None,
        None,
        "+7 916 123-45-67",
        None,
        None,  # not scored yet: the factory does not recompute
    ]


def test_the_export_has_the_columns_chosen_on_the_list_with_extra_fields(client, owner, card, loyalty, turnover):
    flag = factories.ExtraFieldFactory(name="VIP", value_type=ExtraField.ValueType.FLAG)
    since = factories.ExtraFieldFactory(name="Клиент с", value_type=ExtraField.ValueType.DATE)
    ExtraValue.objects.create(field=loyalty, client=card, value_option=factories.option(loyalty, "Средняя"))
    ExtraValue.objects.create(field=turnover, client=card, value_number=Decimal("1500.2500"))
    ExtraValue.objects.create(field=flag, client=card, value_bool=True)
    ExtraValue.objects.create(field=since, client=card, value_date=datetime.date(2020, 5, 17))
    segment = factories.SegmentFactory(name="Опт")
    card.segments.add(segment)
    client.force_login(owner)
    choose_columns(client, "kpp", "segments", *(f"extra_{f.pk}" for f in (loyalty, turnover, flag, since)))

    rows = rows_of(export(client))

    assert rows[0] == ["Наименование", "КПП", "Сегменты", "Лояльность", "Оборот", "VIP", "Клиент с"]
    assert rows[1] == [
        "ООО «Ромашка»",
        "773601001",
        "Опт",
        "Средняя",
        1500.25,
        "Да",
        datetime.datetime(2020, 5, 17),
    ]


def test_the_export_respects_the_filter_and_the_sorting(client, owner, loyalty):
    high = factories.option(loyalty, "Высокая")
    for name, kind in [("Бета", "company"), ("Альфа", "company"), ("Гамма", "company"), ("Иванов", "individual")]:
        created = factories.ClientFactory(name=name, kind=kind, kpp="" if kind == "individual" else "770101001")
        if name != "Гамма":
            ExtraValue.objects.create(field=loyalty, client=created, value_option=high)
    client.force_login(owner)
    choose_columns(client, "kind")

    rows = rows_of(export(client, f"kind=company&extra_{loyalty.pk}={high.pk}&sort=-name"))

    assert rows == [["Наименование", "Вид"], ["Бета", "Организация"], ["Альфа", "Организация"]]


def test_an_invalid_filter_exports_like_the_list_shows(client, owner, card):
    client.force_login(owner)
    rows = rows_of(export(client, "created_after=31.02.2024&responsible=abc"))
    assert [r[0] for r in rows[1:]] == [card.name]


@pytest.mark.parametrize(
    "name",
    ['=HYPERLINK("http://evil","x")', "+7(916)1234567", "-2+3", "@SUM(A1:A2)", "\tTab", "\r=1+1", "#N/A"],
)
def test_text_that_excel_would_evaluate_stays_text(client, owner, name):
    factories.ClientFactory(name=name, comment="")
    client.force_login(owner)
    cell = export(client)["A2"]
    assert cell.data_type == "s"
    assert cell.value == name  # a carriage return too: openpyxl writes it through lxml as &#13;
    if name[0] in exports.FORMULA_PREFIXES:
        assert cell.quotePrefix


def test_control_characters_excel_refuses_are_dropped(client, owner):
    factories.ClientFactory(name="ООО\x01 «Звонок»\x07")
    client.force_login(owner)
    assert export(client)["A2"].value == "ООО «Звонок»"


def _export_queries(http) -> int:
    with CaptureQueriesContext(connection) as queries:
        export(http)
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_the_rows(client, owner, loyalty):
    client.force_login(owner)
    choose_columns(client, "segments", "phone", "email", f"extra_{loyalty.pk}")
    high = factories.option(loyalty, "Высокая")
    for _ in range(10):
        created = factories.ClientFactory(responsible=owner)
        factories.ContactInfoFactory(client=created)
        ExtraValue.objects.create(field=loyalty, client=created, value_option=high)
    export(client)  # reads the extra fields' definitions, which later exports find kept
    ten = _export_queries(client)
    for _ in range(50):
        created = factories.ClientFactory(responsible=owner)
        factories.ContactInfoFactory(client=created)
        ExtraValue.objects.create(field=loyalty, client=created, value_option=high)
    assert _export_queries(client) == ten


def test_each_chunk_costs_the_same_few_queries(client, owner, loyalty, monkeypatch):
    client.force_login(owner)
    choose_columns(client, "segments", "phone", f"extra_{loyalty.pk}")
    for _ in range(20):
        factories.ClientFactory()
    monkeypatch.setattr(exports, "CHUNK_SIZE", 10)
    export(client)  # reads the extra fields' definitions, which later exports find kept
    two_chunks = _export_queries(client)
    for _ in range(40):
        factories.ClientFactory()
    six_chunks = _export_queries(client)
    # Per chunk: segments, contact info and extra values, one query each.
    assert six_chunks - two_chunks == 4 * 3
    assert len(rows_of(export(client))) == 61


def test_anyone_with_a_role_exports_and_nobody_else(client, owner, outsider, card):
    sales_head = factories.UserFactory(username="head", role=roles.SALES_HEAD)
    for user in (owner, sales_head):
        client.force_login(user)
        assert client.get(EXPORT_URL).status_code == 200
    client.force_login(outsider)
    assert client.get(EXPORT_URL).status_code == 403
    client.logout()
    assert client.get(EXPORT_URL).status_code == 302


def test_the_list_has_an_excel_button_with_the_current_filter(client, owner, card):
    client.force_login(owner)
    html = client.get(LIST_URL, {"kind": "company", "q": "Ромашка"}).content.decode()
    assert 'id="export-excel"' in html
    assert f'href="{EXPORT_URL}?kind=company&amp;q=%D0%A0%D0%BE%D0%BC%D0%B0%D1%88%D0%BA%D0%B0"' in html


def test_an_exported_file_imports_back_without_changes(client, boss, card, loyalty, settings, tmp_path):
    """The export's headers are what the import recognises: a round trip changes nothing."""
    settings.MEDIA_ROOT = tmp_path
    ExtraValue.objects.create(field=loyalty, client=card, value_option=factories.option(loyalty, "Низкая"))
    client.force_login(boss)
    choose_columns(client, "kind", "inn", "kpp", "phone", "email", f"extra_{loyalty.pk}")
    content = b"".join(client.get(EXPORT_URL).streaming_content)

    response = client.post(reverse("clients:import"), {"file": SimpleUploadedFile("clients.xlsx", content)})
    assert response.status_code == 302
    record = ClientImport.objects.latest("pk")
    response = client.post(record.get_absolute_url(), {**mapping_data(record), "import": "1"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.report == {"created": 0, "updated": 0, "unchanged": 1, "errors": []}
    assert Client.objects.count() == 1
