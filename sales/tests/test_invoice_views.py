"""The invoice pages: list, card, form and status buttons, for the owner, a colleague, a supervisor
and a sales head; bad input gets a message on the page and keeps what was typed."""

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.tests import factories as client_factories
from crm.models import Project
from sales import services
from sales.models import Invoice, Payment
from sales.services import Line
from sales.tests.conftest import make_invoice, ship
from sales.tests.factories import ContractFactory, ProductFactory

LIST = reverse("sales:invoice_list")
CREATE = reverse("sales:invoice_create")


def detail(invoice) -> str:
    return reverse("sales:invoice_detail", args=[invoice.pk])


def edit(invoice) -> str:
    return reverse("sales:invoice_edit", args=[invoice.pk])


def status_url(invoice) -> str:
    return reverse("sales:invoice_status", args=[invoice.pk])


def text(response) -> str:
    return response.content.decode().replace("\xa0", " ")


def form_data(client, lines, *, contract=None, date="2026-03-01", manager=None, existing=(), **extra) -> dict:
    """POST data of the invoice form; `existing` are the invoice's saved lines, listed first."""
    data = {
        "client": client.pk,
        "contract": contract.pk if contract else "",
        "date": date,
        "manager": manager.pk if manager else "",
        "project": "",
        "comment": "",
        "lines-TOTAL_FORMS": len(lines),
        "lines-INITIAL_FORMS": len(existing),
        "lines-MIN_NUM_FORMS": 0,
        "lines-MAX_NUM_FORMS": 1000,
        **extra,
    }
    for i, line in enumerate(lines):
        if i < len(existing):
            data[f"lines-{i}-id"] = existing[i].pk
        for key, value in line.items():
            data[f"lines-{i}-{key}"] = value.pk if hasattr(value, "pk") else value
    return data


# --- access -------------------------------------------------------------------------------------------


def test_a_manager_sees_the_invoices_of_own_and_unassigned_clients_only(client, owner, colleague, buyer, widget):
    mine = make_invoice(buyer, [Line(widget, D(1), D(100))])
    nobodys = make_invoice(client_factories.ClientFactory(name="Ничей"), [Line(widget, D(1), D(100))])
    theirs = make_invoice(
        client_factories.ClientFactory(name="Чужой клиент", responsible=colleague), [Line(widget, D(1), D(100))]
    )
    client.force_login(owner)
    page = text(client.get(LIST))
    assert "ООО «Покупатель»" in page and "Ничей" in page and "Чужой клиент" not in page
    assert client.get(detail(mine)).status_code == 200
    assert client.get(detail(nobodys)).status_code == 200
    assert client.get(detail(theirs)).status_code == 404
    assert client.get(edit(theirs)).status_code == 404
    assert client.post(status_url(theirs), {"status": "in_work"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Invoice.Status.REQUEST


def test_supervisors_and_sales_heads_see_every_invoice_but_a_sales_head_changes_none(
    client, boss, head, invoice, buyer, widget
):
    for user in (boss, head):
        client.force_login(user)
        assert "ООО «Покупатель»" in text(client.get(LIST))
        assert client.get(detail(invoice)).status_code == 200
    page = text(client.get(detail(invoice)))  # as the sales head
    assert 'id="edit-invoice"' not in page and 'id="status-in_work"' not in page
    assert 'id="create-invoice"' not in text(client.get(LIST))
    assert client.get(CREATE).status_code == 403
    assert client.get(edit(invoice)).status_code == 403
    assert client.post(status_url(invoice), {"status": "in_work"}).status_code == 403
    assert client.post(CREATE, form_data(buyer, [{"product": widget, "quantity": "1"}])).status_code == 403
    client.force_login(boss)
    assert 'id="status-in_work"' in text(client.get(detail(invoice)))


def test_the_top_bar_links_to_the_sales_documents(client, owner):
    client.force_login(owner)
    page = text(client.get(LIST))
    assert f'class="nav-link active" href="{LIST}" id="nav-sales"' in page


# --- list -------------------------------------------------------------------------------------------


def test_the_list_filters_by_client_status_manager_project_and_period(client, boss, owner, colleague, buyer, widget):
    project = Project.objects.create(name="Выставка")
    other = client_factories.ClientFactory(name="ООО «Другой»", inn="5001234567")
    march = make_invoice(buyer, [Line(widget, D(1), D(100))], manager=owner, project=project)
    april = make_invoice(other, [Line(widget, D(3), D(100))], date=datetime.date(2026, 4, 10), manager=colleague)
    services.set_status(april, "in_work")
    client.force_login(boss)

    def numbers(**params):
        response = client.get(LIST, params)
        assert response.status_code == 200
        return [row.pk for row in response.context["table"].page.object_list.data]

    assert numbers() == [april.pk, march.pk]  # newest first
    assert numbers(q="покупат") == [march.pk]
    assert numbers(q="500123") == [april.pk]  # ИНН starts with
    assert numbers(status="in_work") == [april.pk]
    assert numbers(manager=owner.pk) == [march.pk]
    assert numbers(project=project.pk) == [march.pk]
    assert numbers(period_after="2026-04-01", period_before="2026-04-30") == [april.pk]
    assert numbers(client=buyer.pk) == [march.pk]
    assert numbers(unpaid="on") == []  # nothing shipped yet
    ship(march)
    assert numbers(unpaid="on") == [march.pk]
    assert numbers(sort="total") == [march.pk, april.pk]
    assert numbers(sort="client") == [april.pk, march.pk]
    response = client.get(LIST, {"period_after": "2026-05-01", "period_before": "2026-04-01"})
    assert "Конец периода раньше его начала" in text(response)
    assert client.get(LIST, {"period_after": "вчера"}).status_code == 200


def test_the_list_pages_and_answers_htmx_with_the_table_only(client, boss, buyer, widget):
    for day in range(1, 31):
        make_invoice(buyer, [Line(widget, D(1), D(day))], date=datetime.date(2026, 3, day))
    client.force_login(boss)
    page = text(client.get(LIST, {"per_page": 25, "page": 2}))
    assert "Найдено: 30" in page and page.count('href="/sales/invoices/') >= 5
    partial = text(client.get(LIST, {"per_page": 25}, headers={"HX-Request": "true"}))
    assert "<html" not in partial and 'id="invoice-table"' in partial


@pytest.mark.parametrize("count", [3, 40])
def test_list_queries_do_not_grow_with_the_rows(client, owner, buyer, widget, count, django_assert_max_num_queries):
    project = Project.objects.create(name="Проект")
    for _i in range(count):
        make_invoice(buyer, [Line(widget, D(1), D(100))], manager=owner, project=project)
    client.force_login(owner)
    client.get(LIST)
    # session, user, roles, the manager and project choices, count, page (with client, manager,
    # project), the top bar's task counters, the list's saved views (crm.saved_views)
    with django_assert_max_num_queries(10):
        response = client.get(LIST, {"manager": owner.pk, "per_page": 100, "sort": "-total"})
    assert response.context["table"].paginator.count == count


# --- the invoice's page --------------------------------------------------------------------------------


def test_the_invoice_shows_lines_totals_what_is_open_and_its_payments(client, owner, invoice, gadget):
    invoice = services.save_invoice(
        invoice, [Line(invoice.lines.get().product, D(2), D(100)), Line(gadget, D(1), D(250), D(10))]
    )
    ship(invoice)
    payment = services.create_payment(Payment(client=invoice.client, date=datetime.date(2026, 3, 5), amount=D(100)))
    client.force_login(owner)
    page = text(client.get(detail(invoice)))
    assert "Виджет" in page and "Гаджет" in page
    assert 'id="invoice-total">425,00' in page
    assert 'id="invoice-paid">100,00' in page
    assert 'id="invoice-open">325,00' in page
    assert f'href="{payment.get_absolute_url()}"' in page
    assert 'id="invoice-due-date">12.03.2026' in page  # shipped on 2.03 + 10 credit days
    assert 'id="status-shipped"' not in page and 'id="edit-invoice"' not in page
    assert f'href="{reverse("sales:payment_create")}?invoice={invoice.pk}"' in page


@pytest.mark.parametrize("size", [1, 12])
def test_the_invoice_page_queries_do_not_grow_with_lines_and_payments(
    client, owner, buyer, contract, size, django_assert_max_num_queries
):
    lines = [Line(ProductFactory(name=f"Товар {i}"), D(1), D(100)) for i in range(size)]
    invoice = ship(make_invoice(buyer, lines, contract=contract, manager=owner))
    for _i in range(size):
        services.create_payment(Payment(client=buyer, date=datetime.date(2026, 3, 3), amount=D("5.00")))
    client.force_login(owner)
    # session, user, roles, the invoice with its client, contract, manager and project, lines,
    # allocations with payments, the top bar's task counters
    with django_assert_max_num_queries(7):
        response = client.get(detail(invoice))
    assert len(response.context["lines"]) == size and len(response.context["allocations"]) == size


def test_status_buttons_follow_the_statuses_and_shipping_asks_the_date(client, owner, invoice):
    client.force_login(owner)
    page = text(client.get(detail(invoice)))
    assert ">В работу</button>" in page and ">Отменить</button>" in page and "Отгрузить" not in page
    assert client.post(status_url(invoice), {"status": "in_work", "from": "request"}).status_code == 302
    client.post(status_url(invoice), {"status": "ready", "from": "in_work"})
    page = text(client.get(detail(invoice)))
    assert ">Отгрузить</button>" in page
    assert f'name="shipped_on" value="{timezone.localdate():%d.%m.%Y}"' in page  # today by default
    response = client.post(status_url(invoice), {"status": "shipped", "from": "ready", "shipped_on": "2026-03-20"})
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.status, invoice.shipped_on, invoice.due_date) == (
        "shipped",
        datetime.date(2026, 3, 20),
        datetime.date(2026, 3, 30),
    )


def test_a_bad_shipment_date_is_refused_on_the_page(client, owner, invoice):
    services.set_status(invoice, "in_work")
    services.set_status(invoice, "ready")
    client.force_login(owner)
    response = client.post(status_url(invoice), {"status": "shipped", "from": "ready", "shipped_on": "завтра"})
    assert response.status_code == 400
    assert "Заявка не отгружена: проверьте дату отгрузки" in text(response)
    response = client.post(status_url(invoice), {"status": "shipped", "from": "ready", "shipped_on": "2026-02-01"})
    assert response.status_code == 400 and "Дата отгрузки раньше даты заявки" in text(response)
    assert 'value="01.02.2026"' in text(response)  # what was typed stays, as a date is shown
    invoice.refresh_from_db()
    assert invoice.status == "ready"


def test_shipping_a_cancelled_invoice_is_refused_with_a_message(client, owner, invoice):
    services.set_status(invoice, "cancelled")
    client.force_login(owner)
    response = client.post(status_url(invoice), {"status": "shipped", "from": "cancelled", "shipped_on": "2026-03-05"})
    assert response.status_code == 409
    assert "Заявка отменена: её нельзя ни отгрузить, ни вернуть в работу" in text(response)
    invoice.refresh_from_db()
    assert invoice.status == "cancelled"


def test_a_click_on_a_stale_page_says_what_happened_meanwhile(client, owner, invoice):
    ship(invoice)
    client.force_login(owner)
    response = client.post(status_url(invoice), {"status": "shipped", "from": "ready", "shipped_on": "2026-03-05"})
    assert response.status_code == 409
    page = text(response)
    assert "Пока страница была открыта, статус заявки изменился: сейчас «Отгружена»" in page
    response = client.post(status_url(invoice), {"status": "cancelled", "from": "ready"})
    assert response.status_code == 409
    invoice.refresh_from_db()
    assert (invoice.status, invoice.shipped_on) == ("shipped", datetime.date(2026, 3, 2))
    assert client.post(status_url(invoice), {"status": "nonsense"}).status_code == 404


# --- the form -----------------------------------------------------------------------------------------


def test_a_manager_creates_an_invoice_with_lines_and_the_products_prices(
    client, owner, buyer, contract, widget, gadget
):
    client.force_login(owner)
    page = text(client.get(CREATE, {"client": buyer.pk}))
    assert f'<option value="{buyer.pk}" selected>ООО «Покупатель»</option>' in page
    assert f'<option value="{contract.pk}">№ 7/26 от 01.01.2026</option>' in page
    assert f'<option value="{owner.pk}" selected>' in page  # the manager is the user
    data = form_data(
        buyer,
        [
            {"product": widget, "quantity": "2", "price": "", "discount": ""},
            {"product": gadget, "quantity": "1,5", "price": "200,00", "discount": "10"},
        ],
        contract=contract,
        manager=owner,
    )
    response = client.post(CREATE, data)
    assert response.status_code == 302
    invoice = Invoice.objects.get()
    assert response["Location"] == detail(invoice)
    assert [(line.product, line.price, line.amount) for line in invoice.lines.all()] == [
        (widget, D("100.00"), D("200.00")),  # the product's price
        (gadget, D("200.00"), D("270.00")),
    ]
    assert (invoice.total, invoice.open_amount, invoice.contract, invoice.manager) == (
        D("470.00"),
        D("470.00"),
        contract,
        owner,
    )


def test_editing_changes_the_lines(client, owner, invoice, gadget):
    client.force_login(owner)
    line = invoice.lines.get()
    page = text(client.get(edit(invoice)))
    assert 'name="lines-0-quantity" value="2"' in page
    data = form_data(
        invoice.client,
        [
            {"product": line.product, "quantity": "1", "price": "100", "DELETE": "on"},
            {"product": gadget, "quantity": "2", "price": "", "discount": "0"},
        ],
        contract=invoice.contract,
        existing=[line],
    )
    assert client.post(edit(invoice), data).status_code == 302
    invoice.refresh_from_db()
    assert [(x.product, x.amount) for x in invoice.lines.all()] == [(gadget, D("500.00"))]
    assert invoice.total == D("500.00")


def test_a_shipped_invoice_is_not_edited(client, owner, invoice):
    ship(invoice)
    client.force_login(owner)
    response = client.get(edit(invoice), follow=True)
    assert "Отгруженную или отменённую заявку изменить нельзя" in text(response)


@pytest.mark.parametrize(
    ("line", "message", "typed"),
    [
        ({"quantity": "0"}, "Количество должно быть больше нуля.", 'value="0"'),
        ({"quantity": "-2"}, "Количество должно быть больше нуля.", 'value="-2"'),
        ({"price": "-5"}, "Цена не может быть отрицательной.", 'value="-5"'),
        ({"discount": "101"}, "Скидка — от 0 до 100 %.", 'value="101"'),
        ({"quantity": "много"}, "Введите число.", 'value="много"'),
        ({"price": "сто"}, "Введите число.", 'value="сто"'),
    ],
)
def test_bad_lines_are_reported_on_the_form_and_what_was_typed_stays(
    client, owner, buyer, widget, line, message, typed
):
    client.force_login(owner)
    values = {"product": widget, "quantity": "1", "price": "100", "discount": "0", **line}
    response = client.post(CREATE, form_data(buyer, [values], comment="Срочно"))
    assert response.status_code == 400
    page = text(response)
    assert "Заявка не записана: исправьте отмеченные поля." in page
    assert message in page and typed in page and "Срочно" in page
    assert not Invoice.objects.exists()


def test_an_invoice_without_lines_is_refused(client, owner, buyer):
    client.force_login(owner)
    response = client.post(CREATE, form_data(buyer, []))
    assert response.status_code == 400 and "В заявке нет ни одной строки." in text(response)


def test_a_contract_of_another_client_is_refused(client, owner, buyer, widget):
    foreign = ContractFactory(client=client_factories.ClientFactory(name="Другой"), number="99")
    client.force_login(owner)
    response = client.post(CREATE, form_data(buyer, [{"product": widget, "quantity": "1"}], contract=foreign))
    assert response.status_code == 400
    assert "Договор заключён с другим клиентом." in text(response)
    assert not Invoice.objects.exists()


def test_a_client_the_manager_may_not_see_is_refused(client, owner, colleague, widget):
    theirs = client_factories.ClientFactory(name="Чужой", responsible=colleague)
    client.force_login(owner)
    response = client.post(CREATE, form_data(theirs, [{"product": widget, "quantity": "1"}]))
    assert response.status_code == 400
    assert not Invoice.objects.exists()


def test_going_over_the_credit_limit_is_warned_about_and_needs_a_second_save(client, owner, buyer, contract, widget):
    ship(make_invoice(buyer, [Line(widget, D(8), D(100))], contract=contract))  # 800 of the 1000 used
    client.force_login(owner)
    data = form_data(buyer, [{"product": widget, "quantity": "3", "price": "100"}], contract=contract)
    response = client.post(CREATE, data)
    assert response.status_code == 200
    page = text(response)
    assert "Превышена сумма кредита по договору № 7/26 от 01.01.2026: лимит 1 000,00." in page
    assert "нажмите «Записать» ещё раз" in page
    assert Invoice.objects.count() == 1
    confirm = response.context["form"].data["confirm_limit"]
    # A different total is warned about again.
    more = form_data(
        buyer, [{"product": widget, "quantity": "4", "price": "100"}], contract=contract, confirm_limit=confirm
    )
    assert 'id="limit-warning"' in text(client.post(CREATE, more))
    assert Invoice.objects.count() == 1
    response = client.post(CREATE, {**data, "confirm_limit": confirm})
    assert response.status_code == 302
    assert Invoice.objects.count() == 2


def test_within_the_limit_nothing_is_asked(client, owner, buyer, contract, widget):
    client.force_login(owner)
    data = form_data(buyer, [{"product": widget, "quantity": "10", "price": "100"}], contract=contract)
    assert client.post(CREATE, data).status_code == 302  # exactly the limit


def test_the_client_search_offers_the_users_clients_only(client, owner, colleague, buyer):
    client_factories.ClientFactory(name="ООО «Покупатель-2»", responsible=colleague)
    client.force_login(owner)
    response = client.get(reverse("sales:client_choices"), {"q": "покупат"})
    assert text(response).count("<option") == 1 and "ООО «Покупатель» (7707083893)" in text(response)
    assert "никого не найдено" in text(client.get(reverse("sales:client_choices"), {"q": "нет такого"}))
    ContractFactory(client=buyer, number="1")
    ContractFactory(client=buyer, number="old", is_active=False)
    options = text(client.get(reverse("sales:contract_choices"), {"client": buyer.pk}))
    assert "№ 1 от" in options and "old" not in options and "без договора" in options
