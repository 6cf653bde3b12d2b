"""«Сохранённые отборы» (crm.saved_views): saving, renaming, sharing and deleting, who may pick and
change a view, and that a view opens the list with the list's own rows and errors for whoever opens it."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from clients.tests import factories
from crm import roles
from crm.models import ListSettings, SavedView
from crm.saved_views import (
    EVERYONE,
    SavedViewError,
    changeable_view,
    delete_view,
    normalised_query,
    rename_view,
    save_view,
    update_view,
    visible_views,
)
from crm.testing import logged_in
from funnel.tests.factories import FunnelFactory
from sales.services import Line
from sales.tests.conftest import make_invoice
from sales.tests.factories import ProductFactory
from tasks.tests.factories import TaskFactory

INVOICES = reverse("sales:invoice_list")
CLIENTS = reverse("clients:list")


@pytest.fixture
def anna(db):
    return factories.manager(username="anna")


@pytest.fixture
def boris(db):
    return factories.manager(username="boris")


@pytest.fixture
def olga(db):
    return factories.supervisor(username="olga")


@pytest.fixture
def outsider(db):
    return factories.UserFactory(username="outsider")


def names(user, key: str) -> list[str]:
    return [view.name for view in visible_views(user, key)]


# --- the service --------------------------------------------------------------------------------------


def test_a_query_is_kept_without_page_view_columns_and_empty_values_in_key_order():
    query = "status=shipped&page=3&q=&view=5&columns=inn&abc_class=B&abc_class=A&after=x&per_page=100"
    assert normalised_query(query) == "abc_class=B&abc_class=A&per_page=100&status=shipped"


def test_a_saved_view_keeps_its_list_name_query_and_columns(anna):
    view = save_view(anna, "clients", "  Мои   москвичи ", "q=%D0%9C%D0%BE%D1%81%D0%BA%D0%B2%D0%B0&page=2", ["inn"])
    assert (view.key, view.name, view.query, view.columns) == (
        "clients",
        "Мои москвичи",
        "q=%D0%9C%D0%BE%D1%81%D0%BA%D0%B2%D0%B0",
        ["inn"],
    )
    assert view.sharing == SavedView.Sharing.PRIVATE and view.role is None


def test_a_name_is_unique_per_author_and_list_only(anna, boris):
    save_view(anna, "clients", "Мои", "q=1")
    with pytest.raises(SavedViewError, match="уже есть"):
        save_view(anna, "clients", "Мои", "q=2")
    save_view(anna, "invoices", "Мои", "q=2")
    save_view(boris, "clients", "Мои", "q=3")
    with pytest.raises(SavedViewError, match="наименование"):
        save_view(anna, "clients", "   ", "q=4")
    with pytest.raises(SavedViewError, match="роли"):
        save_view(anna, "clients", "Чужая роль", "q=4", share="Бухгалтер")
    assert SavedView.objects.filter(author=anna).count() == 2


def test_each_user_picks_own_views_and_those_shared_with_a_role_of_theirs_or_everyone(anna, boris, olga):
    save_view(olga, "clients", "Личный", "")
    save_view(olga, "clients", "Руководителям", "", share=roles.SUPERVISOR)
    save_view(olga, "clients", "Менеджерам", "", share=roles.MANAGER)
    save_view(olga, "clients", "Всем", "", share=EVERYONE)
    save_view(olga, "invoices", "Всем по накладным", "", share=EVERYONE)
    save_view(anna, "clients", "Анны", "")
    other_supervisor = factories.supervisor(username="pavel")

    assert names(olga, "clients") == ["Всем", "Личный", "Менеджерам", "Руководителям"]
    assert names(other_supervisor, "clients") == ["Всем", "Руководителям"]
    assert names(boris, "clients") == ["Всем", "Менеджерам"]
    assert names(anna, "clients") == ["Анны", "Всем", "Менеджерам"]
    assert names(anna, "invoices") == ["Всем по накладным"]


def test_a_shared_view_changed_by_its_author_changes_for_everybody(anna, boris):
    view = save_view(anna, "invoices", "Отгруженные", "status=shipped", share=roles.MANAGER)
    update_view(view, "status=request&page=4", None, EVERYONE)
    rename_view(view, "Заявки")
    seen = visible_views(boris, "invoices").get()
    assert (seen.name, seen.query, seen.sharing) == ("Заявки", "status=request", SavedView.Sharing.EVERYONE)

    update_view(view, "status=request", None, "")  # private again
    assert names(boris, "invoices") == []
    delete_view(view)
    assert not SavedView.objects.exists()


def test_renaming_to_a_name_taken_is_refused_and_keeps_both(anna):
    save_view(anna, "clients", "Первый", "q=1")
    second = save_view(anna, "clients", "Второй", "q=2")
    with pytest.raises(SavedViewError):
        rename_view(second, "Первый")
    assert sorted(SavedView.objects.values_list("name", flat=True)) == ["Второй", "Первый"]


def test_only_the_author_or_an_administrator_changes_a_view(anna, boris):
    shared = save_view(anna, "clients", "Общий", "", share=EVERYONE)
    private = save_view(anna, "clients", "Личный", "")
    admin = factories.UserFactory(username="admin", role=roles.ADMINISTRATOR)
    assert changeable_view(anna, shared.pk) == shared
    assert changeable_view(admin, private.pk) == private
    with pytest.raises(PermissionDenied):  # boris picks it, but it is not his
        changeable_view(boris, shared.pk)
    with pytest.raises(Http404):  # boris does not even see it
        changeable_view(boris, private.pk)
    with pytest.raises(Http404):
        changeable_view(anna, 10**9)


# --- the pages ----------------------------------------------------------------------------------------


def post_create(browser, **fields):
    body = {"key": "invoices", "next": INVOICES, "query": "status=shipped&page=2", "name": "Отгруженные", **fields}
    return browser.post(reverse("saved_view_create"), body)


def test_saving_a_view_opens_the_list_with_it_and_the_picker_offers_it(anna):
    browser = logged_in(anna)
    response = post_create(browser)
    view = SavedView.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{INVOICES}?status=shipped&view={view.pk}"
    page = browser.get(response["Location"]).content.decode()
    assert "Отбор: «Отгруженные»" in page and 'id="saved-view-update"' in page
    assert f'name="view" value="{view.pk}"' in page  # the filter keeps the view picked


def test_a_refused_name_is_said_on_the_list_and_the_filters_stay(anna):
    browser = logged_in(anna)
    post_create(browser)
    response = post_create(browser, query="status=request")
    assert response["Location"] == f"{INVOICES}?status=request"
    assert "Отбор «Отгруженные» уже есть" in browser.get(response["Location"]).content.decode()
    assert SavedView.objects.count() == 1


def test_the_owner_changes_renames_and_deletes_the_colleague_and_the_outsider_cannot(anna, boris, outsider):
    view = save_view(anna, "invoices", "Общий", "status=shipped", share=EVERYONE)
    private = save_view(anna, "invoices", "Личный", "status=shipped")
    as_anna, as_boris, as_outsider = logged_in(anna), logged_in(boris), logged_in(outsider)
    update, rename, delete = (
        reverse(f"saved_view_{action}", args=[view.pk]) for action in ("update", "rename", "delete")
    )

    for browser, status in ((as_boris, 403), (as_outsider, 403)):
        assert browser.post(update, {"query": "status=request", "next": INVOICES}).status_code == status
        assert browser.post(rename, {"name": "Чужой", "next": INVOICES}).status_code == status
        assert browser.post(delete, {"next": INVOICES}).status_code == status
    assert as_boris.post(reverse("saved_view_delete", args=[private.pk])).status_code == 404
    assert not as_boris.get(f"{INVOICES}?view={view.pk}").content.decode().count('id="saved-view-update"')
    view.refresh_from_db()
    assert (view.name, view.query) == ("Общий", "status=shipped")

    answer = as_anna.post(update, {"query": "status=request&page=9", "share": roles.MANAGER, "next": INVOICES})
    assert answer["Location"] == f"{INVOICES}?status=request&view={view.pk}"
    as_anna.post(rename, {"name": "Заявки", "next": INVOICES})
    view.refresh_from_db()
    assert (view.name, view.query, view.role.name) == ("Заявки", "status=request", roles.MANAGER)
    answer = as_anna.post(delete, {"next": INVOICES, "query": "status=request"})
    assert answer["Location"] == f"{INVOICES}?status=request"
    assert list(SavedView.objects.all()) == [private]
    assert logged_in(anna).get(update).status_code == 405


def test_a_form_cannot_send_the_user_to_another_site(anna):
    response = post_create(logged_in(anna), next="https://evil.example/x")
    assert response["Location"].startswith("/?")


def test_a_manager_sees_through_a_supervisors_shared_view_only_the_rows_the_manager_may_see(anna, boris, olga):
    widget = ProductFactory(name="Виджет", price=D("100.00"))
    annas = factories.ClientFactory(name="ООО «Аннин»", responsible=anna)
    boris_own = factories.ClientFactory(name="ООО «Борин»", responsible=boris)
    for buyer, manager in ((annas, anna), (annas, anna), (boris_own, boris)):
        make_invoice(buyer, [Line(widget, D(1), D(100))], manager=manager)
    view = save_view(olga, "invoices", "Все заявки", "status=request&sort=-total", share=EVERYONE)
    address = f"{INVOICES}?{view.query}&view={view.pk}"

    assert logged_in(olga).get(address).context["table"].paginator.count == 3
    as_boris = logged_in(boris).get(address)
    assert as_boris.context["saved_views"].current.view == view
    assert as_boris.context["table"].paginator.count == 1
    assert "ООО «Аннин»" not in as_boris.content.decode()


def test_a_view_with_bad_values_opens_the_list_with_its_own_errors(anna):
    bad = save_view(anna, "invoices", "Плохой", "period_after=вчера&period_before=2026-02-31&status=nonsense")
    response = logged_in(anna).get(f"{INVOICES}?{bad.query}&view={bad.pk}")
    assert response.status_code == 200 and response.context["filter"].errors
    assert logged_in(anna).get(f"{INVOICES}?view=abc").status_code == 200
    assert logged_in(anna).get(f"{INVOICES}?view=99999999999999999999").status_code == 200
    for page, key in ((reverse("funnel:board"), "deals"), (reverse("tasks:my"), "tasks")):
        view = save_view(anna, key, "Плохой", "created_from=31.02.2026&state=nonsense&importance=x&funnel=abc")
        assert logged_in(anna).get(f"{page}?{view.query}&view={view.pk}").status_code == 200


def test_a_views_columns_show_without_changing_the_users_own_columns(anna):
    factories.ClientFactory(name="ООО «Колонки»", inn="7707083893")
    browser = logged_in(anna)
    browser.get(CLIENTS, {"columns": ["inn", "phone"]})  # the user's own «Колонки»
    view = save_view(anna, "clients", "С ИНН", "q=Колонки", ["kpp"])
    response = browser.get(f"{CLIENTS}?{view.query}&view={view.pk}")
    assert response.context["saved_views"].columns == ["kpp"]
    assert 'name="columns" value="kpp"' in response.content.decode()  # «Изменить» keeps them
    assert ListSettings.objects.get(user=anna, key="clients").columns == ["inn", "phone"]
    assert browser.get(CLIENTS).context["saved_views"].columns == ["inn", "phone"]
    # choosing columns while in the view: the user's own choice, kept as before
    browser.get(CLIENTS, {"view": view.pk, "columns": ["email"]})
    assert ListSettings.objects.get(user=anna, key="clients").columns == ["email"]


def test_the_picker_costs_one_query_however_many_views(anna, olga, django_assert_max_num_queries):
    browser = logged_in(anna)
    first = save_view(anna, "payments", "Первый", "")
    browser.get(reverse("sales:payment_list"))
    with django_assert_max_num_queries(10) as one:
        browser.get(reverse("sales:payment_list"), {"view": first.pk})
    for n in range(6):
        save_view(olga if n % 2 else anna, "payments", f"Отбор {n}", "q=1", share=EVERYONE)
    with django_assert_max_num_queries(len(one)):
        response = browser.get(reverse("sales:payment_list"), {"view": first.pk})
    assert len(response.context["saved_views"].choices) == 7


def test_every_list_offers_its_views_under_its_own_key(anna, boris):
    FunnelFactory(name="Продажи")
    pages = {
        "clients": CLIENTS,
        "invoices": INVOICES,
        "payments": reverse("sales:payment_list"),
        "contracts": reverse("sales:contract_list"),
        "deals": reverse("funnel:board"),
        "stuck_deals": reverse("funnel:stuck"),
        "tasks": reverse("tasks:my"),
    }
    for key in pages:
        save_view(anna, key, f"Отбор «{key}»", "q=1", share=EVERYONE)
    browser = logged_in(boris)
    for key, page in pages.items():
        response = browser.get(page)
        assert [choice.name for choice in response.context["saved_views"].choices] == [f"Отбор «{key}»"], key
        assert 'id="saved-view-save"' in response.content.decode(), key


def test_my_tasks_open_with_a_views_filters(anna):
    TaskFactory(executor=anna, title="Открытая")
    TaskFactory(executor=anna, title="Важная", importance="high")
    view = save_view(anna, "tasks", "Важные", "importance=high")
    response = logged_in(anna).get(f"{reverse('tasks:my')}?{view.query}&view={view.pk}")
    assert [task.title for task in response.context["page"]] == ["Важная"]
    assert f'name="view" value="{view.pk}"' in response.content.decode()
