import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook
from stdnum.ru import inn as stdnum_inn

from clients import import_files, imports, services
from clients.models import Client, ClientChange, ClientImport, ExtraField, ExtraValue
from clients.tests import factories
from crm import roles

IMPORT_URL = reverse("clients:import")


def company_inn(seed: int) -> str:
    base = f"77{seed:07d}"
    check = sum(int(d) * w for d, w in zip(base, (2, 4, 10, 3, 5, 9, 4, 6, 8), strict=True)) % 11 % 10
    return stdnum_inn.validate(base + str(check))


def person_inn(seed: int) -> str:
    base = f"50{seed:08d}"
    first = sum(int(d) * w for d, w in zip(base, (7, 2, 4, 10, 3, 5, 9, 4, 6, 8), strict=True)) % 11 % 10
    base += str(first)
    second = sum(int(d) * w for d, w in zip(base, (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8), strict=True)) % 11 % 10
    return stdnum_inn.validate(base + str(second))


BAD_INN = "7707083894"  # 7707083893 with a wrong check digit


def xlsx_upload(rows: list[list], name: str = "clients.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def csv_upload(rows: list[list], *, delimiter: str = ";", encoding: str = "utf-8", name: str = "clients.csv"):
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter).writerows(rows)
    return SimpleUploadedFile(name, text.getvalue().encode(encoding))


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def region(db):
    return factories.BusinessRegionFactory(name="Центр")


@pytest.fixture
def contract_date(db):
    return factories.ExtraFieldFactory(name="Дата договора", value_type=ExtraField.ValueType.DATE)


@pytest.fixture
def vip(db):
    return factories.ExtraFieldFactory(name="VIP", value_type=ExtraField.ValueType.FLAG)


@pytest.fixture
def manager_petrov(db):
    return factories.manager(username="petrov", first_name="Иван", last_name="Петров")


def upload(http, file) -> ClientImport:
    response = http.post(IMPORT_URL, {"file": file})
    assert response.status_code == 302, response.content.decode()
    record = ClientImport.objects.latest("pk")
    assert response["Location"] == record.get_absolute_url()
    return record


def mapping_data(record: ClientImport, mapping: dict[int, str] | None = None) -> dict:
    """The mapping form as the browser sends it: the guess from the headers unless `mapping` is given."""
    if mapping is None:
        fields = [f for f in ExtraField.objects.all() if not f.for_contacts]
        mapping = imports.guess_mapping(record.headers, fields)
    return {f"column_{index}": target for index, target in mapping.items()}


def run_import(http, file, mapping: dict[int, str] | None = None) -> ClientImport:
    record = upload(http, file)
    response = http.post(record.get_absolute_url(), {**mapping_data(record, mapping), "import": "1"})
    assert response.status_code == 302, response.content.decode()
    record.refresh_from_db()
    assert record.finished
    return record


HEADER = [
    "Наименование",
    "Вид",
    "ИНН",
    "КПП",
    "Полное наименование",
    "Юр. адрес",
    "Бизнес-регион",
    "Ответственный",
    "Телефон",
    "E-mail",
    "Комментарий",
    "Лояльность",
    "Оборот",
    "Дата договора",
    "VIP",
]


# --- the happy paths ------------------------------------------------------------------------------


def test_an_xlsx_file_creates_clients_with_every_kind_of_value(
    client,
    boss,
    region,
    manager_petrov,
    loyalty,
    turnover,
    contract_date,
    vip,
    media,
    django_capture_on_commit_callbacks,
):
    client.force_login(boss)
    rows = [
        HEADER,
        [
            "ООО «Альфа»",
            "Организация",
            company_inn(1),
            "770101001",
            "Общество с ограниченной ответственностью «Альфа»",
            "Москва, ул. Ленина, 1",
            "центр",
            "Петров Иван",
            "8 (916) 123-45-67, +7 916 765-43-21",
            "Info@Alfa.RU",
            "Ключевой клиент",
            "высокая",
            1234.5,
            datetime.datetime(2024, 3, 1),
            "да",
        ],
        ["Иванов Сергей", "Физическое лицо", person_inn(2), None, None, None, None, "petrov", None, None],
    ]
    with django_capture_on_commit_callbacks(execute=True):
        record = run_import(client, xlsx_upload(rows))

    assert record.report["created"] == 2 and record.report["errors"] == []
    alfa = Client.objects.get(inn=company_inn(1))
    assert (alfa.name, alfa.kind, alfa.kpp) == ("ООО «Альфа»", Client.Kind.COMPANY, "770101001")
    assert alfa.full_name.startswith("Общество") and alfa.legal_address == "Москва, ул. Ленина, 1"
    assert alfa.business_region == region and alfa.responsible == manager_petrov
    assert alfa.comment == "Ключевой клиент"
    assert sorted(alfa.contact_info.values_list("value", flat=True)) == [
        "+79161234567",
        "+79167654321",
        "Info@alfa.ru",
    ]
    values = {v.field_id: v.value for v in ExtraValue.objects.filter(client=alfa)}
    assert values == {
        loyalty.pk: factories.option(loyalty, "Высокая"),
        turnover.pk: Decimal("1234.5"),
        contract_date.pk: datetime.date(2024, 3, 1),
        vip.pk: True,
    }
    person = Client.objects.get(inn=person_inn(2))
    assert person.kind == Client.Kind.INDIVIDUAL and person.responsible == manager_petrov

    change = alfa.changes.get()
    assert change.source == ClientChange.Source.IMPORT and change.user == boss and change.version == 1
    changed = {c["field"]: c["new"] for c in change.changes}
    assert changed["name"] == "ООО «Альфа»" and changed["business_region"] == "Центр"
    assert changed[f"extra:{loyalty.pk}"] == "Высокая"
    assert "+7 916 123-45-67" in changed["contact_info"]
    # The file is gone once imported; the report stays.
    assert not record.file and list((media / "imports").iterdir()) == []


def test_the_report_page_shows_the_counts(client, boss):
    client.force_login(boss)
    record = run_import(client, xlsx_upload([["Наименование"], ["ООО «Один»"], ["ООО «Два»"]]))
    response = client.get(record.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="report-created">2<' in html and 'id="report-errors">0<' in html


def test_a_utf8_csv_with_bom_and_semicolons_imports(client, boss, loyalty):
    client.force_login(boss)
    rows = [["Наименование", "ИНН", "Лояльность"], ["ООО «Ёлка»", company_inn(3), "Средняя"]]
    run_import(client, csv_upload(rows, delimiter=";", encoding="utf-8-sig"))
    elka = Client.objects.get(inn=company_inn(3))
    assert elka.name == "ООО «Ёлка»"
    assert elka.extra_values.get().value_option == factories.option(loyalty, "Средняя")


def test_a_windows_1251_csv_with_commas_imports(client, boss):
    client.force_login(boss)
    rows = [["Наименование", "ИНН", "Комментарий"], ["ООО «Берёзка», филиал", company_inn(4), "Звонить после обеда"]]
    run_import(client, csv_upload(rows, delimiter=",", encoding="cp1251"))
    berezka = Client.objects.get(inn=company_inn(4))
    assert berezka.name == "ООО «Берёзка», филиал" and berezka.comment == "Звонить после обеда"


def test_the_mapping_is_guessed_from_the_headers(db, loyalty):
    headers = ["№", "Контрагент", "инн", "Менеджер", "Телефон", "Мобильный телефон", "ЛОЯЛЬНОСТЬ", "Заметка", "ИНН"]
    mapping = imports.guess_mapping(headers, [loyalty])
    assert mapping == {
        1: "name",
        2: "inn",
        3: "responsible",
        4: "phone",
        5: "phone",
        6: f"extra_{loyalty.pk}",
    }


def test_the_mapping_page_preselects_the_guess_and_previews_the_first_rows(client, boss, loyalty):
    client.force_login(boss)
    rows = [["Клиент", "ИНН", "Лояльность"], *[[f"ООО «Клиент {i}»", company_inn(i), "Высокая"] for i in range(25)]]
    record = upload(client, xlsx_upload(rows))
    assert record.row_count == 25 and record.headers == ["Клиент", "ИНН", "Лояльность"]
    response = client.get(record.get_absolute_url())
    assert response.status_code == 200
    form = response.context["form"]
    assert form.mapping() == {0: "name", 1: "inn", 2: f"extra_{loyalty.pk}"}
    preview = response.context["preview"]
    assert [row.number for row in preview] == list(range(2, 22))
    assert all(row.ok and row.client is None for row in preview)
    assert Client.objects.count() == 0


def test_a_changed_mapping_refreshes_the_preview_through_htmx(client, boss):
    client.force_login(boss)
    record = upload(client, xlsx_upload([["A", "B"], ["ООО «Бета»", "не ИНН"]]))
    response = client.post(record.get_absolute_url(), {"column_0": "name", "column_1": "inn"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'id="import-preview-table"' in html
    assert "ИНН состоит только из цифр" in html


def test_the_mapping_page_reads_a_constant_number_of_queries(client, boss, loyalty, django_assert_max_num_queries):
    client.force_login(boss)
    for size in (3, 30):
        rows = [["Наименование", "ИНН", "Лояльность", "Бизнес-регион"]]
        rows += [[f"ООО «{i}»", company_inn(i), "Высокая", "Центр"] for i in range(size)]
        record = upload(client, xlsx_upload(rows))
        with django_assert_max_num_queries(12):  # 11, and the extra fields read once per process
            assert client.get(record.get_absolute_url()).status_code == 200


# --- bad input ------------------------------------------------------------------------------------


def test_a_header_without_name_or_inn_says_so_and_imports_nothing(client, boss):
    client.force_login(boss)
    record = upload(client, xlsx_upload([["Что-то", "Другое"], ["ООО «Гамма»", "7707083893"]]))
    response = client.get(record.get_absolute_url())
    assert response.status_code == 200
    assert "не найдена колонка «Наименование» или «ИНН»" in response.content.decode()
    assert response.context["preview"] is None

    response = client.post(record.get_absolute_url(), {"column_1": "comment", "import": "1"})
    assert response.status_code == 200
    assert "не найдена колонка «Наименование» или «ИНН»" in response.content.decode()
    assert Client.objects.count() == 0
    record.refresh_from_db()
    assert not record.finished and record.file  # nothing lost: the user may map the columns by hand

    run_response = client.post(record.get_absolute_url(), {"column_0": "name", "column_1": "inn", "import": "1"})
    assert run_response.status_code == 302
    assert Client.objects.get().name == "ООО «Гамма»"


def test_one_target_for_two_columns_is_refused(client, boss):
    client.force_login(boss)
    record = upload(client, xlsx_upload([["Наименование", "Название"], ["ООО «Дельта»", "Дельта"]]))
    response = client.post(record.get_absolute_url(), {"column_0": "name", "column_1": "name", "import": "1"})
    assert response.status_code == 200
    assert "«Наименование» выбрано для нескольких колонок" in response.content.decode()
    assert Client.objects.count() == 0


def test_a_half_bad_file_imports_the_good_rows_and_reports_the_bad_ones(client, boss, turnover):
    client.force_login(boss)
    rows = [
        ["Наименование", "ИНН", "Оборот"],
        ["ООО «Первый»", company_inn(11), 10],
        ["ООО «Плохой ИНН»", BAD_INN, 20],
        ["ООО «Второй»", company_inn(12), None],
        ["ООО «Плохое число»", company_inn(13), "много"],
        ["ООО «Третий»", None, "1 000,5"],
    ]
    record = run_import(client, xlsx_upload(rows))

    assert sorted(Client.objects.values_list("name", flat=True)) == ["ООО «Второй»", "ООО «Первый»", "ООО «Третий»"]
    assert Client.objects.get(name="ООО «Третий»").extra_values.get().value_number == Decimal("1000.5")
    assert record.report["created"] == 3
    errors = {e["row"]: e for e in record.report["errors"]}
    assert sorted(errors) == [3, 5]
    assert errors[3]["name"] == "ООО «Плохой ИНН»"
    assert "Неверное контрольное число ИНН" in errors[3]["reasons"][0]
    assert errors[5]["reasons"] == ["Оборот: «много» — не число."]

    html = client.get(record.get_absolute_url()).content.decode()
    assert "ООО «Плохой ИНН»" in html and "«много» — не число" in html


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        ({"ИНН": BAD_INN}, "Неверное контрольное число ИНН"),
        ({"ИНН": "77070838"}, "ИНН должен содержать 10 или 12 цифр"),
        ({"Вид": "Физическое лицо", "ИНН": "", "КПП": "770101001"}, "КПП указывается только для организаций"),
        ({"ИНН": "", "Вид": "Холдинг"}, "не вид клиента"),
        ({"Телефон": "позвонить"}, "Не удалось распознать номер телефона"),
        ({"Телефон": "+7 000 000"}, "не существует"),
        ({"Email": "not-an-email"}, "Неверный адрес электронной почты"),
        ({"Лояльность": "Супер"}, "Лояльность: значения «Супер» нет в списке"),
        ({"Оборот": "сто"}, "Оборот: «сто» — не число"),
        ({"Дата договора": "31.02.2024"}, "даты «31.02.2024» не существует"),
        ({"Дата договора": "вчера"}, "не дата"),
        ({"VIP": "может быть"}, "укажите «Да» или «Нет»"),
        ({"Бизнес-регион": "Марс"}, "бизнес-региона «Марс» нет в справочнике"),
        ({"Ответственный": "Никто Неизвестный"}, "пользователь «Никто Неизвестный» не найден"),
        ({"Наименование": ""}, "Не указано наименование клиента"),
        ({"Вид": "Организация", "ИНН": person_inn(5)}, "ИНН организации — 10 цифр"),
    ],
)
def test_each_bad_value_is_reported_with_its_reason(cells, reason, client, boss, loyalty, turnover, contract_date, vip):
    client.force_login(boss)
    header = ["Наименование", "Вид", "ИНН", "КПП", "Телефон", "Email"]
    header += ["Лояльность", "Оборот", "Дата договора", "VIP", "Бизнес-регион", "Ответственный"]
    good = {"Наименование": "ООО «Хороший»", "ИНН": company_inn(21)}
    bad = {"Наименование": "ООО «Плохой»", "ИНН": company_inn(22), **cells}
    rows = [header, [good.get(h) for h in header], [bad.get(h) or None for h in header]]
    record = run_import(client, xlsx_upload(rows))

    assert list(Client.objects.values_list("name", flat=True)) == ["ООО «Хороший»"]
    [error] = record.report["errors"]
    assert error["row"] == 3
    assert any(reason in r for r in error["reasons"]), error["reasons"]


def test_a_companies_only_field_is_refused_for_an_individual(client, boss):
    field = factories.ExtraFieldFactory(name="Отрасль", applies_to=ExtraField.AppliesTo.COMPANIES)
    client.force_login(boss)
    rows = [["Наименование", "ИНН", "Отрасль"], ["Иванов", person_inn(6), "Торговля"]]
    record = run_import(client, xlsx_upload(rows))
    assert Client.objects.count() == 0
    assert "не заполняется у клиентов вида «Физическое лицо»" in record.report["errors"][0]["reasons"][0]
    assert not field.values.exists()


def test_the_same_inn_twice_in_a_file_is_reported_once(client, boss):
    client.force_login(boss)
    rows = [["Наименование", "ИНН"], ["ООО «Раз»", company_inn(7)], ["ООО «Два»", company_inn(7)]]
    record = run_import(client, xlsx_upload(rows))
    assert list(Client.objects.values_list("name", flat=True)) == ["ООО «Раз»"]
    assert record.report["errors"] == [
        {"row": 3, "name": "ООО «Два»", "reasons": [f"ИНН {company_inn(7)} уже есть в строке 2 файла."]}
    ]


def test_an_oversized_file_is_refused_with_a_clear_message(client, boss, settings):
    settings.CLIENT_IMPORT_MAX_BYTES = 1024 * 1024
    client.force_login(boss)
    big = SimpleUploadedFile("big.csv", b"x" * (1024 * 1024 + 1))
    response = client.post(IMPORT_URL, {"file": big})
    assert response.status_code == 200
    assert "Файл больше 1 МБ" in response.content.decode()
    assert not ClientImport.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("clients.xlsx", "Наименование;ИНН\nООО «Ромашка»;7707083893\n".encode(), "не является книгой Excel"),
        ("clients.xlsx", b"PK\x03\x04 broken zip", "не является книгой Excel"),
        ("clients.xls", b"\xd0\xcf\x11\xe0 old excel", "Формат xls не поддерживается"),
        ("clients.pdf", b"%PDF-1.4", "Загрузите файл в формате xlsx или csv"),
        ("clients.csv", b"", "пуст"),
        ("clients.csv", b"\n;;\n\n", "Файл пуст"),
        ("clients.csv", b"\x00\x01\x02", "двоичные данные"),
    ],
)
def test_a_file_that_is_not_a_table_is_refused_with_a_clear_message(client, boss, name, content, message):
    client.force_login(boss)
    response = client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ClientImport.objects.exists()


def test_a_file_without_a_file_is_refused(client, boss):
    client.force_login(boss)
    response = client.post(IMPORT_URL, {})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]


def test_too_many_rows_are_refused_with_a_clear_message(client, boss, settings):
    settings.CLIENT_IMPORT_MAX_ROWS = 3
    client.force_login(boss)
    rows = [["Наименование"], *[[f"ООО «{i}»"] for i in range(4)]]
    response = client.post(IMPORT_URL, {"file": csv_upload(rows)})
    assert response.status_code == 200
    assert "В файле больше 3 строк" in response.content.decode()
    assert not ClientImport.objects.exists()


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("Наименование;ИНН;КПП\n", ";"),
        ("Наименование,ИНН\n", ","),
        ('"ООО ""Альфа"", Москва";ИНН\n', ";"),
        ('"Наименование; полное",ИНН,КПП\n', ","),
        ("Наименование\tИНН\n", "\t"),
        ("Наименование\n", ","),
    ],
)
def test_the_csv_delimiter_is_the_one_that_splits_the_header(text, delimiter):
    assert import_files.detect_delimiter(text) == delimiter


def test_csv_text_is_utf8_with_or_without_bom_else_windows_1251():
    assert import_files.decode_text("Ёлка".encode("utf-8-sig")) == "Ёлка"
    assert import_files.decode_text("Ёлка".encode()) == "Ёлка"
    assert import_files.decode_text("Ёлка".encode("cp1251")) == "Ёлка"


def test_cells_past_the_last_header_are_ignored(db):
    sheet = import_files.read_sheet(csv_upload([["Наименование", ""], ["ООО «Край»", "лишнее", "ещё"]]), "csv")
    assert sheet.headers == ["Наименование"]
    assert sheet.rows == [(2, ["ООО «Край»"])]


# --- re-import ------------------------------------------------------------------------------------


def test_re_importing_a_file_updates_the_clients_by_inn(client, boss, loyalty):
    client.force_login(boss)
    header = ["Наименование", "ИНН", "Лояльность", "Комментарий"]
    run_import(client, xlsx_upload([header, ["ООО «Омега»", company_inn(8), "Низкая", "старый"]]))
    omega = Client.objects.get()
    assert omega.version == 1

    record = run_import(client, xlsx_upload([header, ["ООО «Омега»", company_inn(8), "Высокая", "новый"]]))

    assert record.report["created"] == 0 and record.report["updated"] == 1
    assert Client.objects.count() == 1
    omega.refresh_from_db()
    assert omega.comment == "новый" and omega.version == 2
    assert omega.extra_values.get().value_option == factories.option(loyalty, "Высокая")
    latest = omega.changes.first()
    assert latest.source == ClientChange.Source.IMPORT and latest.version == 2
    assert {(c["field"], c["old"], c["new"]) for c in latest.changes} == {
        ("comment", "старый", "новый"),
        (f"extra:{loyalty.pk}", "Низкая", "Высокая"),
    }

    again = run_import(client, xlsx_upload([header, ["ООО «Омега»", company_inn(8), "Высокая", "новый"]]))
    assert again.report["unchanged"] == 1 and again.report["updated"] == 0
    assert omega.changes.count() == 2


def test_re_import_matches_the_kpp_when_given(client, boss):
    inn = company_inn(9)
    head_office = factories.ClientFactory(name="Головной офис", inn=inn, kpp="770101001")
    branch = factories.ClientFactory(name="Филиал", inn=inn, kpp="770201001")
    client.force_login(boss)
    header = ["Наименование", "ИНН", "КПП", "Комментарий"]
    record = run_import(
        client,
        xlsx_upload(
            [
                header,
                [None, inn, "770201001", "про филиал"],
                [None, inn, None, "без КПП"],
                ["Новый филиал", inn, "770301001", None],
            ]
        ),
    )
    branch.refresh_from_db()
    head_office.refresh_from_db()
    assert branch.comment == "про филиал" and head_office.comment == ""
    assert record.report["updated"] == 1 and record.report["created"] == 1
    assert "несколько клиентов с ИНН" in record.report["errors"][0]["reasons"][0]
    assert Client.objects.filter(inn=inn).count() == 3


def test_rows_without_inn_create_clients_by_name(client, boss):
    client.force_login(boss)
    rows = [["Наименование"], ["ИП Сидоров"]]
    run_import(client, xlsx_upload(rows))
    run_import(client, xlsx_upload(rows))
    assert Client.objects.filter(name="ИП Сидоров").count() == 2


def test_known_phones_and_emails_are_not_added_twice(client, boss, card):
    client.force_login(boss)
    before = card.contact_info.count()
    rows = [["ИНН", "Телефон", "Email"], [card.inn, "8 916 123-45-67", "office@romashka.ru"]]
    record = run_import(client, xlsx_upload(rows))
    assert record.report["updated"] == 1
    assert card.contact_info.count() == before + 1
    assert card.contact_info.filter(value="office@romashka.ru", contact__isnull=True).exists()
    [entry] = card.changes.get().changes
    assert entry["field"] == "contact_info" and "office@romashka.ru" in entry["new"]
    assert "office@romashka.ru" not in entry["old"] and "+7 916 123-45-67" in entry["old"]

    again = run_import(client, xlsx_upload(rows))
    assert again.report["unchanged"] == 1 and card.contact_info.count() == before + 1


def test_an_excel_number_inn_gets_its_leading_zero_back(client, boss):
    inn = stdnum_inn.validate("0274062111")
    client.force_login(boss)
    run_import(client, xlsx_upload([["Наименование", "ИНН"], ["ООО «Уфа»", int(inn)]]))
    assert Client.objects.get().inn == inn


def test_a_second_submit_of_the_same_upload_imports_nothing_more(client, boss):
    client.force_login(boss)
    record = upload(client, xlsx_upload([["Наименование"], ["ООО «Дубль»"]]))
    data = {**mapping_data(record), "import": "1"}
    assert client.post(record.get_absolute_url(), data).status_code == 302
    assert client.post(record.get_absolute_url(), data).status_code == 200  # the report
    assert Client.objects.count() == 1


def test_uploads_left_for_a_day_are_discarded_with_their_files(client, boss, media):
    client.force_login(boss)
    old = upload(client, xlsx_upload([["Наименование"], ["ООО «Старое»"]]))
    path = old.file.path
    ClientImport.objects.filter(pk=old.pk).update(created_at=old.created_at - services.IMPORT_KEEP)
    upload(client, xlsx_upload([["Наименование"], ["ООО «Новое»"]]))
    assert not ClientImport.objects.filter(pk=old.pk).exists()
    assert not (media / path).exists()


# --- access ---------------------------------------------------------------------------------------


def test_only_supervisors_and_administrators_import(client, owner, outsider, boss):
    sales_head = factories.UserFactory(username="head", role=roles.SALES_HEAD)
    admin = factories.UserFactory(username="admin", role=roles.ADMINISTRATOR)
    for user in (owner, sales_head, outsider):
        client.force_login(user)
        assert client.get(IMPORT_URL).status_code == 403
        assert client.post(IMPORT_URL, {"file": xlsx_upload([["Наименование"], ["x"]])}).status_code == 403
    for user in (boss, admin):
        client.force_login(user)
        assert client.get(IMPORT_URL).status_code == 200
    assert not ClientImport.objects.exists()


def test_an_upload_is_seen_only_by_its_owner(client, boss, owner):
    client.force_login(boss)
    record = upload(client, xlsx_upload([["Наименование"], ["ООО «Чужое»"]]))
    other_boss = factories.supervisor(username="boss2")
    client.force_login(other_boss)
    assert client.get(record.get_absolute_url()).status_code == 404
    assert client.post(record.get_absolute_url(), {"column_0": "name", "import": "1"}).status_code == 404
    client.force_login(owner)
    assert client.get(record.get_absolute_url()).status_code == 403
    assert Client.objects.count() == 0


def test_import_pages_require_login(client, boss):
    for url in (IMPORT_URL, reverse("clients:import_detail", args=[1])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_list_offers_the_upload_to_supervisors_only(client, boss, owner):
    client.force_login(boss)
    assert 'id="import-clients"' in client.get(reverse("clients:list")).content.decode()
    client.force_login(owner)
    assert 'id="import-clients"' not in client.get(reverse("clients:list")).content.decode()
