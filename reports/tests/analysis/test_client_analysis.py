"""«Анализ клиентской базы» (reports:client_analysis) over the hand-made base of conftest.py."""

from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from clients import services
from clients.models import ExtraFieldOption
from clients.tests import factories

URL = reverse("reports:client_analysis")
EMPTY = "<не заполнено>"


def report(http, **params):
    response = http.get(URL, params)
    assert response.status_code == 200, response.content.decode()[:2000]
    return response


def grid(response) -> dict:
    """{row label: {column label: count}} with the totals under «Итого», zero cells left out."""
    table = response.context["table"]
    result = {}
    for row in table.rows:
        cells = {c.label: cell.count for c, cell in zip(table.columns, row.cells, strict=True) if cell.count}
        result[row.member.label] = {**cells, "Итого": row.total.count}
    result["Итого"] = {c.label: cell.count for c, cell in zip(table.columns, table.totals, strict=True)}
    result["Итого"]["Итого"] = table.grand_total.count
    return result


def linked_cells(table):
    for row in table.rows:
        for column, cell in zip(table.columns, row.cells, strict=True):
            yield (row.member.label, column.label), cell
        yield (row.member.label, "Итого"), row.total
    for column, cell in zip(table.columns, table.totals, strict=True):
        yield ("Итого", column.label), cell
    yield ("Итого", "Итого"), table.grand_total


def list_count(http, url: str) -> int:
    response = http.get(url)
    assert response.status_code == 200
    return response.context["table"].paginator.count


def assert_drill_down_matches(http, table) -> set:
    """Every linked cell opens the client list with as many clients as it counts; returns the
    (row, column) labels of the linked cells."""
    linked = set()
    for where, cell in linked_cells(table):
        if cell.url:
            assert list_count(http, cell.url) == cell.count, (where, cell.url)
            linked.add(where)
    return linked


# --- counts -------------------------------------------------------------------------------------


def test_default_report_counts_clients_by_manager_and_region(client, base, boss):
    client.force_login(boss)
    response = report(client)
    assert grid(response) == {
        "Анна Смирнова": {"Москва": 2, "Сибирь": 1, "Итого": 3},
        "Борис Волков": {"Сибирь": 1, EMPTY: 1, "Итого": 2},
        EMPTY: {"Москва": 1, EMPTY: 1, "Итого": 2},
        "Итого": {"Москва": 3, "Сибирь": 2, EMPTY: 2, "Итого": 7},
    }
    table = response.context["table"]
    assert [r.member.label for r in table.rows][-1] == EMPTY, "the empty value comes last"
    assert [c.label for c in table.columns] == ["Москва", "Сибирь", EMPTY]
    html = response.content.decode()
    assert "Ответственный / Бизнес-регион" in html
    assert "&lt;не заполнено&gt;" in html


def test_rows_by_an_extra_list_field_and_columns_by_a_flag(client, base, boss):
    client.force_login(boss)
    response = report(client, rows=f"extra_{base.loyalty.pk}", columns=f"extra_{base.vip.pk}")
    assert grid(response) == {
        "Высокая": {"Да": 2, EMPTY: 1, "Итого": 3},
        "Средняя": {EMPTY: 1, "Итого": 1},
        "Низкая": {"Нет": 1, "Итого": 1},
        EMPTY: {EMPTY: 2, "Итого": 2},
        "Итого": {"Да": 2, "Нет": 1, EMPTY: 4, "Итого": 7},
    }
    assert "Лояльность (Клиент) / VIP (Клиент)" in response.content.decode()


def test_without_columns_the_table_is_one_count_column(client, base, boss):
    client.force_login(boss)
    response = report(client, rows="abc_class", columns="none")
    assert grid(response) == {
        "A": {"Итого": 2},
        "B": {"Итого": 1},
        "C": {"Итого": 1},
        EMPTY: {"Итого": 3},
        "Итого": {"Итого": 7},
    }
    assert "Количество" in response.content.decode()


def test_kind_by_segment_counts_a_client_with_two_segments_once_in_totals(client, base, boss):
    client.force_login(boss)
    response = report(client, rows="segments", columns="kind")
    assert grid(response) == {
        "Опт": {"Организация": 1, "Физическое лицо": 1, "Итого": 2},
        "Розница": {"Организация": 1, "Итого": 1},
        EMPTY: {"Организация": 4, "Физическое лицо": 1, "Итого": 5},
        "Итого": {"Организация": 5, "Физическое лицо": 2, "Итого": 7},
    }


def test_filter_by_an_extra_number_field_narrows_the_counts(client, base, boss):
    client.force_login(boss)
    response = report(client, **{f"extra_{base.turnover.pk}_min": "20"})
    counts = grid(response)
    assert counts["Итого"] == {"Сибирь": 1, EMPTY: 1, "Итого": 2}
    assert len(counts) == 3  # Анна and Борис


def test_filter_by_an_extra_list_field_and_a_builtin_one(client, base, boss):
    client.force_login(boss)
    high = factories.option(base.loyalty, "Высокая")
    response = report(client, columns="none", **{f"extra_{base.loyalty.pk}": high.pk, "kind": "company"})
    counts = grid(response)
    assert counts["Итого"] == {"Итого": 3}
    assert sorted(v["Итого"] for k, v in counts.items() if k != "Итого") == [1, 2]


def test_the_filter_form_offers_every_field_including_extra_ones(client, base, boss):
    client.force_login(boss)
    html = report(client).content.decode()
    for name in ("q", "responsible", "business_region", "segments", "abc_class", "kind"):
        assert f'name="{name}"' in html, name
    assert f'name="extra_{base.loyalty.pk}"' in html
    assert f'name="extra_{base.turnover.pk}_min"' in html
    assert f'name="extra_{base.note.pk}"' in html
    assert f'name="extra_{base.role.pk}"' not in html, "contact person fields do not filter clients"


def test_only_list_and_flag_fields_of_clients_are_dimensions(client, base, boss):
    client.force_login(boss)
    keys = [key for key, _label in report(client).context["dimension_choices"]]
    assert keys[:6] == ["responsible", "business_region", "kind", "abc_class", "xyz_class", "segments"]
    assert keys[6:] == [f"extra_{base.loyalty.pk}", f"extra_{base.vip.pk}"]


def test_a_retired_list_value_still_counts_under_its_name(client, base, boss):
    ExtraFieldOption.objects.filter(field=base.loyalty, name="Средняя").update(retired=True)
    client.force_login(boss)
    counts = grid(report(client, rows=f"extra_{base.loyalty.pk}", columns="none"))
    assert counts["Средняя"] == {"Итого": 1}


# --- drill-down ----------------------------------------------------------------------------------


def test_every_cell_of_the_default_report_opens_the_list_with_its_count(client, base, boss):
    client.force_login(boss)
    table = report(client).context["table"]
    linked = assert_drill_down_matches(client, table)
    # Clients without a responsible manager have their own link (responsible=null).
    assert (EMPTY, "Москва") in linked
    assert (EMPTY, "Итого") in linked
    assert ("Итого", "Итого") in linked
    assert len(linked) >= 10


def test_cells_of_extra_fields_including_empty_ones_open_the_list_with_their_count(client, base, boss):
    client.force_login(boss)
    table = report(client, rows=f"extra_{base.loyalty.pk}", columns=f"extra_{base.vip.pk}").context["table"]
    linked = assert_drill_down_matches(client, table)
    assert (EMPTY, EMPTY) in linked
    assert ("Высокая", EMPTY) in linked
    assert ("Низкая", "Нет") in linked
    assert ("Итого", "Да") in linked


def test_drill_down_keeps_the_reports_filter(client, base, boss):
    client.force_login(boss)
    response = report(
        client,
        columns=f"extra_{base.loyalty.pk}",
        **{f"extra_{base.turnover.pk}_min": "5", "kind": "company"},
    )
    table = response.context["table"]
    assert table.grand_total.count == 3  # c1, c3, c7
    assert assert_drill_down_matches(client, table)
    assert f"extra_{base.turnover.pk}_min=5" in table.grand_total.url


def test_drill_down_of_a_grouped_field_that_is_also_filtered(client, base, boss):
    client.force_login(boss)
    high, mid = factories.option(base.loyalty, "Высокая"), factories.option(base.loyalty, "Средняя")
    table = report(
        client,
        rows=f"extra_{base.loyalty.pk}",
        columns="business_region",
        **{f"extra_{base.loyalty.pk}": [high.pk, mid.pk]},
    ).context["table"]
    assert table.grand_total.count == 4
    assert_drill_down_matches(client, table)


def test_segment_cells_do_not_link_while_the_segment_filter_is_set(client, base, boss):
    client.force_login(boss)
    table = report(client, rows="segments", columns="none", segments=base.wholesale.pk).context["table"]
    assert grid_of(table) == {"Опт": 2, "Розница": 1}
    assert all(row.total.url is None for row in table.rows)
    assert table.grand_total.url and list_count(client, table.grand_total.url) == 2


def grid_of(table) -> dict:
    return {row.member.label: row.total.count for row in table.rows}


def test_segment_cells_open_the_list_with_their_count(client, base, boss):
    client.force_login(boss)
    table = report(client, rows="segments", columns="abc_class").context["table"]
    linked = assert_drill_down_matches(client, table)
    assert ("Опт", "A") in linked and ("Розница", "Итого") in linked


# --- Excel ---------------------------------------------------------------------------------------


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "client-analysis.xlsx" in response["Content-Disposition"]
    return load_workbook(BytesIO(response.content)).active


def find_row(sheet, first: str) -> list:
    for row in sheet.iter_rows():
        if row[0].value == first:
            return row
    raise AssertionError(f"no row {first!r}")


def test_excel_holds_the_same_table_with_bold_headers(client, base, boss):
    client.force_login(boss)
    html = report(client)
    assert 'id="export-xlsx"' in html.content.decode()
    sheet = workbook(client.get(html.context["export_url"]))
    assert sheet["A1"].value == "Анализ клиентской базы" and sheet["A1"].font.bold
    header = find_row(sheet, "Ответственный / Бизнес-регион")
    assert [c.value for c in header] == ["Ответственный / Бизнес-регион", "Москва", "Сибирь", EMPTY, "Итого"]
    assert all(c.font.bold for c in header)
    assert [c.value for c in find_row(sheet, EMPTY)] == [EMPTY, 1, None, 1, 2]
    assert [c.value for c in find_row(sheet, "Итого")] == ["Итого", 3, 2, 2, 7]


def test_excel_states_the_filter(client, base, boss):
    client.force_login(boss)
    response = client.get(URL, {"export": "xlsx", "business_region": base.moscow.pk, "abc_class": ["A", "B"]})
    sheet = workbook(response)
    texts = [c.value for c in sheet["A"] if c.value]
    assert "Бизнес-регион: Москва" in texts
    assert "ABC-класс: A, B" in texts
    assert find_row(sheet, "Итого")[-1].value == 1


def test_the_page_states_the_filter_above_the_result_and_the_settings_fold(client, base, boss):
    client.force_login(boss)
    page = client.get(URL, {"business_region": base.moscow.pk, "abc_class": ["A", "B"]}).content.decode()
    conditions = page.split('id="analysis-conditions">')[1].split("</div>")[0]
    assert "Бизнес-регион: Москва" in conditions and "ABC-класс: A, B" in conditions
    assert 'data-bs-target="#analysis-settings"' in page and 'id="analysis-settings"' in page
    unfiltered = client.get(URL).content.decode()
    assert "Отбор не задан: все клиенты." in unfiltered.split('id="analysis-conditions">')[1].split("</div>")[0]


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil","x")', "+7 495", "-1+2", "@SUM(A1)"])
def test_excel_writes_formula_like_text_as_text(client, base, boss, name):
    base.moscow.name = name
    base.moscow.save()
    client.force_login(boss)
    sheet = workbook(client.get(URL, {"export": "xlsx", "columns": "none", "rows": "business_region"}))
    cell = find_row(sheet, name)[0]
    assert cell.value == name
    assert cell.data_type == "s"


# --- access --------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [reverse("reports:index"), URL, f"{URL}?export=xlsx"])
def test_anonymous_users_are_sent_to_login(client, base, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("url", [reverse("reports:index"), URL, f"{URL}?export=xlsx"])
def test_users_without_a_role_are_refused(client, outsider, url):
    client.force_login(outsider)
    assert client.get(url).status_code == 403


def test_any_role_may_open_the_reports(client, base):
    client.force_login(base.anna)
    index = client.get(reverse("reports:index"))
    assert index.status_code == 200
    assert URL in index.content.decode()
    assert report(client).context["table"].grand_total.count == 7


def test_the_menu_links_to_the_reports_and_marks_them_active(client, base):
    client.force_login(base.anna)
    html = client.get(reverse("reports:index")).content.decode()
    assert f'class="nav-link active" href="{reverse("reports:index")}"' in html
    html = client.get(reverse("clients:list")).content.decode()
    assert f'class="nav-link" href="{reverse("reports:index")}"' in html


def test_the_report_refuses_post(client, base, boss):
    client.force_login(boss)
    assert client.post(URL).status_code == 405


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"rows": "nonsense"},
        {"rows": "extra_999999"},
        {"columns": "<script>"},
        {"rows": "responsible", "columns": "extra_abc"},
    ],
)
def test_an_unknown_dimension_gives_the_default_report_with_a_message(client, base, boss, params):
    client.force_login(boss)
    response = report(client, **params)
    assert response.context["problems"]
    assert response.context["rows_key"] == "responsible"
    assert response.context["columns_key"] == "business_region"
    assert response.context["table"].grand_total.count == 7
    assert "<script>" not in response.content.decode()


def test_a_text_or_contact_field_is_not_a_dimension(client, base, boss):
    client.force_login(boss)
    for field in (base.note, base.turnover, base.role):
        response = report(client, rows=f"extra_{field.pk}")
        assert response.context["problems"], field.name
        assert response.context["rows_key"] == "responsible"


def test_the_same_dimension_twice_drops_the_columns(client, base, boss):
    client.force_login(boss)
    response = report(client, rows="kind", columns="kind")
    assert response.context["problems"]
    assert response.context["table"].columns_dimension is None
    assert grid(response)["Итого"] == {"Итого": 7}


@pytest.mark.parametrize(
    "params",
    [
        {"responsible": "abc"},
        {"responsible": "999999"},
        {"business_region": "-1"},
        {"abc_class": "Q"},
        {"extra_999999": "1"},  # an unknown field's parameter is simply not a filter
        {"extra_LOYALTY": "999999"},
        {"extra_TURNOVER_min": "много"},
        {"created_after": "31.02.2024"},
        {"created_after": "2024-02-31"},
    ],
)
def test_a_bad_filter_gives_the_whole_base_with_a_message_never_a_500(client, base, boss, params):
    params = {
        k.replace("LOYALTY", str(base.loyalty.pk)).replace("TURNOVER", str(base.turnover.pk)): v
        for k, v in params.items()
    }
    client.force_login(boss)
    response = report(client, **params)
    assert response.context["table"].grand_total.count == 7
    if "extra_999999" not in params:
        assert response.context["problems"]
        assert response.context["table"].grand_total.url.endswith("?")
    xlsx = client.get(URL, {**params, "export": "xlsx"})
    assert find_row(workbook(xlsx), "Итого")[-1].value == 7


# --- queries -------------------------------------------------------------------------------------


def test_the_number_of_queries_does_not_grow_with_the_data(client, base, boss):
    client.force_login(boss)
    params = {"rows": f"extra_{base.loyalty.pk}", "columns": "responsible", f"extra_{base.turnover.pk}_min": "1"}
    report(client, **params)

    def queries(**extra) -> int:
        with CaptureQueriesContext(connection) as captured:
            report(client, **{**params, **extra})
        return len(captured)

    small = queries()
    small_default = queries(rows="responsible", columns="business_region")
    for i in range(30):
        manager = factories.manager(username=f"m{i}")
        region = factories.BusinessRegionFactory(name=f"Регион {i}")
        c = factories.ClientFactory(responsible=manager, business_region=region)
        services.set_extra_values({base.loyalty: base.loyalty.options.all()[i % 3], base.turnover: i + 1}, client=c)
    assert queries() == small
    assert queries(rows="responsible", columns="business_region") == small_default
    # session, user, roles, 3 filter choice lists, 2 extra field definitions, the counts, 2 names
    assert small_default <= 12
