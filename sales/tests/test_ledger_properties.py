"""The ledger, property-based: any sequence of invoices (with lines, changed lines, statuses up to
shipping or cancelling), payments, allocations by hand and oldest-first, and releases keeps every
open amount, every payment's free rest and the reports' figures equal to a model computed in the
test (sales/tests/ledger_model.py). The operations go through sales.services, the calls the pages
make, against the real PostgreSQL; each sequence runs in a savepoint rolled back after it.

A refused operation (over-allocation, a cancelled invoice, another client's invoice, a paid invoice
cancelled, lines below what is paid, a status out of turn) must raise SalesError for that reason and
change nothing. After every step the invariants compare every invoice, payment and allocation with
the model, and one report in turn: «Накладные к оплате» and «Превышена сумма кредита» on a past day,
today or later, «Задолженность по менеджерам», «Оплаты по менеджерам», «Реестр заявок-накладных»,
each client's «Карточка клиента» / «Акт сверки» (opening balance, entries, turnovers, closing) and
the card's «Взаиморасчёты». Derandomized: the same sequences on every run, a failure prints its
steps. 50 sequences of up to 30 steps: 25–50 s here (2 shared cores), most of it PostgreSQL."""

from __future__ import annotations

import datetime
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal as D

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from clients.tests import factories as client_factories
from reports.ledger import figures as ledger_figures
from reports.ledger.figures import Scope
from reports.receivables import figures
from sales import services
from sales.models import Allocation, Invoice, Payment
from sales.services import Line, SalesError
from sales.tests import ledger_model as model
from sales.tests.factories import ContractFactory, ProductFactory

EXAMPLES, STEPS = 50, 30
STARTING_STATUSES = (model.SHIPPED, model.CANCELLED, model.REQUEST, model.READY, model.SHIPPED)
MANAGER = figures.GROUPINGS[figures.MANAGER]
TALLY: Counter = Counter()  # what the sequences did, over all of them


@dataclass
class World:
    """What the sequences share and never change: two managers, two clients, a contract of each
    (10 credit days for the first, none for the second) and two products."""

    managers: list
    clients: list
    contracts: list
    products: list

    def credit_days(self, contract) -> int:
        return (contract.credit_days or 0) if contract else 0


@pytest.fixture
def world(db) -> World:
    managers = [client_factories.manager(username=f"ledger{n}") for n in (1, 2)]
    clients = [client_factories.ClientFactory(name=f"Покупатель {n}", responsible=managers[0]) for n in (1, 2)]
    contracts = [
        ContractFactory(client=clients[0], number="К-1", credit_limit=D("5000.00"), credit_days=10),
        ContractFactory(client=clients[1], number="К-2", credit_limit=None, credit_days=None),
    ]
    products = [ProductFactory(name="Виджет"), ProductFactory(name="Гаджет")]
    return World(managers, clients, contracts, products)


class LedgerMachine(RuleBasedStateMachine):
    world: World  # set by the test: its fixture rows
    invoices = Bundle("invoices")
    payments = Bundle("payments")

    def __init__(self):
        super().__init__()
        self.model = model.Ledger()
        self.checks = self.phase = 0
        self.savepoint = transaction.atomic()
        self.savepoint.__enter__()

    def teardown(self):
        transaction.set_rollback(True)
        self.savepoint.__exit__(None, None, None)

    # --- helpers

    def refused(self, call, why: str) -> None:
        """The operation must be refused for the model's reason; that it changed nothing the
        invariants tell after the step, the model being unchanged."""
        with pytest.raises(SalesError, match=re.escape(model.REFUSALS[why])):
            call()
        self.tally(f"refused: {why}")

    def aim(self, data, drawn: int, fitting: list[int], what: str) -> int:
        """The document drawn from its bundle or, mostly, when it does not fit the operation, one
        that does: refused operations stay, but do not crowd out the rest."""
        if drawn in fitting or not fitting or not data.draw(st.integers(0, 3), label=f"aim at a fitting {what}"):
            return drawn
        return data.draw(st.sampled_from(fitting), label=what)

    def tally(self, what: str) -> None:
        TALLY[what] += 1
        event(what)

    def lines(self, drawn) -> tuple[list[Line], D]:
        lines = [Line(self.world.products[p], q, price, discount) for p, q, price, discount in drawn]
        return lines, sum((model.line_amount(q, price, discount) for _p, q, price, discount in drawn), model.ZERO)

    def index(self, client_id: int) -> int:
        return [c.pk for c in self.world.clients].index(client_id)

    # --- invoices

    def new_invoice(self, client, under_contract, manager, offset, drawn) -> int:
        w = self.world
        contract = w.contracts[client] if under_contract else None
        lines, total = self.lines(drawn)
        invoice = Invoice(
            client=w.clients[client],
            contract=contract,
            manager=None if manager is None else w.managers[manager],
            date=model.day(offset),
        )
        saved = services.save_invoice(invoice, lines)
        number = len(self.model.invoices) + 1
        assert (saved.total, saved.open_amount, saved.number) == (total, total, number)
        self.model.invoices[saved.pk] = model.Invoice(
            saved.pk,
            client,
            contract.pk if contract else None,
            saved.manager_id,
            saved.date,
            number,
            total,
            w.credit_days(contract),
        )
        return saved.pk

    def advance(self, invoice: int, status: str, after: int) -> None:
        """The status buttons one after another up to `status`, from where the invoice stands."""
        path = (model.REQUEST, model.IN_WORK, model.READY, model.SHIPPED)
        current = self.model.invoices[invoice].status
        if current in path and path.index(current) < path.index(status):
            for next_status in path[path.index(current) + 1 : path.index(status) + 1]:
                self.move(invoice, next_status, after)

    @initialize(
        target=invoices,
        specs=st.lists(
            st.tuples(model.invoice_specs, st.sampled_from(STARTING_STATUSES), model.after),
            min_size=1,
            max_size=4,
        ),
    )
    def some_invoices(self, specs):
        """Each sequence starts with a few invoices, some of them shipped."""
        made = []
        for spec, status, after in specs:
            made.append(self.new_invoice(*spec))
            if status == model.CANCELLED:
                self.move(made[-1], status, after)
            else:
                self.advance(made[-1], status, after)
        return multiple(*made)

    @initialize(phase=st.integers(0, 10_000))
    def report_dates(self, phase):
        """Where this sequence starts in the turn of reports, days and periods."""
        self.phase = phase

    @rule(target=invoices, spec=model.invoice_specs)
    def create_invoice(self, spec):
        return self.new_invoice(*spec)

    def move(self, invoice: int, status: str, after: int) -> None:
        stored = self.model.invoices[invoice]
        shipped_on = min(stored.date + datetime.timedelta(days=after), model.TODAY)
        if status != model.SHIPPED:
            shipped_on = None

        def call():
            return services.set_status(Invoice(pk=invoice), status, shipped_on=shipped_on)

        why = self.model.move(invoice, status)
        if why:
            self.refused(call, why)
            return
        call()
        stored.status = status
        stored.shipped_on = shipped_on or stored.shipped_on
        self.tally(f"invoice {status}")

    @rule(
        invoice=invoices,
        status=st.sampled_from([model.CANCELLED, model.IN_WORK, model.READY, model.SHIPPED, model.CANCELLED]),
        after=model.after,
        data=st.data(),
    )
    def set_status(self, invoice, status, after, data):
        """A status button, mostly on an invoice whose status it may follow (cancelling a paid one
        among them)."""
        invoices = self.model.invoices
        fitting = [pk for pk in sorted(invoices) if status in model.NEXT_STATUS[invoices[pk].status]]
        self.move(self.aim(data, invoice, fitting, "invoice"), status, after)

    @rule(invoice=invoices, after=model.after)
    def ship(self, invoice, after):
        """«В работу», «Готова к отгрузке», «Отгрузить» one after another."""
        self.advance(invoice, model.SHIPPED, after)

    @rule(invoice=invoices, drawn=model.lines, to_paid=st.sampled_from([None, None, "paid", "below"]), data=st.data())
    def change_lines(self, invoice, drawn, to_paid, data):
        """New lines for an invoice not shipped yet, mostly; or, for one partly paid in advance,
        a line of exactly what is paid or a kopeck less."""
        ledger = self.model
        unclosed = [pk for pk, i in sorted(ledger.invoices.items()) if i.status not in (model.SHIPPED, model.CANCELLED)]
        prepaid = [pk for pk in unclosed if ledger.paid(pk) > 0]
        if to_paid and prepaid:
            invoice = data.draw(st.sampled_from(prepaid), label="invoice paid in advance")
            drawn = [(0, D(1), ledger.paid(invoice) - (model.CENT if to_paid == "below" else model.ZERO), model.ZERO)]
        else:
            invoice = self.aim(data, invoice, unclosed, "invoice")
        stored = Invoice.objects.get(pk=invoice)
        seen = services.lines_fingerprint(stored.lines.all())
        lines, total = self.lines(drawn)

        def call():
            return services.update_invoice(stored, {}, lines, lines_seen=seen)

        why = self.model.lines_refusal(invoice, total)
        if why:
            self.refused(call, why)
            assert services.lines_fingerprint(stored.lines.all()) == seen, "refused lines were written"
        else:
            call()
            self.model.invoices[invoice].total = total
            self.tally("invoice lines changed")

    # --- payments

    def new_payment(self, client, under_contract, manager, offset, amount, share, oldest) -> int:
        """A payment of `amount`, or of the client's (contract's) open amount when `share` says so
        (all of it, a kopeck more, or a third rounded to kopecks), allocated oldest-first or not."""
        w = self.world
        contract = w.contracts[client] if under_contract else None
        owed = self.model.owed(client, contract.pk if contract else None)
        if share and owed >= model.CENT * 3:
            amount = {"all": owed, "more": owed + model.CENT, "third": (owed / 3).quantize(model.CENT)}[share]
        payment = Payment(
            client=w.clients[client],
            contract=contract,
            manager=None if manager is None else w.managers[manager],
            date=model.day(offset),
            amount=amount,
        )
        saved = services.create_payment(payment, allocate_oldest=oldest)
        number = len(self.model.payments) + 1
        assert saved.number == number
        self.model.payments[saved.pk] = model.Payment(
            saved.pk, client, contract.pk if contract else None, saved.manager_id, saved.date, number, amount
        )
        if oldest:
            self.model.allocate(saved.pk, self.model.oldest_first(saved.pk))
        assert saved.unallocated == self.model.free(saved.pk)
        self.tally("payment allocated oldest first" if oldest else "payment")
        return saved.pk

    @initialize(target=payments, specs=st.lists(model.payment_specs, min_size=1, max_size=3))
    def some_payments(self, specs):
        return multiple(*(self.new_payment(*spec) for spec in specs))

    @rule(target=payments, spec=model.payment_specs)
    def receive_payment(self, spec):
        return self.new_payment(*spec)

    @rule(payment=payments)
    def allocate_oldest_first(self, payment):
        plan = self.model.oldest_first(payment)
        allocations = services.allocate_oldest_first(Payment(pk=payment))
        assert sorted(a.invoice_id for a in allocations) == sorted(plan)
        self.model.allocate(payment, plan)
        self.tally("allocated oldest first" if plan else "nothing to allocate oldest first")

    @rule(payment=payments, kind=st.sampled_from(model.KINDS), data=st.data())
    def allocate_by_hand(self, payment, kind, data):
        """«Распределить» with amounts typed against one or two invoices: an amount that fits, the
        whole open amount, a kopeck over, a cancelled invoice, another client's, or anything."""
        ledger = self.model
        payment = self.aim(data, payment, [p for p in sorted(ledger.payments) if ledger.targets(p, kind)], "payment")
        free = ledger.free(payment)
        picks = ledger.targets(payment, kind) or sorted(ledger.invoices)
        chosen = data.draw(st.lists(st.sampled_from(picks), min_size=1, max_size=2, unique=True), label="invoices")
        amounts, rest = {}, free
        for pk in chosen:
            open_now = ledger.open(pk)
            if kind == "fits" and min(open_now, rest) >= model.CENT:
                top = min(open_now, rest)
                amount = data.draw(st.decimals(min_value=model.CENT, max_value=top, places=2), label="amount")
                rest -= amount
            elif kind == "whole" and open_now > 0:
                amount = open_now
            elif kind == "over_invoice":
                amount = open_now + model.CENT
            elif kind == "over_payment":
                amount = free + model.CENT
            elif kind in ("cancelled", "other_client"):
                amount = max(open_now, model.CENT)
            else:
                amount = data.draw(model.amounts, label="amount")
            amounts[pk] = amount

        def call():
            return services.allocate(Payment(pk=payment), amounts)

        why = ledger.refusal(payment, amounts)
        if why:
            self.refused(call, why)
            return
        call()
        ledger.allocate(payment, amounts)
        self.tally("allocated by hand")

    @rule(payment=payments)
    def release(self, payment):
        services.release(Payment(pk=payment))
        self.model.release(payment)
        self.tally("released")

    # --- invariants

    @invariant()
    def documents_agree_with_the_model(self):
        ledger = self.model
        rows = Invoice.objects.values_list("pk", "status", "total", "open_amount", "shipped_on", "due_date", "number")
        assert {pk: rest for pk, *rest in rows} == {
            pk: [i.status, i.total, ledger.open(pk), i.shipped_on, i.due_date, i.number]
            for pk, i in ledger.invoices.items()
        }
        for _pk, _status, total, open_amount, *_rest in rows:
            assert model.ZERO <= open_amount <= total
        rows = Payment.objects.values_list("pk", "amount", "unallocated", "number")
        assert {pk: rest for pk, *rest in rows} == {
            pk: [p.amount, ledger.free(pk), p.number] for pk, p in ledger.payments.items()
        }
        for _pk, amount, unallocated, _number in rows:
            assert model.ZERO <= unallocated <= amount
        allocated = Allocation.objects.values_list("payment_id", "invoice_id", "amount")
        assert {(p, i): a for p, i, a in allocated} == ledger.allocations

    @invariant()
    def a_report_agrees_with_the_model(self):
        """After each step one of the reports, in turn (a report costs what a step does), on a day
        and over a period that move with each check: the receivables on a day before, on or after
        today, a client's ledger of all documents, of the contract or of none over a period or the
        whole history, the card's «Взаиморасчёты», the payments by manager and the register."""
        k = self.checks + self.phase
        self.checks += 1
        on = model.day(k * 5 % (model.DAYS + 4))
        turn = k % 7
        if turn in (1, 5):
            start = None if k % 4 == 1 else k * 7 % (model.DAYS + 1)
            end = min((start or 0) + k * 11 % (model.DAYS + 1), model.DAYS)
            which = ("all", "contract", "none")[k // 3 % 3]
            self.ledger_agrees(turn // 5, which, None if start is None else model.day(start), model.day(end))
        else:
            checks = {
                0: self.receivables_agree,
                2: self.debt_by_manager_agrees,
                3: self.positions_agree,
                4: self.over_limit_agrees,
                6: self.payments_and_register_agree,
            }
            checks[turn](on)

    def receivables_agree(self, on: datetime.date) -> None:
        rows = figures.debt_by_client(figures.receivable(Invoice.objects.all(), on, model.TODAY), on)
        got = [(self.index(r.client_id), r.invoice_count, r.debt, r.overdue, r.days_overdue) for r in rows]
        assert sorted(got) == self.model.debt_by_client(on), f"«Накладные к оплате» on {on}"

    def debt_by_manager_agrees(self, on: datetime.date) -> None:
        table = figures.debt_by(figures.receivable(Invoice.objects.all(), on, model.TODAY), MANAGER, on)
        got = {r.key: (r.figures.invoice_count, r.figures.debt, r.figures.overdue) for r in table.rows}
        assert got == self.model.debt_by_manager(on), f"«Задолженность по менеджерам» on {on}"

    def over_limit_agrees(self, on: datetime.date) -> None:
        unpaid = figures.receivable(Invoice.objects.all(), on, model.TODAY)
        rows = figures.over_limit(unpaid, unpaid, on)
        got = [(self.index(r.client_id), r.contract_id, r.debt, r.overdue) for r in rows]
        limits = {c.pk: c.credit_limit for c in self.world.contracts if c.credit_limit is not None}
        assert sorted(got) == self.model.over_limit(on, limits), f"«Превышена сумма кредита» on {on}"

    def ledger_agrees(self, n: int, which: str, start: datetime.date | None, end: datetime.date) -> None:
        client, contract = self.world.clients[n], self.world.contracts[n]
        scope = Scope(
            client,
            end,
            start=start,
            contract=contract if which == "contract" else None,
            without_contract=which == "none",
        )
        got = ledger_figures.client_ledger(scope)
        entries = [(e.kind, e.day, e.number, e.debit, e.credit, e.balance) for e in got.entries]
        expected = self.model.ledger(n, {"all": None, "contract": contract.pk, "none": "none"}[which], start, end)
        assert (got.opening, entries, got.debit, got.credit, got.closing) == expected, f"the ledger of {scope}"

    def positions_agree(self, on: datetime.date) -> None:
        for n, client in enumerate(self.world.clients):
            position = services.position(client, today=model.TODAY)
            got = (position.debt, position.open_shipped, position.overdue, position.overdue_days, position.advance)
            assert got == self.model.position(n, model.TODAY), f"«Взаиморасчёты» of client {n}"
            # The card's debt is the closing balance of the whole history's «Акт сверки».
            assert got[0] == self.model.ledger(n, None, None, model.TODAY)[-1]

    def payments_and_register_agree(self, on: datetime.date) -> None:
        paid = figures.payments_by(Payment.objects.all(), MANAGER)
        got = {r.key: (r.figures.payment_count, r.figures.amount, r.figures.unallocated) for r in paid.rows}
        assert got == self.model.payments_by_manager(), "«Оплаты по менеджерам»"
        register = figures.register_summary(Invoice.objects.all())
        got = {line.status: (line.count, line.total, line.open) for line in register.lines}
        assert got == self.model.register(), "«Реестр заявок-накладных»"


def test_any_sequence_of_documents_keeps_the_ledger_equal_to_the_model(world):
    TALLY.clear()
    run_state_machine_as_test(
        type("Ledger", (LedgerMachine,), {"world": world}),
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            derandomize=True,  # the same sequences on every run; a failure prints its steps
            database=None,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    print(f"ledger sequences did: {dict(sorted(TALLY.items()))}")
    # The sequences reach every operation and the usual refusals (the rare ones have tests below):
    # strategies that stop reaching one fail here.
    done = {"invoice shipped", "invoice cancelled", "invoice lines changed", "allocated by hand", "released"}
    done |= {"payment", "payment allocated oldest first", "allocated oldest first"}
    # (Which sequences are drawn varies with the process's hash seed: a refusal reached a few times
    # per run may be missed in one, so those have plain tests.)
    rare = {"a cancelled invoice", "a paid invoice cancelled", "a total below what is paid", "over the invoice"}
    done |= {f"refused: {why}" for why in model.REFUSALS.keys() - rare}
    assert {what for what in done if not TALLY[what]} == set(), "operations the sequences never reached"


@pytest.mark.parametrize(
    ("cancelled", "allocated", "reason"),
    [(True, "0.01", "a cancelled invoice"), (False, "10.01", "over the invoice")],
    ids=["to a cancelled invoice", "beyond what the invoice still needs"],
)
def test_a_payment_is_not_allocated_where_it_may_not_be(world, cancelled, allocated, reason):
    buyer, widget = world.clients[0], world.products[0]
    invoice = services.save_invoice(Invoice(client=buyer, date=model.START), [Line(widget, D(1), D("10.00"))])
    if cancelled:
        services.set_status(invoice, model.CANCELLED)
    payment = services.create_payment(Payment(client=buyer, date=model.START, amount=D("20.00")), allocate_oldest=False)
    with pytest.raises(SalesError, match=model.REFUSALS[reason]):
        services.allocate(payment, {invoice.pk: D(allocated)})
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert (payment.unallocated, invoice.open_amount, Allocation.objects.count()) == (D("20.00"), D("10.00"), 0)


def test_an_invoice_paid_in_advance_is_not_cancelled_nor_made_less_than_paid(world):
    buyer, widget = world.clients[0], world.products[0]
    invoice = services.save_invoice(Invoice(client=buyer, date=model.START), [Line(widget, D(3), D("33.33"))])
    services.create_payment(Payment(client=buyer, date=model.START, amount=D("33.34")))  # oldest first
    with pytest.raises(SalesError, match=model.REFUSALS["a paid invoice cancelled"]):
        services.set_status(invoice, model.CANCELLED)
    with pytest.raises(SalesError, match=model.REFUSALS["a total below what is paid"]):
        services.update_invoice(invoice, {}, [Line(widget, D(1), D("33.33"))])
    invoice.refresh_from_db()
    assert (invoice.status, invoice.total, invoice.open_amount) == (model.REQUEST, D("99.99"), D("66.65"))
    assert services.lines_fingerprint(invoice.lines.all()) == f"{widget.pk}:3.000:33.33:0.00"
    invoice = services.update_invoice(invoice, {}, [Line(widget, D(1), D("33.34"))])  # exactly what is paid
    assert (invoice.total, invoice.open_amount) == (D("33.34"), D("0.00"))
