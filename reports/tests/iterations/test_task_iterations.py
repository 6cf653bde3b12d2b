"""«Итерации задач» (reports:task_iterations) and its drill-down over a hand-made set of tasks:

task  executor  state        iteration  reviewer  project       kind          created (Moscow)
a1    Анна      accepted     1          Вера      Чистая база   contact_info  05.03.2026
a2    Анна      accepted     3          Вера      Чистая база   properties    10.03.2026
a3    Анна      accepted     2          Пётр      -             general       20.02.2026
a4    Анна      in_progress  1          Вера      Регионы       contact_info  15.03.2026
a5    Анна      returned     2          Вера      Чистая база   contact_info  01.03.2026 00:30
a6    Анна      done         1          Пётр      Регионы       properties    20.03.2026
b1    Борис     accepted     1          -         -             general       02.03.2026
b2    Борис     new          1          Вера      Чистая база   contact_info  15.01.2026
b3    Борис     done         2          Вера      Чистая база   contact_info  31.03.2026 23:30
b4    Борис     accepted     2          Пётр      Регионы       properties    01.04.2026 00:30
"""

from datetime import datetime
from io import BytesIO
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from crm import roles
from tasks.models import Task
from tasks.tests import factories

URL = reverse("reports:task_iterations")
MOSCOW = ZoneInfo("Europe/Moscow")
MARCH = {"created_after": "2026-03-01", "created_before": "2026-03-31"}
ACCEPTED, DONE, NEW = Task.State.ACCEPTED, Task.State.DONE, Task.State.NEW
IN_PROGRESS, RETURNED = Task.State.IN_PROGRESS, Task.State.RETURNED
GENERAL, CONTACT_INFO, PROPERTIES = Task.Kind.GENERAL, Task.Kind.CONTACT_INFO, Task.Kind.PROPERTIES


def drill_down(user) -> str:
    return reverse("reports:task_iterations_tasks", args=[user.pk])


@pytest.fixture
def petr(db):
    return factories.supervisor(username="petr", first_name="Пётр", last_name="Проверкин")


@pytest.fixture
def sales_head(db):
    return factories.UserFactory(username="head", first_name="Ирина", last_name="Продажина", role=roles.SALES_HEAD)


@pytest.fixture
def tasks(db, boss, petr):
    anna = factories.manager(username="anna", first_name="Анна", last_name="Смирнова")
    boris = factories.manager(username="boris", first_name="Борис", last_name="Волков")
    clean = factories.ProjectFactory(name="Чистая база")
    regions = factories.ProjectFactory(name="Регионы")
    rows = [
        ("a1", anna, ACCEPTED, 1, boss, clean, CONTACT_INFO, (2026, 3, 5, 10, 0)),
        ("a2", anna, ACCEPTED, 3, boss, clean, PROPERTIES, (2026, 3, 10, 10, 0)),
        ("a3", anna, ACCEPTED, 2, petr, None, GENERAL, (2026, 2, 20, 10, 0)),
        ("a4", anna, IN_PROGRESS, 1, boss, regions, CONTACT_INFO, (2026, 3, 15, 10, 0)),
        ("a5", anna, RETURNED, 2, boss, clean, CONTACT_INFO, (2026, 3, 1, 0, 30)),
        ("a6", anna, DONE, 1, petr, regions, PROPERTIES, (2026, 3, 20, 10, 0)),
        ("b1", boris, ACCEPTED, 1, None, None, GENERAL, (2026, 3, 2, 10, 0)),
        ("b2", boris, NEW, 1, boss, clean, CONTACT_INFO, (2026, 1, 15, 10, 0)),
        ("b3", boris, DONE, 2, boss, clean, CONTACT_INFO, (2026, 3, 31, 23, 30)),
        ("b4", boris, ACCEPTED, 2, petr, regions, PROPERTIES, (2026, 4, 1, 0, 30)),
    ]
    made = {}
    for title, executor, state, iteration, reviewer, project, kind, created in rows:
        created_at = datetime(*created, tzinfo=MOSCOW)
        task = factories.TaskFactory(
            title=title,
            executor=executor,
            state=state,
            iteration=iteration,
            reviewer=reviewer,
            project=project,
            kind=kind,
            accepted_at=created_at.replace(day=min(created_at.day + 1, 28)) if state == ACCEPTED else None,
        )
        Task.objects.filter(pk=task.pk).update(created_at=created_at)
        made[title] = task
    return SimpleNamespace(anna=anna, boris=boris, clean=clean, regions=regions, **made)


def report(http, **params):
    response = http.get(URL, params)
    assert response.status_code == 200, response.content.decode()[:2000]
    return response


def grid(response) -> dict:
    """{executor: (total, open, waiting, accepted, average, max)} with the totals under «Итого»."""

    def line(c):
        average = str(c.average) if c.average is not None else None
        return (c.total, c.open, c.waiting, c.accepted, average, c.max_iteration)

    table = response.context["table"]
    return {**{row.name: line(row.counts) for row in table.rows}, "Итого": line(table.total)}


def titles(response) -> list[str]:
    return [task.title for task in response.context["page"]]


# --- counts -------------------------------------------------------------------------------------


def test_it_counts_tasks_and_rounds_of_accepted_ones_by_executor(client, tasks, boss):
    client.force_login(boss)
    response = report(client)
    assert grid(response) == {
        "Анна Смирнова": (6, 2, 1, 3, "2.00", 3),
        "Борис Волков": (4, 1, 1, 2, "1.50", 2),
        "Итого": (10, 3, 2, 5, "1.80", 3),
    }
    html = response.content.decode()
    assert "по дате создания задачи" in html
    assert "2,00" in html and "1,80" in html  # Russian decimals


def test_the_period_is_the_creation_date_in_local_time(client, tasks, boss):
    client.force_login(boss)
    # a5 at 00:30 on the 1st and b3 at 23:30 on the 31st are in; b4 at 00:30 on 1 April is not.
    assert grid(report(client, **MARCH)) == {
        "Анна Смирнова": (5, 2, 1, 2, "2.00", 3),
        "Борис Волков": (2, 0, 1, 1, "1.00", 1),
        "Итого": (7, 2, 2, 3, "1.67", 3),
    }


def test_a_period_typed_the_russian_way_is_understood(client, tasks, boss):
    client.force_login(boss)
    response = report(client, created_after="01.03.2026", created_before="31.03.2026")
    assert grid(response)["Итого"] == (7, 2, 2, 3, "1.67", 3)


def test_an_open_ended_period(client, tasks, boss):
    client.force_login(boss)
    assert grid(report(client, created_after="2026-03-16"))["Итого"] == (3, 0, 2, 1, "2.00", 2)
    assert grid(report(client, created_before="2026-02-28"))["Итого"] == (2, 1, 0, 1, "2.00", 2)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"project": "CLEAN"}, {"Анна Смирнова": (3, 1, 0, 2, "2.00", 3), "Борис Волков": (2, 1, 1, 0, None, None)}),
        ({"project": "null"}, {"Анна Смирнова": (1, 0, 0, 1, "2.00", 2), "Борис Волков": (1, 0, 0, 1, "1.00", 1)}),
        ({"reviewer": "PETR"}, {"Анна Смирнова": (2, 0, 1, 1, "2.00", 2), "Борис Волков": (1, 0, 0, 1, "2.00", 2)}),
        ({"reviewer": "null"}, {"Борис Волков": (1, 0, 0, 1, "1.00", 1)}),
        ({"kind": "general"}, {"Анна Смирнова": (1, 0, 0, 1, "2.00", 2), "Борис Волков": (1, 0, 0, 1, "1.00", 1)}),
        ({"kind": "properties", **MARCH}, {"Анна Смирнова": (2, 0, 1, 1, "3.00", 3)}),
    ],
)
def test_filters_by_project_reviewer_and_kind(client, tasks, boss, petr, params, expected):
    ids = {"CLEAN": str(tasks.clean.pk), "PETR": str(petr.pk)}
    client.force_login(boss)
    rows = grid(report(client, **{k: ids.get(v, v) for k, v in params.items()}))
    rows.pop("Итого")
    assert rows == expected


def test_nothing_matching_gives_an_empty_table_with_zero_totals(client, tasks, boss):
    client.force_login(boss)
    response = report(client, created_after="2030-01-01")
    assert grid(response) == {"Итого": (0, 0, 0, 0, None, None)}
    assert "Нет задач, подходящих под отбор." in response.content.decode()


def test_reviewers_offered_are_those_named_on_tasks(client, tasks, boss, petr):
    factories.supervisor(username="idle", first_name="Без", last_name="Задач")
    client.force_login(boss)
    field = report(client).context["filter"].form.fields["reviewer"]
    assert set(field.queryset) == {boss, petr}


# --- drill-down ----------------------------------------------------------------------------------


def test_each_count_opens_the_executors_tasks_with_as_many_rows(client, tasks, boss):
    client.force_login(boss)
    for params in ({}, MARCH, {"project": tasks.clean.pk}):
        table = report(client, **params).context["table"]
        for row in table.rows:
            counts = row.counts
            for key, expected in (
                ("all", counts.total),
                ("open", counts.open),
                ("done", counts.waiting),
                ("accepted", counts.accepted),
            ):
                response = client.get(row.links[key])
                assert response.status_code == 200
                assert response.context["page"].paginator.count == expected, (params, row.name, key)


def test_the_drill_down_lists_the_most_rounds_first_with_links_to_the_tasks(client, tasks, boss):
    client.force_login(boss)
    response = client.get(drill_down(tasks.anna))
    assert response.status_code == 200
    assert titles(response) == ["a2", "a5", "a3", "a6", "a4", "a1"]
    html = response.content.decode()
    assert "Итерации задач: Анна Смирнова" in html
    assert f'href="{reverse("tasks:detail", args=[tasks.a2.pk])}"' in html
    assert client.get(reverse("tasks:detail", args=[tasks.a2.pk])).status_code == 200


def test_the_drill_down_keeps_the_reports_filter_and_leads_back_to_it(client, tasks, boss):
    client.force_login(boss)
    table = report(client, **MARCH, kind="contact_info").context["table"]
    anna = next(row for row in table.rows if row.name == "Анна Смирнова")
    response = client.get(anna.links["open"])
    assert titles(response) == ["a5", "a4"]
    html = response.content.decode()
    assert "К выполнению" in html
    assert "Вид задачи: Заполнение контактной информации" in html
    back = response.context["back_url"]
    assert back.startswith(URL) and "created_after=2026-03-01" in back and "kind=contact_info" in back
    assert "state=" not in back


def test_a_sales_head_sees_the_titles_of_tasks_they_may_not_open_without_links(client, tasks, sales_head):
    client.force_login(sales_head)
    response = client.get(drill_down(tasks.anna))
    assert response.status_code == 200
    html = response.content.decode()
    assert "a2" in html
    assert reverse("tasks:detail", args=[tasks.a2.pk]) not in html


def test_the_drill_down_pages_its_tasks(client, tasks, boss):
    for n in range(55):
        factories.TaskFactory(title=f"x{n}", executor=tasks.boris)
    client.force_login(boss)
    first = client.get(drill_down(tasks.boris))
    assert first.context["page"].paginator.count == 59
    assert len(titles(first)) == 50
    second = client.get(drill_down(tasks.boris), {"page": 2})
    assert len(titles(second)) == 9
    assert not set(titles(first)) & set(titles(second))


# --- Excel ---------------------------------------------------------------------------------------


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "task-iterations.xlsx" in response["Content-Disposition"]
    return load_workbook(BytesIO(response.content)).active


def find_row(sheet, first: str) -> list:
    for row in sheet.iter_rows():
        if row[0].value == first:
            return [c.value for c in row]
    raise AssertionError(f"no row {first!r}")


def test_excel_holds_the_same_table_and_states_the_filter(client, tasks, boss):
    client.force_login(boss)
    html = report(client, **MARCH, project=tasks.clean.pk)
    assert 'id="export-xlsx"' in html.content.decode()
    sheet = workbook(client.get(html.context["export_url"]))
    assert sheet["A1"].value == "Итерации задач" and sheet["A1"].font.bold
    texts = [c.value for c in sheet["A"] if c.value]
    assert "Период (дата создания задачи): 01.03.2026 – 31.03.2026" in texts
    assert "Проект: Чистая база" in texts
    assert any(str(t).startswith("Период — по дате создания задачи") for t in texts)
    assert find_row(sheet, "Исполнитель") == [
        "Исполнитель",
        "Всего задач",
        "К выполнению",
        "На проверке",
        "Принято",
        "Итераций в среднем",
        "Итераций максимум",
    ]
    assert find_row(sheet, "Анна Смирнова") == ["Анна Смирнова", 3, 1, 0, 2, 2.0, 3]
    assert find_row(sheet, "Борис Волков") == ["Борис Волков", 1, 0, 1, 0, None, None]
    assert find_row(sheet, "Итого") == ["Итого", 4, 1, 1, 2, 2.0, 3]


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil","x")', "+7 495", "-1+2", "@SUM(A1)"])
def test_excel_writes_formula_like_names_as_text(client, tasks, boss, name):
    tasks.boris.first_name, tasks.boris.last_name = name, ""
    tasks.boris.save()
    client.force_login(boss)
    sheet = workbook(client.get(URL, {"export": "xlsx"}))
    cell = next(row[0] for row in sheet.iter_rows() if row[0].value == name)
    assert cell.data_type == "s"


# --- access --------------------------------------------------------------------------------------


def urls(tasks) -> list[str]:
    return [URL, f"{URL}?export=xlsx", drill_down(tasks.anna)]


def test_anonymous_users_are_sent_to_login(client, tasks):
    for url in urls(tasks):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_a_manager_is_refused_even_their_own_drill_down(client, tasks):
    client.force_login(tasks.anna)
    for url in urls(tasks):
        assert client.get(url).status_code == 403, url


def test_users_without_a_role_are_refused(client, tasks, outsider):
    client.force_login(outsider)
    for url in urls(tasks):
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("role", [roles.SUPERVISOR, roles.SALES_HEAD, roles.ADMINISTRATOR, "superuser"])
def test_management_may_open_the_report(client, tasks, role):
    if role == "superuser":
        user = factories.UserFactory(username="root", is_superuser=True)
    else:
        user = factories.UserFactory(username="chief", role=role)
    client.force_login(user)
    for url in urls(tasks):
        assert client.get(url).status_code == 200, url


def test_the_index_links_to_the_report_for_management_only(client, tasks, boss):
    client.force_login(boss)
    assert f'href="{URL}"' in client.get(reverse("reports:index")).content.decode()
    client.force_login(tasks.anna)
    index = client.get(reverse("reports:index"))
    assert index.status_code == 200
    assert f'href="{URL}"' not in index.content.decode()


def test_the_drill_down_of_an_unknown_user_is_not_found(client, tasks, boss):
    client.force_login(boss)
    assert client.get(reverse("reports:task_iterations_tasks", args=[999999])).status_code == 404


def test_the_report_refuses_post(client, tasks, boss):
    client.force_login(boss)
    assert client.post(URL).status_code == 405
    assert client.post(drill_down(tasks.anna)).status_code == 405


# --- bad input -----------------------------------------------------------------------------------


def test_a_period_ending_before_it_starts_is_refused_with_a_message(client, tasks, boss):
    client.force_login(boss)
    response = report(client, created_after="2026-03-31", created_before="2026-03-01")
    html = response.content.decode()
    assert "Конец периода раньше его начала." in html
    assert response.context["problems"]
    assert grid(response)["Итого"][0] == 10
    assert all("created" not in row.links["all"] for row in response.context["table"].rows)


@pytest.mark.parametrize(
    "params",
    [
        {"created_after": "вчера"},
        {"created_before": "31.02.2026"},
        {"created_after": "2026-13-01"},
        {"project": "abc"},
        {"project": "999999"},
        {"reviewer": "-1"},
        {"kind": "<script>"},
    ],
)
def test_bad_input_gives_all_tasks_with_a_message_never_a_500(client, tasks, boss, params):
    client.force_login(boss)
    response = report(client, **params)
    assert response.context["problems"]
    assert grid(response)["Итого"][0] == 10
    assert "<script>" not in response.content.decode()
    assert find_row(workbook(client.get(URL, {**params, "export": "xlsx"})), "Итого")[1] == 10
    drill = client.get(drill_down(tasks.anna), params)
    assert drill.status_code == 200
    assert drill.context["problems"] and drill.context["page"].paginator.count == 6


@pytest.mark.parametrize("params", [{"created_after": "0001-01-01"}, {"created_before": "9999-12-31"}])
def test_extreme_dates_are_no_error(client, tasks, boss, params):
    client.force_login(boss)
    assert grid(report(client, **params))["Итого"][0] == 10


def test_the_drill_down_explains_a_bad_filter_and_an_unknown_state(client, tasks, boss):
    client.force_login(boss)
    response = client.get(drill_down(tasks.anna), {"created_after": "2026-04-01", "created_before": "2026-03-01"})
    assert response.status_code == 200
    assert "Конец периода раньше его начала." in response.content.decode()
    response = client.get(drill_down(tasks.anna), {"state": "nonsense", "page": "abc"})
    assert response.status_code == 200
    assert response.context["problems"]
    assert response.context["page"].paginator.count == 6


# --- queries -------------------------------------------------------------------------------------


def test_the_table_takes_as_many_queries_whatever_the_number_of_executors(
    client, tasks, boss, petr, django_assert_max_num_queries
):
    client.force_login(boss)
    params = {**MARCH, "project": tasks.clean.pk, "reviewer": boss.pk}

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            report(client, **params)
        grouped = [q["sql"] for q in captured if "GROUP BY" in q["sql"]]
        assert len(grouped) == 1 and '"tasks_task"' in grouped[0], "the table is one aggregate query"
        return len(captured)

    before = queries()
    for i in range(20):
        executor = factories.manager(username=f"m{i}")
        for state in (ACCEPTED, DONE, NEW):
            task = factories.TaskFactory(
                executor=executor, reviewer=boss, project=tasks.clean, state=state, iteration=2
            )
            Task.objects.filter(pk=task.pk).update(created_at=datetime(2026, 3, 10, tzinfo=MOSCOW))
    assert len(report(client, **params).context["table"].rows) == 22
    assert queries() == before
    # session, user, roles, the chosen project and reviewer, the counts, the executors' names; the
    # page adds the top bar's counts and the project and reviewer choices
    with django_assert_max_num_queries(10):
        report(client, **params)
    with django_assert_max_num_queries(7):
        client.get(URL, {**params, "export": "xlsx"})


def test_the_drill_down_reads_a_page_in_a_constant_number_of_queries(
    client, tasks, boss, django_assert_max_num_queries
):
    for n in range(60):
        factories.TaskFactory(title=f"x{n}", executor=tasks.anna, reviewer=boss, project=tasks.clean)
    client.force_login(boss)
    # session, user, roles, the executor, the chosen project, the count, the page, the top bar
    with django_assert_max_num_queries(8):
        response = client.get(drill_down(tasks.anna), {"project": tasks.clean.pk})
    assert len(titles(response)) == 50


# --- English -------------------------------------------------------------------------------------


def test_the_report_speaks_english_when_asked(client, tasks, boss):
    client.force_login(boss)
    client.post(reverse("set_language"), {"language": "en", "next": URL})
    html = report(client).content.decode()
    for text in ("Task iterations", "Executor", "Accepted", "Under review", "creation date"):
        assert text in html, text
    html = client.get(drill_down(tasks.anna)).content.decode()
    assert "Back to the report" in html
