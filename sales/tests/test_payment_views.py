"""The payment pages: list, a payment with its allocations, «Распределить» by hand and by age, the
form; bad input gets a message on the page and keeps what was typed."""

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse

from clients.tests import factories as client_factories
from sales import services
from sales.models import Invoice, Payment
from sales.services import Line
from sales.tests.conftest import make_invoice, ship
from sales.tests.factories import ContractFactory

LIST = reverse("sales:payment_list")
CREATE = reverse("sales:payment_create")


def detail(payment) -> str:
    return reverse("sales:payment_detail", args=[payment.pk])


def allocate_url(payment) -> str:
    return reverse("sales:payment_allocate", args=[payment.pk])


def text(response) -> str:
    return response.content.decode().replace("\xa0", " ")


def form_data(client, amount, *, contract=None, allocate=True, **extra) -> dict:
    data = {
        "client": client.pk,
        "contract": contract.pk if contract else "",
        "date": "2026-03-10",
        "amount": amount,
        "manager": "",
        "project": "",
        "comment": "",
        **extra,
    }
    if allocate:
        data["allocate_oldest"] = "on"
    return data


def pay(client, amount, *, allocate=False) -> Payment:
    return services.create_payment(
        Payment(client=client, date=datetime.date(2026, 3, 10), amount=D(amount)), allocate_oldest=allocate
    )


@pytest.fixture
def two_shipped(buyer, widget):
    first = ship(make_invoice(buyer, [Line(widget, D(1), D(100))], date=datetime.date(2026, 3, 1)))
    second = ship(make_invoice(buyer, [Line(widget, D(2), D(100))], date=datetime.date(2026, 3, 2)))
    return first, second


def test_a_new_payment_pays_the_oldest_invoices_first(client, owner, buyer, two_shipped):
    first, second = two_shipped
    client.force_login(owner)
    response = client.post(CREATE, form_data(buyer, "250,00"))
    payment = Payment.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(payment)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.open_amount, second.open_amount, payment.unallocated) == (D("0.00"), D("50.00"), D("0.00"))
    page = text(client.get(detail(payment)))
    assert "Распределено 250,00, не распределено 0,00." in page
    assert f'href="{first.get_absolute_url()}"' in page and f'href="{second.get_absolute_url()}"' in page


def test_unticked_the_payment_stays_unallocated(client, owner, buyer, two_shipped):
    client.force_login(owner)
    assert client.post(CREATE, form_data(buyer, "250", allocate=False)).status_code == 302
    payment = Payment.objects.get()
    assert payment.unallocated == D("250.00") and not payment.allocations.exists()


def test_from_an_invoice_the_form_starts_with_its_client_contract_and_open_amount(client, owner, invoice):
    client.force_login(owner)
    page = text(client.get(CREATE, {"invoice": invoice.pk}))
    assert f'<option value="{invoice.client_id}" selected>' in page
    assert f'<option value="{invoice.contract_id}" selected>' in page
    assert 'name="amount" value="200,00"' in page
    assert 'id="id_allocate_oldest" checked>' in page  # «Распределить автоматически» by default


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "Сумма оплаты должна быть больше нуля."),
        ("-10", "Сумма оплаты должна быть больше нуля."),
        ("сто", "Введите число."),
    ],
)
def test_a_bad_amount_is_reported_on_the_form(client, owner, buyer, amount, message):
    client.force_login(owner)
    response = client.post(CREATE, form_data(buyer, amount, comment="платёжка 15"))
    assert response.status_code == 400
    page = text(response)
    assert message in page and f'value="{amount}"' in page and "платёжка 15" in page
    assert not Payment.objects.exists()


def test_a_contract_of_another_client_is_refused(client, owner, buyer):
    foreign = ContractFactory(client=client_factories.ClientFactory(name="Другой"), number="99")
    client.force_login(owner)
    response = client.post(CREATE, form_data(buyer, "100", contract=foreign))
    assert response.status_code == 400 and "Договор заключён с другим клиентом." in text(response)
    assert not Payment.objects.exists()


def test_allocating_by_hand(client, owner, buyer, two_shipped):
    first, second = two_shipped
    payment = pay(buyer, "150")
    client.force_login(owner)
    page = text(client.get(detail(payment)))
    assert f'name="invoice-{first.pk}"' in page and f'name="invoice-{second.pk}"' in page
    response = client.post(allocate_url(payment), {f"invoice-{second.pk}": "120,50"})
    assert response.status_code == 302
    second.refresh_from_db()
    payment.refresh_from_db()
    assert (second.open_amount, payment.unallocated) == (D("79.50"), D("29.50"))
    assert "Распределено 120,50, не распределено 29,50." in text(client.get(detail(payment)))


def test_allocating_more_than_is_open_is_refused_and_the_amounts_stay(client, owner, buyer, two_shipped):
    first, _second = two_shipped
    payment = pay(buyer, "150")
    client.force_login(owner)
    response = client.post(allocate_url(payment), {f"invoice-{first.pk}": "120"})
    assert response.status_code == 409
    page = text(response)
    assert f"По заявке № {first.number} не оплачено только 100.00, а распределяется 120.00." in page
    assert f'name="invoice-{first.pk}" value="120"' in page
    first.refresh_from_db()
    assert first.open_amount == D("100.00")


def test_allocating_more_than_the_payment_has_is_refused(client, owner, buyer, two_shipped):
    first, second = two_shipped
    payment = pay(buyer, "150")
    client.force_login(owner)
    response = client.post(allocate_url(payment), {f"invoice-{first.pk}": "100", f"invoice-{second.pk}": "100"})
    assert response.status_code == 409
    assert "не распределено в оплате только 150.00" in text(response)


def test_another_clients_invoice_is_refused(client, owner, buyer, widget):
    stranger = ship(make_invoice(client_factories.ClientFactory(name="Чужой"), [Line(widget, D(1), D(100))]))
    payment = pay(buyer, "50")
    client.force_login(owner)
    response = client.post(allocate_url(payment), {f"invoice-{stranger.pk}": "50"})
    assert response.status_code == 409
    assert "Оплату клиента можно распределить только на его собственные заявки." in text(response)
    stranger.refresh_from_db()
    assert stranger.open_amount == D("100.00")


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-5", "Сумма распределения должна быть больше нуля."),
        ("пять", "Введите число."),
        ("", "Укажите сумму хотя бы по одной заявке."),
    ],
)
def test_bad_amounts_are_reported(client, owner, buyer, two_shipped, amount, message):
    first, _second = two_shipped
    payment = pay(buyer, "50")
    client.force_login(owner)
    response = client.post(allocate_url(payment), {f"invoice-{first.pk}": amount})
    assert response.status_code == 400 and message in text(response)


def test_allocating_by_age_and_releasing(client, owner, buyer, two_shipped):
    first, second = two_shipped
    payment = pay(buyer, "150")
    client.force_login(owner)
    response = client.post(reverse("sales:payment_allocate_oldest", args=[payment.pk]), follow=True)
    assert "Распределено 150,00, не распределено 0,00." in text(response)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.open_amount, second.open_amount) == (D("0.00"), D("150.00"))
    response = client.post(reverse("sales:payment_release", args=[payment.pk]), follow=True)
    assert "Распределение оплаты отменено." in text(response)
    first.refresh_from_db()
    assert first.open_amount == D("100.00")
    more = pay(buyer, "1000")
    services.allocate_oldest_first(more)
    response = client.post(reverse("sales:payment_allocate_oldest", args=[more.pk]), follow=True)
    assert "Распределять нечего" in text(response)


def test_payments_follow_the_same_access_rules(client, owner, colleague, head, buyer):
    payment = pay(buyer, "10")
    theirs = pay(client_factories.ClientFactory(name="Чужой клиент", responsible=colleague), "20")
    client.force_login(owner)
    page = text(client.get(LIST))
    assert "ООО «Покупатель»" in page and "Чужой клиент" not in page
    assert client.get(detail(theirs)).status_code == 404
    assert client.post(allocate_url(theirs), {}).status_code == 404
    client.force_login(head)
    assert "Чужой клиент" in text(client.get(LIST))
    page = text(client.get(detail(payment)))
    assert 'id="allocation-form"' not in page and 'id="allocate-oldest"' not in page
    assert client.post(reverse("sales:payment_allocate_oldest", args=[payment.pk])).status_code == 403
    assert client.get(CREATE).status_code == 403


def test_the_list_filters_and_sorts(client, boss, buyer):
    old = pay(buyer, "10")
    big = services.create_payment(Payment(client=buyer, date=datetime.date(2026, 4, 1), amount=D("500")))
    client.force_login(boss)

    def ids(**params):
        return [p.pk for p in client.get(LIST, params).context["table"].page.object_list.data]

    assert ids() == [big.pk, old.pk]
    assert ids(period_after="2026-04-01") == [big.pk]
    assert ids(unallocated="on") == [old.pk, big.pk] or ids(unallocated="on") == [big.pk, old.pk]
    assert ids(sort="amount") == [old.pk, big.pk]
    assert ids(q="нет такого") == []


@pytest.mark.parametrize("count", [2, 30])
def test_list_and_payment_queries_do_not_grow(client, owner, buyer, widget, count, django_assert_max_num_queries):
    invoices = [ship(make_invoice(buyer, [Line(widget, D(1), D(10))])) for _i in range(count)]
    payment = pay(buyer, str(10 * count + 5))
    services.allocate(payment, {i.pk: D(5) for i in invoices})  # half of each: all stay open
    for _i in range(count):
        pay(buyer, "1")
    client.force_login(owner)
    client.get(LIST)
    # session, user, roles, manager and project choices, count, page, the top bar's task counters,
    # the list's saved views (crm.saved_views)
    with django_assert_max_num_queries(9):
        response = client.get(LIST, {"per_page": 100})
    assert response.context["table"].paginator.count == count + 1
    # session, user, roles, the payment with its joins, allocations, open invoices, task counters
    with django_assert_max_num_queries(7):
        response = client.get(detail(payment))
    assert len(response.context["allocations"]) == count
    assert len(response.context["allocation_form"].rows()) == count
    assert Invoice.objects.filter(open_amount=D(5)).count() == count


def test_a_manager_names_only_themself_on_a_payment(client, owner, colleague, boss, buyer):
    """The probe: a manager could name another manager on their own payment."""
    client.force_login(owner)
    response = client.post(CREATE, form_data(buyer, "100,00", allocate=False, manager=colleague.pk))
    assert response.status_code == 400
    assert "manager" in response.context["form"].errors
    assert not Payment.objects.exists()
    assert client.post(CREATE, form_data(buyer, "100,00", allocate=False, manager=owner.pk)).status_code == 302
    client.force_login(boss)  # a supervisor names anyone
    assert client.post(CREATE, form_data(buyer, "50,00", allocate=False, manager=colleague.pk)).status_code == 302
    assert sorted(Payment.objects.values_list("manager__username", flat=True)) == sorted(
        [owner.username, colleague.username]
    )
