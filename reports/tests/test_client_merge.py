"""Merging client cards and undoing it (clients.services.merging) leaves the reports' figures as they
were: receivables, funnel, iterations — computed before, after the merge and after the undo."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest

from clients import completeness
from clients.models import Client, ClientChange, ClientMerge, ContactInfo, ContactPerson
from clients.services import merging
from clients.tests import factories
from funnel import services as funnel_services
from funnel.models import Deal
from funnel.tests.factories import FunnelFactory, stages
from reports.funnel import figures as funnel_figures
from reports.iterations import figures as iteration_figures
from reports.receivables import figures as receivable_figures
from sales import services as sales_services
from sales.ledger import Scope
from sales.models import Invoice, Payment, Reconciliation
from sales.services import Line
from sales.services.reconciliations import make_reconciliation
from sales.tests.factories import ContractFactory, ProductFactory
from tasks import services as task_services
from tasks.models import Task, TaskItem

ON = datetime.date(2026, 4, 1)


def _documents(client, owner, product, number: int) -> None:
    contract = ContractFactory(client=client, number=f"Д-{number}", credit_days=10)
    invoice = sales_services.save_invoice(
        Invoice(client=client, contract=contract, date=datetime.date(2026, 3, 1), manager=owner, number=number),
        [Line(product, D(number % 7 + 1), D("100.00"))],
    )
    for status in ("in_work", "ready"):
        sales_services.set_status(invoice, status)
    sales_services.set_status(invoice, "shipped", shipped_on=datetime.date(2026, 3, 2))
    sales_services.create_payment(
        Payment(client=client, contract=contract, date=datetime.date(2026, 3, 5), amount=D("50.00"), number=number)
    )


@pytest.fixture
def base(db):
    owner = factories.manager(username="owner")
    boss = factories.supervisor(username="boss")
    product = ProductFactory(name="Виджет", price=D("100.00"))
    funnel = FunnelFactory(name="Продажи")
    stage_list = stages(funnel, "Контакт", "Предложение")
    a = factories.ClientFactory(name="ООО «Ромашка»", inn="7707083893", kpp="773601001", responsible=owner)
    b = factories.ClientFactory(name="Ромашка ООО", inn="7707083893", kpp="", responsible=None, comment="из 1С")
    other = factories.ClientFactory(name="АО «Василёк»", inn="7736207543", responsible=owner)
    factories.ContactInfoFactory(client=a, value="+79161234567")
    factories.ContactInfoFactory(client=b, value="+79161234567")  # the same: not repeated
    factories.ContactInfoFactory(client=b, kind=factories.kind("Email"), value="info@romashka.ru")
    person = factories.ContactPersonFactory(client=b, name="Петров Иван")
    factories.ContactInfoFactory(client=b, contact=person, kind=factories.kind("Email"), value="petrov@romashka.ru")
    for number, client in enumerate((a, b, b, other), start=101):
        _documents(client, owner, product, number)
    for client in (a, b, other):
        funnel_services.create_deal(
            Deal(funnel=funnel, title=f"Сделка {client.pk}", client=client, manager=owner), user=owner
        )
    for client in (a, b):
        items = [completeness.Item(client.pk, None, ["prop:inn"]), completeness.Item(b.pk, person.pk, ["prop:inn"])]
        task_services.create_task(
            title=f"Заполнить {client.pk}", executor=owner, author=boss, items=items[: 1 if client == a else 2]
        )
    return {"a": a, "b": b, "other": other, "boss": boss, "owner": owner, "funnel": funnel, "stages": stage_list}


def figures(base) -> dict:
    invoices = Invoice.objects.all()
    owed = receivable_figures.receivable(invoices, ON, ON)
    deals = Deal.objects.filter(funnel=base["funnel"])
    return {
        "debt": receivable_figures.debt_by_client(owed, ON),
        "register": receivable_figures.register_summary(invoices),
        "debt_by_manager": receivable_figures.debt_by(owed, receivable_figures.GROUPINGS["manager"], ON),
        "payments": receivable_figures.payments_by(Payment.objects.all(), receivable_figures.GROUPINGS["manager"]),
        "conversion": funnel_figures.conversion(deals, base["stages"]),
        "iterations": iteration_figures.iteration_table(Task.objects.all()),
    }


def _versions(*clients) -> dict[int, int]:
    return {c.pk: Client.all_objects.get(pk=c.pk).version for c in clients}


def test_merge_and_undo_keep_every_report_figure(base):
    a, b, boss = base["a"], base["b"], base["boss"]
    act = make_reconciliation(Scope(client=b, end=ON), base["owner"])
    before = figures(base)
    moved_history = ClientChange.objects.filter(client=b).count()

    record = merging.merge([a.pk, b.pk], a.pk, {"comment": b.pk}, _versions(a, b), user=boss)

    after = figures(base)
    assert receivable_figures.debt_total(after["debt"]) == receivable_figures.debt_total(before["debt"])
    assert [c.client_id for c in after["debt"]] == sorted(
        {a.pk, base["other"].pk}, key=lambda pk: Client.objects.get(pk=pk).name
    )
    assert after["register"] == before["register"]
    assert after["debt_by_manager"] == before["debt_by_manager"] and after["payments"] == before["payments"]
    assert after["conversion"] == before["conversion"]
    assert after["iterations"] == before["iterations"]
    a.refresh_from_db()
    assert a.comment == "из 1С" and a.kpp == "773601001"
    assert not Client.objects.filter(pk=b.pk).exists()  # hidden everywhere
    assert Client.all_objects.get(pk=b.pk).merged_into_id == a.pk
    assert Invoice.objects.filter(client=b).count() == 0 and Deal.objects.filter(client=a).count() == 2
    assert ContactPerson.objects.get(name="Петров Иван").client_id == a.pk
    assert sorted(ContactInfo.objects.filter(client=a, contact=None).values_list("value", flat=True)) == [
        "+79161234567",
        "info@romashka.ru",
    ]
    assert TaskItem.objects.filter(client=a).count() == 3
    assert Reconciliation.objects.get(pk=act.pk).client_id == a.pk
    assert ClientChange.objects.filter(client=a, source=ClientChange.Source.MERGE).exists()
    assert ClientChange.objects.filter(client=a).count() >= moved_history

    merging.undo(record.pk, user=boss)

    assert figures(base) == before
    a.refresh_from_db()
    assert a.comment == "" and Client.objects.filter(pk=b.pk).exists()
    assert Invoice.objects.filter(client=b).count() == 2 and Deal.objects.filter(client=b).count() == 1
    assert ContactPerson.objects.get(name="Петров Иван").client_id == b.pk
    assert ContactInfo.objects.filter(client=b).count() == 3
    assert TaskItem.objects.filter(client=b).count() == 2
    assert Reconciliation.objects.get(pk=act.pk).client_id == b.pk
    assert ClientMerge.objects.get(pk=record.pk).undone_at is not None
    with pytest.raises(merging.MergeRefused):
        merging.undo(record.pk, user=boss)


def test_dry_run_says_what_would_move(base):
    counts = dict(merging.dry_run([base["b"].pk], base["a"].pk))
    assert counts["Заявки-накладные"] == 2 and counts["Оплаты"] == 2 and counts["Договоры"] == 2
    assert counts["Сделки"] == 1 and counts["Контактные лица"] == 1 and counts["Контактная информация"] == 1
    assert counts["Строки задач"] == 2


def test_a_card_changed_since_the_preview_refuses_the_merge(base):
    a, b, boss = base["a"], base["b"], base["boss"]
    versions = _versions(a, b)
    Client.objects.filter(pk=b.pk).update(version=versions[b.pk] + 1)
    with pytest.raises(merging.MergeRefused, match="изменены"):
        merging.merge([a.pk, b.pk], a.pk, {}, versions, user=boss)
    assert Invoice.objects.filter(client=b).count() == 2


def test_contracts_of_the_same_number_refuse_the_merge(base):
    a, b = base["a"], base["b"]
    ContractFactory(client=a, number="Д-102")
    with pytest.raises(merging.MergeRefused, match="Д-102"):
        merging.merge([a.pk, b.pk], a.pk, {}, _versions(a, b), user=base["boss"])


def test_the_accounting_exchange_sends_a_merged_cards_documents_to_its_survivor(base):
    from clients.services.exchange import ClientDocument, upsert_clients
    from crm.exchange import ExchangeRefused
    from sales.services.exchange import PaymentDocument, upsert_payments

    a, b, boss = base["a"], base["b"], base["boss"]
    Client.objects.filter(pk=b.pk).update(external_source="1c", external_id="K-2")
    merging.merge([a.pk, b.pk], a.pk, {}, _versions(a, b), user=boss)

    payment = PaymentDocument(0, "1c", "P-1", client="K-2", date=datetime.date(2026, 3, 9), amount=D("10.00"))
    upsert_payments([payment], user=boss)

    assert Payment.objects.get(external_id="P-1").client_id == a.pk
    with pytest.raises(ExchangeRefused) as refused:
        upsert_clients([ClientDocument(0, "1c", "K-2", fields={"comment": "x"})], user=boss)
    assert "объединён с другой карточкой" in str(refused.value.errors[0])
