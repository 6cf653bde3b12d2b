"""«Заполненность карточек по менеджерам» (reports:completeness_by_manager) over the small client base
of conftest.py, with these stored scores (Client.completeness):

client  responsible  region   kind        ABC  segments      Заполненность
c1      Анна         Москва   company     A    Опт, Розница  100
c2      Анна         Москва   individual  -    Опт           40
c3      Анна         Сибирь   company     B    -             70
c4      Борис        Сибирь   company     A    -             - (not scored)
c5      -            Москва   company     -    -             100
c6      -            -        individual  -    -             0
c7      Борис        -        company     C    -             49
"""

from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from clients import completeness
from clients.models import Client
from clients.tests import factories
from crm import roles

URL = reverse("reports:completeness_by_manager")
SCORES = {"c1": 100, "c2": 40, "c3": 70, "c4": None, "c5": 100, "c6": 0, "c7": 49}
NOT_ASSIGNED = "— не назначен —"


@pytest.fixture
def scored(base):
    for name, score in SCORES.items():
        Client.objects.filter(pk=base.clients[name].pk).update(completeness=score)
    return base


@pytest.fixture
def sales_head(db):
    return factories.UserFactory(username="head", first_name="Ирина", last_name="Продажина", role=roles.SALES_HEAD)


def report(http, **params):
    response = http.get(URL, params)
    assert response.status_code == 200, response.content.decode()[:2000]
    return response


def grid(response) -> dict:
    """{responsible: (clients, average, complete, below half, not scored)} with «Итого»."""

    def line(c):
        return (c.clients, str(c.average) if c.average is not None else None, c.complete, c.below_half, c.not_scored)

    table = response.context["table"]
    return {**{row.name: line(row.counts) for row in table.rows}, "Итого": line(table.total)}


def listed(http, url: str) -> list[tuple[str, int | None]]:
    """The clients the client list shows at `url`, in its order, with their scores."""
    response = http.get(url)
    assert response.status_code == 200
    table = response.context["table"]
    return [(row.record.name, row.record.completeness) for row in table.page.object_list]


# --- counts -------------------------------------------------------------------------------------


def test_it_counts_clients_and_their_completeness_by_responsible(client, scored, boss):
    client.force_login(boss)
    response = report(client)
    assert grid(response) == {
        "Анна Смирнова": (3, "70.0", 1, 1, 0),
        "Борис Волков": (2, "49.0", 0, 1, 1),
        NOT_ASSIGNED: (2, "50.0", 1, 1, 0),
        "Итого": (7, "59.8", 2, 3, 1),  # 359 over the six scored cards
    }
    assert [row.name for row in response.context["table"].rows] == ["Анна Смирнова", "Борис Волков", NOT_ASSIGNED]
    html = response.content.decode()
    assert "59,8&nbsp;%" in html  # Russian decimals
    assert "Заполнены меньше чем на 50 %" in html


def test_a_card_scored_50_is_not_below_half_and_99_is_not_complete(client, scored, boss):
    Client.objects.filter(pk=scored.clients["c7"].pk).update(completeness=50)
    Client.objects.filter(pk=scored.clients["c1"].pk).update(completeness=99)
    client.force_login(boss)
    rows = grid(report(client))
    assert rows["Борис Волков"] == (2, "50.0", 0, 0, 1)
    assert rows["Анна Смирнова"] == (3, "69.7", 0, 1, 0)


def test_nobody_scored_leaves_the_average_empty(client, base, boss):
    Client.objects.update(completeness=None)
    client.force_login(boss)
    assert grid(report(client))["Итого"] == (7, None, 0, 0, 7)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"business_region": "MOSCOW"}, {"Анна Смирнова": (2, "70.0", 1, 1, 0), NOT_ASSIGNED: (1, "100.0", 1, 0, 0)}),
        ({"business_region": "null"}, {"Борис Волков": (1, "49.0", 0, 1, 0), NOT_ASSIGNED: (1, "0.0", 0, 1, 0)}),
        ({"segments": "WHOLESALE"}, {"Анна Смирнова": (2, "70.0", 1, 1, 0)}),
        (
            {"segments": "null"},
            {
                "Анна Смирнова": (1, "70.0", 0, 0, 0),
                "Борис Волков": (2, "49.0", 0, 1, 1),
                NOT_ASSIGNED: (2, "50.0", 1, 1, 0),
            },
        ),
        ({"kind": "individual"}, {"Анна Смирнова": (1, "40.0", 0, 1, 0), NOT_ASSIGNED: (1, "0.0", 0, 1, 0)}),
        ({"abc_class": "A"}, {"Анна Смирнова": (1, "100.0", 1, 0, 0), "Борис Волков": (1, None, 0, 0, 1)}),
        ({"abc_class": ["B", "C"]}, {"Анна Смирнова": (1, "70.0", 0, 0, 0), "Борис Волков": (1, "49.0", 0, 1, 0)}),
        ({"abc_class": "__none__", "kind": "company"}, {NOT_ASSIGNED: (1, "100.0", 1, 0, 0)}),
    ],
)
def test_filters_by_region_segment_kind_and_abc_class(client, scored, boss, params, expected):
    ids = {"MOSCOW": str(scored.moscow.pk), "WHOLESALE": str(scored.wholesale.pk)}
    client.force_login(boss)
    rows = grid(report(client, **{k: ids.get(v, v) if isinstance(v, str) else v for k, v in params.items()}))
    rows.pop("Итого")
    assert rows == expected


def test_nothing_matching_gives_an_empty_table_with_zero_totals(client, scored, boss):
    client.force_login(boss)
    response = report(client, business_region=scored.siberia.pk, kind="individual")
    assert grid(response) == {"Итого": (0, None, 0, 0, 0)}
    assert "Нет клиентов, подходящих под отбор." in response.content.decode()


# --- what is required --------------------------------------------------------------------------------


def test_it_shows_what_is_required_with_a_link_to_change_it_for_supervisors(client, scored, boss, sales_head):
    turnover = scored.turnover
    completeness.set_required(
        properties=["inn", "business_region"], kind_ids=[factories.kind("Телефон").pk], field_ids=[turnover.pk]
    )
    client.force_login(boss)
    response = report(client)
    assert response.context["required"] == ["Бизнес-регион", "ИНН", "Телефон", "Оборот"]
    html = response.content.decode()
    assert "Бизнес-регион, ИНН, Телефон, Оборот" in html
    assert f'href="{reverse("clients:required_fields")}"' in html

    client.force_login(sales_head)
    html = report(client).content.decode()
    assert "Бизнес-регион, ИНН, Телефон, Оборот" in html
    assert reverse("clients:required_fields") not in html  # the page is for supervisors and administrators


def test_nothing_required_is_said_so(client, scored, boss):
    completeness.set_required(properties=[], kind_ids=[], field_ids=[])
    client.force_login(boss)
    response = report(client)
    assert response.context["required"] == []
    assert "не заданы — карточки не оцениваются" in response.content.decode()


# --- drill-down ----------------------------------------------------------------------------------


def test_each_count_opens_the_responsibles_clients_in_the_list_emptiest_first(client, scored, boss):
    client.force_login(boss)
    table = report(client).context["table"]
    urls = {row.name: row.url for row in table.rows}
    assert listed(client, urls["Анна Смирнова"]) == [("c2", 40), ("c3", 70), ("c1", 100)]
    assert listed(client, urls["Борис Волков"]) == [("c7", 49), ("c4", None)]  # not scored last
    assert listed(client, urls[NOT_ASSIGNED]) == [("c6", 0), ("c5", 100)]
    assert urls["Анна Смирнова"] == f"{reverse('clients:list')}?responsible={scored.anna.pk}&sort=completeness"
    assert urls[NOT_ASSIGNED] == f"{reverse('clients:list')}?responsible=null&sort=completeness"
    assert [name for name, _score in listed(client, table.total_url)] == ["c6", "c2", "c7", "c3", "c1", "c5", "c4"]
    html = report(client).content.decode()
    assert f'href="{urls["Анна Смирнова"].replace("&", "&amp;")}">3</a>' in html


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"business_region": "MOSCOW"},
        {"segments": "WHOLESALE"},
        {"segments": "null"},
        {"kind": "company", "abc_class": ["A", "__none__"]},
    ],
)
def test_the_list_shows_as_many_clients_as_the_report_counts(client, scored, boss, params):
    ids = {"MOSCOW": str(scored.moscow.pk), "WHOLESALE": str(scored.wholesale.pk)}
    params = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in params.items()}
    client.force_login(boss)
    table = report(client, **params).context["table"]
    for row in table.rows:
        shown = listed(client, row.url)
        assert len(shown) == row.counts.clients, (params, row.name)
        scores = [score for _name, score in shown]
        assert scores == sorted(scores, key=lambda s: (s is None, s or 0))
    assert len(listed(client, table.total_url)) == table.total.clients


def test_a_former_employees_clients_are_counted_without_a_link(client, scored, boss):
    gone = factories.manager(username="gone", first_name="Олег", last_name="Уволенный", is_active=False)
    factories.ClientFactory(name="c8", responsible=gone)
    client.force_login(boss)
    response = report(client)
    row = next(row for row in response.context["table"].rows if row.name == "Олег Уволенный")
    assert row.counts.clients == 1 and row.url is None  # the list offers active users only
    assert "Олег Уволенный</th>" in response.content.decode()


# --- Excel ---------------------------------------------------------------------------------------


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "completeness-by-manager.xlsx" in response["Content-Disposition"]
    return load_workbook(BytesIO(response.content)).active


def find_row(sheet, first: str) -> list:
    for row in sheet.iter_rows():
        if row[0].value == first:
            return [c.value for c in row]
    raise AssertionError(f"no row {first!r}")


def test_excel_holds_the_same_table_and_states_what_is_required_and_the_filter(client, scored, boss):
    completeness.set_required(properties=["inn"], kind_ids=[], field_ids=[])
    client.force_login(boss)
    html = report(client, business_region=scored.moscow.pk, abc_class=["A", "__none__"])
    assert 'id="export-xlsx"' in html.content.decode()
    sheet = workbook(client.get(html.context["export_url"]))
    assert sheet["A1"].value == "Заполненность карточек по менеджерам" and sheet["A1"].font.bold
    texts = [c.value for c in sheet["A"] if c.value]
    assert "Обязательные реквизиты: ИНН" in texts
    assert "Бизнес-регион: Москва" in texts
    assert "ABC-класс: A, не заполнено" in texts
    assert find_row(sheet, "Ответственный") == [
        "Ответственный",
        "Клиентов",
        "Заполненность в среднем, %",
        "Заполнены полностью",
        "Заполнены меньше чем на 50 %",
        "Не оценены",
    ]
    assert find_row(sheet, "Анна Смирнова") == ["Анна Смирнова", 2, 70.0, 1, 1, 0]
    assert find_row(sheet, NOT_ASSIGNED) == [NOT_ASSIGNED, 1, 100.0, 1, 0, 0]
    total = find_row(sheet, "Итого")
    assert total == ["Итого", 3, 80.0, 2, 1, 0]
    assert sheet.cell(row=sheet.max_row, column=3).number_format == "0.0"


def test_excel_leaves_the_average_of_nobody_scored_empty(client, scored, boss):
    client.force_login(boss)
    sheet = workbook(client.get(URL, {"abc_class": "A", "kind": "company", "export": "xlsx"}))
    assert find_row(sheet, "Борис Волков") == ["Борис Волков", 1, None, 0, 0, 1]


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil","x")', "+7 495", "-1+2", "@SUM(A1)"])
def test_excel_writes_formula_like_names_as_text(client, scored, boss, name):
    scored.boris.first_name, scored.boris.last_name = name, ""
    scored.boris.save()
    client.force_login(boss)
    sheet = workbook(client.get(URL, {"export": "xlsx"}))
    cell = next(row[0] for row in sheet.iter_rows() if row[0].value == name)
    assert cell.data_type == "s"


def test_excel_writes_a_formula_like_region_in_the_filter_as_text(client, scored, boss):
    scored.moscow.name = "=1+1"
    scored.moscow.save()
    client.force_login(boss)
    sheet = workbook(client.get(URL, {"business_region": scored.moscow.pk, "export": "xlsx"}))
    cell = next(c for c in sheet["A"] if c.value == "Бизнес-регион: =1+1")
    assert cell.data_type == "s"


# --- access --------------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_login(client, scored):
    for url in (URL, f"{URL}?export=xlsx"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_a_manager_is_refused(client, scored):
    client.force_login(scored.anna)
    assert client.get(URL).status_code == 403
    assert client.get(URL, {"export": "xlsx"}).status_code == 403


def test_users_without_a_role_are_refused(client, scored, outsider):
    client.force_login(outsider)
    assert client.get(URL).status_code == 403
    assert client.get(URL, {"export": "xlsx"}).status_code == 403


@pytest.mark.parametrize("role", [roles.SUPERVISOR, roles.SALES_HEAD, roles.ADMINISTRATOR, "superuser"])
def test_management_may_open_the_report(client, scored, role):
    if role == "superuser":
        user = factories.UserFactory(username="root", is_superuser=True)
    else:
        user = factories.UserFactory(username="chief", role=role)
    client.force_login(user)
    assert grid(report(client))["Итого"][0] == 7
    assert client.get(URL, {"export": "xlsx"}).status_code == 200


def test_the_index_links_to_the_report_for_management_only(client, scored, boss, sales_head):
    for user in (boss, sales_head):
        client.force_login(user)
        assert f'href="{URL}"' in client.get(reverse("reports:index")).content.decode()
    client.force_login(scored.anna)
    index = client.get(reverse("reports:index"))
    assert index.status_code == 200
    assert f'href="{URL}"' not in index.content.decode()


def test_the_report_refuses_post(client, scored, boss):
    client.force_login(boss)
    assert client.post(URL).status_code == 405


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"business_region": "Москва"},
        {"business_region": "999999"},
        {"segments": "-1"},
        {"segments": "1.5"},
        {"kind": "<script>"},
        {"abc_class": "Z"},
        {"abc_class": ["A", "<script>"]},
    ],
)
def test_bad_input_gives_all_clients_with_a_message_never_a_500(client, scored, boss, params):
    client.force_login(boss)
    response = report(client, **params)
    assert response.context["problems"]
    assert "Отбор задан неверно" in response.content.decode()
    assert grid(response)["Итого"][0] == 7
    assert "<script>" not in response.content.decode()
    assert all("business_region" not in row.url for row in response.context["table"].rows)
    assert find_row(workbook(client.get(URL, {**params, "export": "xlsx"})), "Итого")[1] == 7


def test_unknown_parameters_are_ignored(client, scored, boss):
    client.force_login(boss)
    response = report(client, sort="nonsense", page="abc", responsible="x")
    assert not response.context["problems"]
    assert grid(response)["Итого"][0] == 7


# --- queries -------------------------------------------------------------------------------------


def test_the_table_takes_as_many_queries_whatever_the_number_of_managers(
    client, scored, boss, django_assert_max_num_queries
):
    # A contact kind and an extra field required: the labels then take both their queries.
    completeness.set_required(
        properties=["inn"], kind_ids=[factories.kind("Телефон").pk], field_ids=[scored.turnover.pk]
    )
    client.force_login(boss)
    params = {"business_region": scored.moscow.pk, "segments": scored.wholesale.pk, "abc_class": ["A", "__none__"]}

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            report(client, **params)
        grouped = [q["sql"] for q in captured if "GROUP BY" in q["sql"]]
        assert len(grouped) == 1 and '"clients_client"' in grouped[0], "the table is one aggregate query"
        return len(captured)

    before = queries()
    for i in range(20):
        manager = factories.manager(username=f"m{i}")
        for score in (None, 30, 100):
            made = factories.ClientFactory(responsible=manager, business_region=scored.moscow, abc_class="A")
            made.segments.set([scored.wholesale])
            Client.objects.filter(pk=made.pk).update(completeness=score)
    assert len(report(client, **params).context["table"].rows) == 21
    assert queries() == before
    # session, user, roles, the chosen region and segment, the counts, the managers' names, what is
    # required (three queries and two for its labels); the page adds the top bar's counts and the
    # region and segment choices
    with django_assert_max_num_queries(15):
        report(client, **params)
    with django_assert_max_num_queries(12):
        client.get(URL, {**params, "export": "xlsx"})


# --- English -------------------------------------------------------------------------------------


def test_the_report_speaks_english_when_asked(client, scored, boss):
    client.force_login(boss)
    client.post(reverse("set_language"), {"language": "en", "next": URL})
    html = report(client).content.decode()
    for text in ("Card completeness by manager", "Responsible", "Fully complete", "Not scored", "Required details"):
        assert text in html, text
    assert "— not assigned —" in html
