"""A won deal of an orders funnel becomes a «Заявка-накладная»: once, with the deal's client,
manager and lines; anything else is refused with a message."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from funnel import services
from funnel.models import Deal, Funnel
from funnel.services import FunnelError, Line
from funnel.tests.conftest import deal_of
from funnel.tests.factories import FunnelFactory, stages
from sales.models import Invoice
from sales.tests.factories import ContractFactory, ProductFactory


def text(response) -> str:
    return response.content.decode().replace("\xa0", " ")


@pytest.fixture
def orders(db):
    funnel = FunnelFactory(name="Заказы", kind=Funnel.Kind.ORDERS)
    return funnel, stages(funnel, "Заказ принят", "Собран")


@pytest.fixture
def won_order(anna, orders):
    funnel, (_taken, _packed, won, _lost) = orders
    deal = deal_of(funnel, anna, "Заказ 17")
    widget = ProductFactory(name="Виджет", price=D("100.00"), cost=D("50.00"))
    gadget = ProductFactory(name="Гаджет", price=D("40.00"), cost=D("10.00"))
    services.save_lines(deal, [Line(widget, D(3), D("100.00"), D(10)), Line(gadget, D(1), D("40.00"))], user=anna)
    return services.move(deal, won, user=anna)


def make_invoice(deal) -> str:
    return reverse("funnel:deal_invoice", args=[deal.pk])


def test_a_won_order_becomes_an_invoice_with_its_lines(client, anna, won_order):
    contract = ContractFactory(client=won_order.client)
    client.force_login(anna)
    page = text(client.get(won_order.get_absolute_url()))
    assert "Создать заявку-накладную" in page

    response = client.post(make_invoice(won_order), follow=True)
    invoice = Invoice.objects.get()
    assert response.redirect_chain[-1][0] == reverse("sales:invoice_detail", args=[invoice.pk])
    assert f"Создана заявка-накладная № {invoice.number} по сделке." in text(response)
    assert (invoice.client, invoice.manager, invoice.contract) == (won_order.client, anna, contract)
    assert invoice.status == Invoice.Status.REQUEST and invoice.comment == "По сделке «Заказ 17»."
    lines = [(x.product.name, x.quantity, x.price, x.discount, x.amount) for x in invoice.lines.order_by("pk")]
    assert lines == [
        ("Виджет", D(3), D("100.00"), D("10.00"), D("270.00")),
        ("Гаджет", D(1), D("40.00"), D(0), D("40.00")),
    ]
    assert invoice.total == D("310.00") == Deal.objects.get(pk=won_order.pk).amount

    deal_page = text(client.get(won_order.get_absolute_url()))
    assert f"№ {invoice.number}" in deal_page and "Создать заявку-накладную" not in deal_page


def test_an_invoice_is_made_once_per_deal(client, anna, won_order):
    client.force_login(anna)
    client.post(make_invoice(won_order))
    response = client.post(make_invoice(won_order), follow=True)
    assert "Заявка-накладная по сделке уже создана." in text(response)
    assert Invoice.objects.count() == 1


def test_without_a_single_contract_the_user_is_asked_to_choose_one(client, anna, won_order):
    ContractFactory(client=won_order.client)
    ContractFactory(client=won_order.client)
    client.force_login(anna)
    response = client.post(make_invoice(won_order), follow=True)
    assert Invoice.objects.get().contract is None
    assert "Выберите в ней договор: у клиента нет единственного действующего." in text(response)


def test_only_a_won_order_with_a_client_and_lines_gets_an_invoice(anna, orders, b2b):
    funnel, (_taken, _packed, won, _lost) = orders
    open_order = deal_of(funnel, anna, "Открытый заказ", amount=D(1))
    with pytest.raises(FunnelError, match="по выигранной сделке"):
        services.create_invoice(open_order, user=anna)

    b2b_funnel, b2b_stages = b2b
    b2b_deal = services.move(deal_of(b2b_funnel, anna, "B2B", amount=D(1)), b2b_stages[3], user=anna)
    with pytest.raises(FunnelError, match="воронки заказов"):
        services.create_invoice(b2b_deal, user=anna)

    lead = services.move(deal_of(funnel, anna, "Лид", lead_name="Иван", amount=D(1)), won, user=anna)
    with pytest.raises(FunnelError, match="Сначала создайте клиента из лида"):
        services.create_invoice(lead, user=anna)

    empty = services.move(deal_of(funnel, anna, "Без строк", amount=D(1)), won, user=anna)
    with pytest.raises(FunnelError, match="В сделке нет строк"):
        services.create_invoice(empty, user=anna)
    assert not Invoice.objects.exists()


def test_a_colleague_cannot_make_the_invoice(client, boris, won_order):
    client.force_login(boris)
    assert client.post(make_invoice(won_order)).status_code == 404
    assert not Invoice.objects.exists()


def test_a_sales_head_who_only_reads_documents_is_told_and_gets_no_button(client, head, won_order):
    client.force_login(head)
    assert "Создать заявку-накладную" not in text(client.get(won_order.get_absolute_url()))
    response = client.post(make_invoice(won_order), follow=True)
    assert "Заявки-накладные клиента выписывает его менеджер или руководитель." in text(response)
    assert not Invoice.objects.exists()


def test_the_invoice_comes_to_the_deals_amount_whatever_the_rounding(client, anna, orders):
    """3 × 33,33 less 7 %: 92,99 on the whole line (not 3 × 31,00 rounded per unit) on both."""
    funnel, (_taken, _packed, won, _lost) = orders
    deal = deal_of(funnel, anna, "Заказ с копейками")
    odd = ProductFactory(name="Дробный", price=D("33.33"), cost=D("10.00"))
    deal = services.save_lines(deal, [Line(odd, D(3), D("33.33"), D(7))], user=anna)
    assert deal.amount == D("92.99")
    invoice = services.create_invoice(services.move(deal, won, user=anna), user=anna)
    assert invoice.total == deal.amount
