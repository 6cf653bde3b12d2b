"""«Изменить выделенные»: the service (all or nothing, history, extra values, permissions), the
pages (three users, bad input, query counts) and the story in Chromium."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from clients import jobs, services
from clients.models import BulkEditRun, Client, ClientChange, ExtraField, ExtraValue
from clients.services import BulkChanges, BulkEditError
from clients.services.writer import ClientChangeSet, write
from clients.tests import factories
from crm import roles, runs

BULK_URL = reverse("clients:bulk_edit")


@pytest.fixture
def others_client(colleague):
    return factories.ClientFactory(name="ООО «Чужой»", responsible=colleague)


def values_of(client: Client) -> dict[str, object]:
    return {row.field.name: row.value for row in ExtraValue.objects.filter(client=client).select_related("field")}


def post_data(**fields) -> dict:
    """Form data with an «Изменить» tick for every given field."""
    data = {}
    for name, value in fields.items():
        data[f"change_{name}"] = "on"
        data[name] = value
    return data


# --- service ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_built_in_and_extra_fields_are_set_with_one_history_entry_per_client(boss, owner, loyalty):
    clients = factories.ClientFactory.create_batch(3)
    high = factories.option(loyalty, "Высокая")
    result = services.bulk_edit_clients(
        [c.pk for c in clients], BulkChanges(builtin={"responsible": owner}, extra={loyalty: high}), user=boss
    )
    assert (result.total, result.changed, result.skipped) == (3, 3, 0)
    for client in clients:
        client.refresh_from_db()
        assert client.responsible == owner
        assert client.version == 2
        assert values_of(client) == {"Лояльность": high}
        entry = client.changes.get()
        assert (entry.source, entry.user, entry.version) == (ClientChange.Source.BULK, boss, 2)
        assert {c["field"]: (c["old"], c["new"]) for c in entry.changes} == {
            "responsible": ("", owner.get_full_name()),
            f"extra:{loyalty.pk}": ("", "Высокая"),
        }
        extra_change = next(c for c in entry.changes if c["field"].startswith("extra:"))
        assert extra_change["label"] == "Лояльность"


@pytest.mark.django_db
def test_a_ticked_empty_value_clears_it(boss, loyalty, turnover):
    client = factories.ClientFactory(abc_class="A", business_region=factories.BusinessRegionFactory(name="Урал"))
    services.set_extra_values({loyalty: factories.option(loyalty, "Низкая"), turnover: Decimal(5)}, client=client)
    changes = BulkChanges(builtin={"abc_class": "", "business_region": None}, extra={loyalty: None})
    assert services.bulk_edit_clients([client.pk], changes, user=boss).changed == 1
    client.refresh_from_db()
    assert (client.abc_class, client.business_region) == ("", None)
    assert values_of(client) == {"Оборот": Decimal(5)}  # the other field is untouched
    entry = {c["field"]: (c["old"], c["new"]) for c in client.changes.get().changes}
    assert entry == {"abc_class": ("A", ""), "business_region": ("Урал", ""), f"extra:{loyalty.pk}": ("Низкая", "")}


@pytest.mark.django_db
def test_each_extra_type_is_set_and_replaces_the_old_value(boss):
    fields = {
        "Дата": (factories.ExtraFieldFactory(name="Дата", value_type="date"), date(2025, 3, 1)),
        "VIP": (factories.ExtraFieldFactory(name="VIP", value_type="flag"), False),
        "Код": (factories.ExtraFieldFactory(name="Код", value_type="string"), "A-1"),
        "Сумма": (factories.ExtraFieldFactory(name="Сумма", value_type="number"), Decimal("12.5")),
    }
    client = factories.ClientFactory()
    services.set_extra_values({fields["Сумма"][0]: Decimal(1), fields["VIP"][0]: True}, client=client)
    services.bulk_edit_clients([client.pk], BulkChanges(extra=dict(fields.values())), user=boss)
    assert values_of(client) == {name: value for name, (_field, value) in fields.items()}


@pytest.mark.django_db
def test_clients_that_already_have_the_values_are_left_alone(boss, loyalty):
    high = factories.option(loyalty, "Высокая")
    same, other = factories.ClientFactory(abc_class="B"), factories.ClientFactory(abc_class="C")
    services.set_extra_values({loyalty: high}, client=same)
    services.set_extra_values({loyalty: high}, client=other)
    changes = BulkChanges(builtin={"abc_class": "B"}, extra={loyalty: high})
    result = services.bulk_edit_clients([same.pk, other.pk], changes, user=boss)
    assert result.changed == 1
    assert not same.changes.exists()
    same.refresh_from_db()
    assert same.version == 1
    assert [c["field"] for c in other.changes.get().changes] == ["abc_class"]


@pytest.mark.django_db
def test_bulk_edit_is_all_or_nothing(boss, loyalty, monkeypatch):
    clients = factories.ClientFactory.create_batch(3, abc_class="C")
    monkeypatch.setattr("clients.services.bulk.BULK_EDIT_BATCH", 2)  # the failure comes in the second batch
    original = ClientChange.objects.bulk_create
    calls = []

    def history_fails_the_second_time(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(*args, **kwargs)

    monkeypatch.setattr(ClientChange.objects, "bulk_create", history_fails_the_second_time)
    changes = BulkChanges(builtin={"abc_class": "A"}, extra={loyalty: factories.option(loyalty, "Средняя")})
    with pytest.raises(RuntimeError):
        services.bulk_edit_clients([c.pk for c in clients], changes, user=boss)
    assert set(Client.objects.values_list("abc_class", "version")) == {("C", 1)}
    assert not ExtraValue.objects.exists()
    assert not ClientChange.objects.exists()


@pytest.mark.django_db
def test_progress_is_reported_after_each_batch(boss, monkeypatch):
    clients = factories.ClientFactory.create_batch(5)
    monkeypatch.setattr("clients.services.bulk.BULK_EDIT_BATCH", 2)
    done = []
    services.bulk_edit_clients(
        [c.pk for c in clients], BulkChanges(builtin={"xyz_class": "X"}), user=boss, on_progress=done.append
    )
    assert done == [2, 4, 5]
    assert Client.objects.filter(xyz_class="X").count() == 5


@pytest.mark.django_db
def test_a_manager_changes_own_and_unassigned_clients_and_skips_the_rest(owner, card, others_client):
    unassigned = factories.ClientFactory(name="ООО «Ничей»")
    changes = BulkChanges(builtin={"abc_class": "A"})
    result = services.bulk_edit_clients([card.pk, others_client.pk, unassigned.pk], changes, user=owner)
    assert (result.total, result.changed, result.skipped, result.skipped_names) == (3, 2, 1, ["ООО «Чужой»"])
    assert set(Client.objects.filter(abc_class="A")) == {card, unassigned}
    assert not others_client.changes.exists()


@pytest.mark.django_db
def test_a_field_for_companies_is_not_set_on_individuals(boss):
    field = factories.ExtraFieldFactory(name="Отрасль", applies_to=ExtraField.AppliesTo.COMPANIES)
    company = factories.ClientFactory()
    person = factories.ClientFactory(kind=Client.Kind.INDIVIDUAL, kpp="", inn="")
    result = services.bulk_edit_clients([company.pk, person.pk], BulkChanges(extra={field: "Торговля"}), user=boss)
    assert result.changed == 1
    assert values_of(company) == {"Отрасль": "Торговля"}
    assert values_of(person) == {}


@pytest.mark.django_db
def test_a_segment_is_added_and_another_removed(boss):
    wholesale = factories.SegmentFactory(name="Опт")
    retail = factories.SegmentFactory(name="Розница")
    first, second = factories.ClientFactory.create_batch(2)
    first.segments.add(retail)
    second.segments.add(wholesale)
    changes = BulkChanges(add_segment=wholesale, remove_segment=retail)
    assert services.bulk_edit_clients([first.pk, second.pk], changes, user=boss).changed == 1
    assert list(first.segments.all()) == [wholesale]
    assert list(second.segments.all()) == [wholesale]
    assert first.changes.get().changes == [{"field": "segments", "old": "Розница", "new": "Опт"}]


@pytest.mark.django_db
def test_changing_the_kind_is_refused_when_inn_or_kpp_do_not_fit(boss):
    company = factories.ClientFactory(name="ООО «С КПП»", inn="7707083893", kpp="773601001")
    fits = factories.ClientFactory(inn="", kpp="")
    with pytest.raises(BulkEditError, match="ООО «С КПП»"):
        services.bulk_edit_clients(
            [company.pk, fits.pk], BulkChanges(builtin={"kind": Client.Kind.INDIVIDUAL}), user=boss
        )
    assert set(Client.objects.values_list("kind", flat=True)) == {Client.Kind.COMPANY}


@pytest.mark.django_db
def test_changes_survive_the_trip_through_a_stored_run(boss, owner, loyalty):
    region = factories.BusinessRegionFactory(name="Сибирь")
    segment = factories.SegmentFactory(name="Опт")
    fields = [
        factories.ExtraFieldFactory(name="Дата", value_type="date"),
        factories.ExtraFieldFactory(name="VIP", value_type="flag"),
        factories.ExtraFieldFactory(name="Сумма", value_type="number"),
        factories.ExtraFieldFactory(name="Код", value_type="string"),
        loyalty,
    ]
    changes = BulkChanges(
        builtin={"responsible": owner, "business_region": region, "abc_class": "", "kind": "company"},
        extra=dict(
            zip(
                fields,
                [date(2025, 1, 31), True, Decimal("1.25"), "X", factories.option(loyalty, "Низкая")],
                strict=True,
            )
        ),
        add_segment=segment,
    )
    assert BulkChanges.from_json(changes.to_json()) == changes
    cleared = BulkChanges(builtin={"responsible": None}, extra={field: None for field in fields})
    assert BulkChanges.from_json(cleared.to_json()) == cleared


@pytest.mark.django_db
def test_a_run_is_done_once(boss):
    client = factories.ClientFactory(abc_class="C")
    run = services.create_bulk_edit_run([client.pk], BulkChanges(builtin={"abc_class": "A"}), user=boss)
    done = services.execute_bulk_edit_run(run.pk)
    assert (done.state, done.total, done.changed) == (BulkEditRun.State.DONE, 1, 1)
    assert done.finished_at is not None
    assert services.execute_bulk_edit_run(run.pk) is None
    assert jobs.bulk_edit_clients(run.pk) is None
    assert client.changes.count() == 1


@pytest.mark.django_db
def test_a_run_whose_list_value_was_deleted_fails_with_a_message_and_changes_nothing(boss, loyalty):
    client = factories.ClientFactory(abc_class="C")
    low = factories.option(loyalty, "Низкая")
    run = services.create_bulk_edit_run(
        [client.pk], BulkChanges(builtin={"abc_class": "A"}, extra={loyalty: low}), user=boss
    )
    low.delete()
    failed = services.execute_bulk_edit_run(run.pk)
    assert failed.state == BulkEditRun.State.FAILED
    assert "Лояльность" in failed.error
    client.refresh_from_db()
    assert (client.abc_class, client.version) == ("C", 1)


@pytest.mark.django_db
def test_an_unexpected_error_fails_the_run_without_a_trace_for_the_user(boss, monkeypatch):
    client = factories.ClientFactory(abc_class="C")
    run = services.create_bulk_edit_run([client.pk], BulkChanges(builtin={"abc_class": "A"}), user=boss)

    def broken(*args, **kwargs):
        raise RuntimeError("connection reset")

    monkeypatch.setattr(ClientChange.objects, "bulk_create", broken)
    failed = services.execute_bulk_edit_run(run.pk)
    assert failed.state == BulkEditRun.State.FAILED
    assert "connection reset" not in failed.error
    assert Client.objects.get(pk=client.pk).abc_class == "C"


# --- pages: access ---------------------------------------------------------------------------------


def test_bulk_edit_needs_a_role_that_may_change_clients(client, card, outsider):
    head = factories.UserFactory(username="head", role=roles.SALES_HEAD)
    for user in (outsider, head):
        client.force_login(user)
        assert client.get(BULK_URL, {"pk": card.pk}).status_code == 403
        assert client.post(BULK_URL, {"pk": card.pk, **post_data(abc_class="A")}).status_code == 403
    card.refresh_from_db()
    assert card.abc_class == ""


def test_bulk_edit_requires_login(client, card):
    response = client.get(BULK_URL, {"pk": card.pk})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_list_offers_tick_boxes_to_those_who_may_change_clients(client, card, owner):
    head = factories.UserFactory(username="head", role=roles.SALES_HEAD)
    client.force_login(owner)
    page = client.get(reverse("clients:list")).content.decode()
    assert f'name="pk" value="{card.pk}"' in page
    assert 'id="bulk-edit"' in page
    assert "data-select-all" in page
    client.force_login(head)
    page = client.get(reverse("clients:list")).content.decode()
    assert 'name="pk"' not in page
    assert 'id="bulk-edit"' not in page


def test_the_list_carries_its_filter_to_all_matching(client, card, boss, owner):
    client.force_login(boss)
    page = client.get(reverse("clients:list"), {"responsible": owner.pk, "page": 1, "sort": "name"}).content.decode()
    assert f'name="filter" value="responsible={owner.pk}"' in page
    assert "все 1, подходящие под отбор" in page


# --- pages: the supervisor, the owner, the colleague -----------------------------------------------


def test_a_supervisor_changes_the_ticked_clients(client, boss, loyalty):
    first, second, untouched = factories.ClientFactory.create_batch(3)
    high = factories.option(loyalty, "Высокая")
    client.force_login(boss)
    page = client.get(BULK_URL, {"pk": [first.pk, second.pk]})
    assert page.status_code == 200
    assert "Выбрано клиентов: 2" in page.content.decode()
    assert "Лояльность" in page.content.decode()

    response = client.post(
        BULK_URL, {"pk": [first.pk, second.pk], **post_data(**{f"extra_{loyalty.pk}": high.pk, "xyz_class": "Z"})}
    )
    run = BulkEditRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("clients:bulk_edit_run", args=[run.pk])
    result = client.get(response["Location"]).content.decode()
    assert "Изменено клиентов: 2" in result
    run_tag = re.search(r'<div id="bulk-run"[^>]*>', result).group(0)
    assert "hx-trigger" not in run_tag  # finished: nothing to poll (the bell on the top bar may)
    for c in (first, second):
        assert values_of(c) == {"Лояльность": high}
        assert Client.objects.get(pk=c.pk).xyz_class == "Z"
    assert values_of(untouched) == {}
    assert run.author == boss
    assert run.parameters["ids"] == [first.pk, second.pk]


def test_a_manager_is_told_which_clients_are_skipped(client, owner, card, others_client):
    client.force_login(owner)
    page = client.get(BULK_URL, {"pk": [card.pk, others_client.pk]}).content.decode()
    assert "Вы можете изменить 1 из 2" in page

    response = client.post(BULK_URL, {"pk": [card.pk, others_client.pk], **post_data(abc_class="B")}, follow=True)
    result = response.content.decode()
    assert "Изменено клиентов: 1" in result
    assert "Пропущены клиенты других менеджеров, которых вы не можете изменять: 1" in result
    assert "ООО «Чужой»" in result
    assert Client.objects.get(pk=card.pk).abc_class == "B"
    assert Client.objects.get(pk=others_client.pk).abc_class == ""


def test_a_colleague_changes_nothing_on_the_owners_card(client, card, colleague):
    client.force_login(colleague)
    response = client.post(BULK_URL, {"pk": [card.pk], **post_data(abc_class="B")}, follow=True)
    assert "Изменено клиентов: 0" in response.content.decode()
    card.refresh_from_db()
    assert (card.abc_class, card.version) == ("", 1)
    assert not card.changes.exists()


def test_all_clients_matching_the_filter_are_changed(client, boss, owner, card, others_client):
    client.force_login(boss)
    params = {"all": "1", "filter": f"responsible={owner.pk}&q=", "pk": [others_client.pk]}
    page = client.get(BULK_URL, params).content.decode()
    assert "Выбрано клиентов: 1" in page
    response = client.post(BULK_URL, {**params, **post_data(abc_class="A")}, follow=True)
    assert "Изменено клиентов: 1" in response.content.decode()
    assert list(Client.objects.filter(abc_class="A")) == [card]
    assert f"?responsible={owner.pk}" in response.content.decode()  # back to the same list


def test_a_filter_on_an_extra_field_selects_all_that_match(client, boss, loyalty, turnover):
    high = factories.option(loyalty, "Высокая")
    matching = factories.ClientFactory()
    services.set_extra_values({loyalty: high}, client=matching)
    factories.ClientFactory()
    client.force_login(boss)
    data = {"all": "1", "filter": f"extra_{loyalty.pk}={high.pk}", **post_data(**{f"extra_{turnover.pk}": "1500,5"})}
    client.post(BULK_URL, data)
    assert ExtraValue.objects.get(field=turnover).client == matching
    assert ExtraValue.objects.get(field=turnover).value == Decimal("1500.5")


# --- pages: bad input ------------------------------------------------------------------------------


def test_nothing_selected_goes_back_to_the_list_with_a_message(client, boss, card):
    client.force_login(boss)
    response = client.get(BULK_URL, {"filter": "q=abc"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("clients:list") + "?q=abc"
    assert "Не выбрано ни одного клиента" in response.content.decode()
    response = client.post(BULK_URL, post_data(abc_class="A"), follow=True)
    assert "Не выбрано ни одного клиента" in response.content.decode()
    assert not BulkEditRun.objects.exists()


def test_no_field_ticked_is_refused(client, boss, card):
    client.force_login(boss)
    response = client.post(BULK_URL, {"pk": card.pk, "abc_class": "A"})
    assert response.status_code == 200
    assert "Отметьте «Изменить» у полей, которые нужно изменить." in response.content.decode()
    assert not BulkEditRun.objects.exists()
    assert Client.objects.get(pk=card.pk).abc_class == ""


def test_text_in_a_number_field_is_refused_and_nothing_changed(client, boss, card, turnover):
    client.force_login(boss)
    response = client.post(
        BULK_URL, {"pk": card.pk, **post_data(**{f"extra_{turnover.pk}": "много", "abc_class": "A"})}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Введите число." in page
    assert "ничего не изменено" in page
    assert 'value="много"' in page  # the input is kept
    assert not BulkEditRun.objects.exists()
    assert Client.objects.get(pk=card.pk).abc_class == ""


def test_an_unknown_list_value_is_refused(client, boss, card, loyalty):
    client.force_login(boss)
    response = client.post(BULK_URL, {"pk": card.pk, **post_data(**{f"extra_{loyalty.pk}": "999999"})})
    assert "нет в списке" in response.content.decode()
    assert not ExtraValue.objects.exists()


def test_a_kind_ticked_without_a_value_is_refused(client, boss, card):
    client.force_login(boss)
    response = client.post(BULK_URL, {"pk": card.pk, **post_data(kind="")})
    assert "Выберите значение." in response.content.decode()
    assert not BulkEditRun.objects.exists()


def test_a_value_in_an_unticked_field_is_ignored_even_if_invalid(client, boss, card, turnover):
    client.force_login(boss)
    data = {"pk": card.pk, f"extra_{turnover.pk}": "много", **post_data(abc_class="A")}
    assert client.post(BULK_URL, data).status_code == 302
    assert Client.objects.get(pk=card.pk).abc_class == "A"
    assert not ExtraValue.objects.exists()


def test_unknown_and_stale_ids_are_ignored_with_a_message(client, boss, card):
    gone = factories.ClientFactory()
    gone_pk = gone.pk
    gone.delete()
    client.force_login(boss)
    params = {"pk": [card.pk, gone_pk, "abc"]}
    page = client.get(BULK_URL, params).content.decode()
    assert "Выбрано клиентов: 1" in page
    assert "2 из выбранных клиентов не найдены" in page
    response = client.post(BULK_URL, {**params, **post_data(abc_class="A")}, follow=True)
    assert "Изменено клиентов: 1" in response.content.decode()
    assert BulkEditRun.objects.get().parameters["ids"] == [card.pk]


def test_only_stale_ids_count_as_nothing_selected(client, boss):
    client.force_login(boss)
    response = client.get(BULK_URL, {"pk": ["999999", "x"]}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("clients:list")
    assert "Не выбрано ни одного клиента" in response.content.decode()


def test_a_filter_that_does_not_parse_is_refused_not_a_500(client, boss, card):
    client.force_login(boss)
    response = client.get(BULK_URL, {"all": "1", "filter": "kind=alien"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("clients:list")
    assert "Условия отбора не распознаны" in response.content.decode()


def test_a_refused_kind_change_is_shown_on_the_run_page(client, boss, card):
    client.force_login(boss)
    response = client.post(BULK_URL, {"pk": card.pk, **post_data(kind="individual")}, follow=True)
    page = response.content.decode()
    assert "Ничего не изменено." in page
    assert "ООО «Ромашка»" in page
    assert Client.objects.get(pk=card.pk).kind == Client.Kind.COMPANY


# --- large runs and the run page ---------------------------------------------------------------------


def test_a_large_selection_goes_to_a_job_and_the_page_polls(
    client, boss, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.CLIENTS_BULK_EDIT_SYNC_LIMIT = 2
    clients = factories.ClientFactory.create_batch(3)
    queued = []
    monkeypatch.setattr(runs, "_send", lambda name, args: queued.append((name, args)))
    client.force_login(boss)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(BULK_URL, {"pk": [c.pk for c in clients], **post_data(abc_class="A")})
    run = BulkEditRun.objects.get()
    assert queued == [("clients.bulk_edit_clients", [str(run.pk)])]
    assert run.state == BulkEditRun.State.QUEUED
    assert not Client.objects.filter(abc_class="A").exists()

    page = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert "Изменение ждёт очереди" in page

    jobs.bulk_edit_clients(run.pk)  # what the worker does
    partial = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial
    assert "Изменено клиентов: 3" in partial
    assert "hx-trigger" not in partial


def test_a_running_job_shows_its_progress(client, boss, monkeypatch):
    run = services.create_bulk_edit_run(
        [c.pk for c in factories.ClientFactory.create_batch(4)], BulkChanges(builtin={"abc_class": "A"}), user=boss
    )
    BulkEditRun.objects.filter(pk=run.pk).update(state=BulkEditRun.State.RUNNING)
    monkeypatch.setattr(services, "bulk_edit_progress", lambda run: 2)
    client.force_login(boss)
    partial = client.get(run.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    assert "Обработано клиентов: 2 из 4" in partial
    assert "crm-progress-10" in partial  # ten twentieths: 50 %


def test_a_manager_sees_only_own_runs(client, boss, owner, colleague, card):
    run = services.create_bulk_edit_run([card.pk], BulkChanges(builtin={"abc_class": "A"}), user=owner)
    client.force_login(colleague)
    assert client.get(run.get_absolute_url()).status_code == 404
    client.force_login(owner)
    assert client.get(run.get_absolute_url()).status_code == 200
    client.force_login(boss)
    assert client.get(run.get_absolute_url()).status_code == 200


# --- query counts --------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [3, 40])
def test_bulk_edit_page_queries_do_not_grow_with_the_selection(
    client, owner, loyalty, turnover, size, django_assert_max_num_queries
):
    clients = factories.ClientFactory.create_batch(size, responsible=owner)
    client.force_login(owner)
    client.get(reverse("clients:list"))
    # session, user, roles, field definitions (their tables' digest, and 2 to read them when the
    # process does not keep them yet), 2 counts (+ the editable one for a manager), preview, users,
    # regions, segments ×2, the «Мои дела» counters of the top bar
    with django_assert_max_num_queries(15):
        response = client.get(BULK_URL, {"pk": [c.pk for c in clients]})
    assert f"Выбрано клиентов: {size}" in response.content.decode()
    with django_assert_max_num_queries(13):  # the definitions are kept now
        response = client.get(BULK_URL, {"all": "1", "filter": f"responsible={owner.pk}&extra_{loyalty.pk}_isset="})
    assert f"Выбрано клиентов: {size}" in response.content.decode()


@pytest.mark.parametrize("size", [3, 40])
def test_the_run_page_reads_a_constant_number_of_queries(client, boss, size, django_assert_max_num_queries):
    ids = [c.pk for c in factories.ClientFactory.create_batch(size)]
    run = services.create_bulk_edit_run(ids, BulkChanges(builtin={"abc_class": "A"}), user=boss)
    services.execute_bulk_edit_run(run.pk)
    client.force_login(boss)
    client.get(reverse("clients:list"))
    with django_assert_max_num_queries(5):  # session, user, roles, the run, the top bar's task counters
        response = client.get(run.get_absolute_url())
    assert f"Изменено клиентов: {size}" in response.content.decode()


# --- Chromium ------------------------------------------------------------------------------------------


@pytest.mark.browser
def test_a_supervisor_sets_a_list_field_for_two_ticked_clients(page, live_server, login, reference_data):
    factories.supervisor(username="olga", first_name="Ольга", last_name="Иванова")
    loyalty = factories.list_field("Лояльность", ["Высокая", "Средняя", "Низкая"])
    first = factories.ClientFactory(name="ООО «Альфа»")
    second = factories.ClientFactory(name="ООО «Бета»")
    other = factories.ClientFactory(name="ООО «Гамма»")

    login(page, live_server, "olga", "secret-pass-1")
    page.goto(f"{live_server.url}{reverse('clients:list')}")
    page.check(f"#client-table input[name='pk'][value='{first.pk}']")
    page.check(f"#client-table input[name='pk'][value='{second.pk}']")
    page.click("#bulk-edit")

    page.wait_for_url(re.compile(r"/clients/bulk-edit/\?"))
    assert "Выбрано клиентов: 2" in page.locator("#bulk-count").inner_text()
    # Choosing a value ticks its «Изменить» box.
    page.select_option(f"#id_extra_{loyalty.pk}", label="Высокая")
    assert page.is_checked(f"#id_change_extra_{loyalty.pk}")
    page.click("#bulk-save")

    page.wait_for_url(re.compile(r"/clients/bulk-edit/\d+/$"))
    assert "Изменено клиентов: 2" in page.locator("#bulk-result").inner_text()
    for client in (first, second):
        page.goto(f"{live_server.url}{client.get_absolute_url()}")
        assert "Высокая" in page.content()
    page.goto(f"{live_server.url}{other.get_absolute_url()}")
    assert "Высокая" not in page.content()
    assert ExtraValue.objects.filter(field=loyalty).count() == 2


@pytest.mark.browser
def test_the_header_box_ticks_every_client_of_the_page(page, live_server, login, reference_data):
    factories.supervisor(username="olga")
    factories.ClientFactory.create_batch(3)
    login(page, live_server, "olga", "secret-pass-1")
    page.goto(f"{live_server.url}{reverse('clients:list')}")
    page.check("#client-table [data-select-all]")
    assert page.locator("#client-table input[name='pk']:checked").count() == 3
    # Ticking rows does not reload the table (the filter form listens only to its own fields).
    page.uncheck("#client-table [data-select-all]")
    page.check("#client-table input[name='pk'] >> nth=0")
    page.wait_for_timeout(300)
    assert page.locator("#client-table input[name='pk']:checked").count() == 1


# --- a run that starts late ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_run_that_starts_late_keeps_what_others_changed_meanwhile(boss, owner, loyalty, client):
    """The probe: a job redelivered an hour late applied the bulk edit over whatever changed meanwhile.
    Now a field changed after the run was asked for keeps the newer value; the rest is applied."""
    late, untouched = factories.ClientFactory(name="ООО Поздняя"), factories.ClientFactory(name="ООО Тихая")
    high, low = factories.option(loyalty, "Высокая"), factories.option(loyalty, "Низкая")
    changes = BulkChanges(builtin={"abc_class": "A", "responsible": owner}, extra={loyalty: high})
    run = services.create_bulk_edit_run([late.pk, untouched.pk], changes, user=boss)
    # Meanwhile (the queue was slow) someone sets the class and the loyalty of one of them.
    write(
        [ClientChangeSet(late, fields={"abc_class": "C"}, extra={loyalty: low})],
        user=owner,
        source=ClientChange.Source.FORM,
    )

    run = services.execute_bulk_edit_run(run.pk)

    late.refresh_from_db()
    untouched.refresh_from_db()
    assert (late.abc_class, late.responsible, values_of(late)) == ("C", owner, {"Лояльность": low})
    assert (untouched.abc_class, untouched.responsible, values_of(untouched)) == ("A", owner, {"Лояльность": high})
    assert (run.changed, run.kept, run.kept_names) == (2, 1, ["ООО Поздняя"])
    client.force_login(boss)
    page = client.get(run.get_absolute_url()).content.decode()
    assert "их более новые значения сохранены" in page and "ООО Поздняя" in page
