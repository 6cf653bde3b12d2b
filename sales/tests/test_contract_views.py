"""«Договоры» of a client: the list from the card, a contract, creating and changing one."""

from decimal import Decimal as D

from django.urls import reverse

from sales.models import Contract
from sales.services import Line
from sales.tests.conftest import make_invoice, ship
from sales.tests.factories import ContractFactory

LIST = reverse("sales:contract_list")
CREATE = reverse("sales:contract_create")


def text(response) -> str:
    return response.content.decode().replace("\xa0", " ")


def detail(contract) -> str:
    return reverse("sales:contract_detail", args=[contract.pk])


def data(**values) -> dict:
    return {
        "number": "15/26",
        "date": "2026-02-01",
        "credit_limit": "50 000,00",
        "credit_days": "30",
        "is_active": "on",
        **values,
    }


def test_the_card_links_to_the_clients_contracts_and_documents(client, owner, colleague, buyer):
    client.force_login(owner)
    page = text(client.get(reverse("clients:detail", args=[buyer.pk])))
    assert f'href="{LIST}?client={buyer.pk}" id="client-contracts"' in page
    assert 'id="client-invoices"' in page and 'id="client-new-invoice"' in page
    client.force_login(colleague)
    page = text(client.get(reverse("clients:detail", args=[buyer.pk])))
    assert 'id="client-contracts"' in page and 'id="client-invoices"' not in page


def test_the_list_shows_one_clients_contracts(client, owner, buyer, contract):
    ContractFactory(number="чужой")
    client.force_login(owner)
    response = client.get(LIST, {"client": buyer.pk})
    page = text(response)
    assert "7/26" in page and "чужой" not in page and "1 000,00" in page
    assert f'href="{CREATE}?client={buyer.pk}"' in page
    assert client.get(LIST, {"client": 10**9}).status_code == 404
    assert client.get(LIST, {"client": "x"}, follow=True).status_code == 200


def test_a_manager_creates_and_changes_a_contract_of_own_client(client, owner, buyer):
    client.force_login(owner)
    response = client.post(f"{CREATE}?client={buyer.pk}", data())
    contract = Contract.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(contract)
    assert (contract.client, contract.credit_limit, contract.credit_days) == (buyer, D("50000.00"), 30)
    edit = reverse("sales:contract_edit", args=[contract.pk])
    assert client.post(edit, data(credit_limit="", credit_days="")).status_code == 302
    contract.refresh_from_db()
    assert (contract.credit_limit, contract.credit_days) == (None, None)
    page = text(client.get(detail(contract)))
    assert "Сумма кредита" in page and "без ограничения" in page and "Глубина кредита" in page


def test_bad_contract_input_is_reported(client, owner, buyer, contract):
    client.force_login(owner)
    url = f"{CREATE}?client={buyer.pk}"
    response = client.post(url, data(number="7/26"))
    assert response.status_code == 400 and "У клиента уже есть договор с этим номером." in text(response)
    response = client.post(url, data(credit_limit="-1"))
    assert response.status_code == 400 and 'value="-1"' in text(response)
    response = client.post(url, data(credit_days="много"))
    assert response.status_code == 400 and "Введите целое число." in text(response)
    assert Contract.objects.count() == 1


def test_colleagues_read_contracts_and_only_who_edits_the_card_changes_them(client, colleague, head, contract):
    for user in (colleague, head):
        client.force_login(user)
        page = text(client.get(detail(contract)))
        assert "7/26" in page and 'id="edit-contract"' not in page
        assert 'id="contract-open"' not in page or user is head
        assert client.get(reverse("sales:contract_edit", args=[contract.pk])).status_code == 403
        assert client.post(f"{CREATE}?client={contract.client_id}", data()).status_code == 403


def test_the_contract_shows_what_its_invoices_owe(
    client, owner, buyer, contract, widget, django_assert_max_num_queries
):
    ship(make_invoice(buyer, [Line(widget, D(3), D(100))], contract=contract))
    make_invoice(buyer, [Line(widget, D(1), D(100))], contract=contract)
    client.force_login(owner)
    with django_assert_max_num_queries(6):
        page = text(client.get(detail(contract)))
    assert 'id="contract-open">400,00' in page
    assert f"?client={buyer.pk}&amp;contract={contract.pk}" in page
