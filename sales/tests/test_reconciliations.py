"""«Акты сверки» as documents: numbering, frozen figures, the state machine and its illegal moves,
the client's answer with the difference, the scan's limits, the reminder in «Мои дела» after N days
and not before, who sees and changes what, the list's filters and its queries."""

import datetime
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from clients.tests import factories as client_factories
from crm import roles
from sales.ledger import Scope
from sales.models import Reconciliation
from sales.services import Line, SalesError
from sales.services import reconciliations as services
from sales.services.reconciliations import State
from sales.tests.conftest import make_invoice, ship

LIST = reverse("sales:reconciliation_list")
MY_WORK = reverse("tasks:my")
END = datetime.date(2026, 3, 31)


def url(name: str, act: Reconciliation) -> str:
    return reverse(f"sales:{name}", args=[act.pk])


def listed(page: str, act: Reconciliation) -> bool:
    return f'href="{act.get_absolute_url()}"' in page


def text(response) -> str:
    return response.content.decode().replace("\xa0", " ")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def act(buyer, invoice, owner):
    ship(invoice)  # 200.00 shipped on 02.03.2026
    return services.make_reconciliation(Scope(client=buyer, end=END), owner, date=datetime.date(2026, 4, 1))


def sent(act, user, days_ago: float) -> Reconciliation:
    services.move(act, State.SENT, user, now=timezone.now() - datetime.timedelta(days=days_ago))
    act.refresh_from_db()
    return act


# --- the document -------------------------------------------------------------------------------------


def test_acts_are_numbered_within_their_year(buyer, owner):
    scope = Scope(client=buyer, end=END)
    numbers = [
        (a.year, a.number)
        for a in (
            services.make_reconciliation(scope, owner, date=datetime.date(2026, 4, 1)),
            services.make_reconciliation(scope, owner, date=datetime.date(2026, 5, 1)),
            services.make_reconciliation(scope, owner, date=datetime.date(2027, 1, 10)),
        )
    ]
    assert numbers == [(2026, 1), (2026, 2), (2027, 1)]
    assert str(Reconciliation.objects.get(year=2027)) == "Акт сверки № 1 от 10.01.2027"


def test_the_figures_are_frozen_when_the_act_is_made(act, buyer, widget):
    assert (act.opening, act.debit, act.credit, act.closing) == (D("0"), D("200.00"), D("0"), D("200.00"))
    ship(make_invoice(buyer, [Line(widget, D(1), D("50.00"))]), on=datetime.date(2026, 3, 20))
    act.refresh_from_db()
    assert act.closing == D("200.00")
    assert act.file.read().startswith(b"PK")
    assert [e.kind for e in act.events.all()] == ["made"]


def test_an_act_goes_made_sent_then_signed_or_disputed(act, owner):
    act = sent(act, owner, 0)
    assert act.state == "sent" and act.sent_at is not None
    assert [label for _, label in services.allowed_moves(act)] == ["Подписан", "Разногласия"]
    disputed = services.move(act, State.DISPUTED, owner)
    assert services.move(disputed, State.SIGNED, owner).state == "signed"
    assert [(e.kind, e.user) for e in act.events.all()] == [
        ("made", owner),
        ("sent", owner),
        ("disputed", owner),
        ("signed", owner),
    ]


@pytest.mark.parametrize(
    ("before", "to"),
    [((), State.SIGNED), ((), State.DISPUTED), ((State.SENT, State.SIGNED), State.DISPUTED), ((), "archived")],
)
def test_an_illegal_move_raises_and_changes_nothing(act, owner, before, to):
    for state in before:
        services.move(act, state, owner)
    with pytest.raises(SalesError, match="перевести его"):
        services.move(act, to, owner)
    act.refresh_from_db()
    assert act.state == (before[-1] if before else "made")
    assert act.events.count() == 1 + len(before)


def test_the_answer_gives_the_difference(act, owner):
    with pytest.raises(SalesError, match="ещё не отправлен"):
        services.record_answer(act, owner, answered_on=datetime.date(2026, 4, 5), their_closing=D("150.00"))
    act = sent(act, owner, 1)
    services.record_answer(
        act, owner, answered_on=datetime.date(2026, 4, 5), their_closing=D("150.00"), comment="Нет оплаты № 3"
    )
    act.refresh_from_db()
    assert (act.their_closing, act.difference, act.comment) == (D("150.00"), D("50.00"), "Нет оплаты № 3")
    assert act.events.last().kind == "answered"


# --- the pages ----------------------------------------------------------------------------------------


def test_the_page_moves_the_act_and_says_when_it_cannot(client, act, owner):
    client.force_login(owner)
    page = text(client.get(url("reconciliation_detail", act)))
    assert 'id="move-sent"' in page and 'id="move-signed"' not in page and 'id="answer-form"' not in page
    response = client.post(url("reconciliation_move", act), {"state": "signed"})
    assert response.status_code == 400
    assert "Акт в состоянии «Сформирован»: перевести его в «Подписан» нельзя." in text(response)
    assert client.post(url("reconciliation_move", act), {"state": "sent"}).status_code == 302
    page = text(client.get(url("reconciliation_detail", act)))
    assert 'id="move-signed"' in page and 'id="move-disputed"' in page and 'id="answer-form"' in page


def test_the_answer_form_keeps_the_scan_within_the_limits(client, act, owner, settings):
    settings.TASK_ATTACHMENT_MAX_BYTES = 1024
    act = sent(act, owner, 1)
    client.force_login(owner)
    answer = url("reconciliation_answer", act)
    fields = {"answered_on": "05.04.2026", "their_closing": "150,00", "comment": "Расхождение"}
    response = client.post(answer, {**fields, "scan": SimpleUploadedFile("big.pdf", b"x" * 2048)})
    assert response.status_code == 400 and "Файл больше" in text(response)
    response = client.post(answer, {**fields, "scan": SimpleUploadedFile("run.exe", b"MZ")})
    assert response.status_code == 400 and "Файлы «.exe» не принимаются" in text(response)
    response = client.post(answer, {**fields, "answered_on": "вчера"})
    assert response.status_code == 400
    act.refresh_from_db()
    assert act.answered_on is None and not act.answer_file

    response = client.post(answer, {**fields, "scan": SimpleUploadedFile("акт.pdf", b"%PDF-1.4 signed")})
    assert response.status_code == 302
    page = text(client.get(url("reconciliation_detail", act)))
    assert '<dd class="col-sm-7 text-danger fw-semibold" id="answer-difference">50,00</dd>' in page
    scan = client.get(url("reconciliation_scan", act))
    assert b"".join(scan.streaming_content) == b"%PDF-1.4 signed"
    assert "attachment" in scan["Content-Disposition"]


def test_the_make_form_says_what_is_wrong(client, buyer, owner, contract):
    client.force_login(owner)
    create = reverse("sales:reconciliation_create")
    bad = {"client": buyer.pk, "contract": "", "start": "31.03.2026", "end": "01.03.2026"}
    response = client.post(create, bad)
    assert response.status_code == 400 and "Конец периода раньше его начала." in text(response)
    assert client.post(create, {**bad, "start": "", "end": "31.12.9999"}).status_code == 400
    assert client.post(create, {**bad, "start": "", "contract": "12345"}).status_code == 400
    assert client.get(create, {"client": "x"}).status_code == 404
    assert not Reconciliation.objects.exists()
    response = client.post(create, {**bad, "start": "", "contract": contract.pk})
    assert response.status_code == 302
    assert Reconciliation.objects.get().contract == contract


# --- «Мои дела» ---------------------------------------------------------------------------------------


def test_my_work_reminds_of_an_act_unanswered_after_n_days_and_not_before(client, act, owner, settings):
    settings.RECONCILIATION_ANSWER_DAYS = 10
    client.force_login(owner)
    act = sent(act, owner, 9.9)
    assert 'id="acts-waiting"' not in text(client.get(MY_WORK))
    Reconciliation.objects.filter(pk=act.pk).update(sent_at=timezone.now() - datetime.timedelta(days=10, hours=1))
    page = text(client.get(MY_WORK))
    assert 'id="acts-waiting"' in page and str(act) in page
    assert list(services.waiting_for_answer(owner)) == [act]
    services.record_answer(act, owner, answered_on=timezone.localdate(), their_closing=None)
    assert 'id="acts-waiting"' not in text(client.get(MY_WORK))


# --- access and queries -------------------------------------------------------------------------------


def test_the_owner_and_management_see_the_act_a_colleague_does_not(client, act, owner, colleague, boss, head):
    pages = [url(name, act) for name in ("reconciliation_detail", "reconciliation_file")]
    for user in (owner, boss, head):
        client.force_login(user)
        assert [client.get(page).status_code for page in pages] == [200, 200], user
        assert listed(text(client.get(LIST)), act)
    client.force_login(colleague)
    assert [client.get(page).status_code for page in pages] == [404, 404]
    assert client.post(url("reconciliation_move", act), {"state": "sent"}).status_code == 404
    assert not listed(text(client.get(LIST)), act)
    assert client.get(reverse("sales:reconciliation_create"), {"client": act.client_id}).status_code == 403


def test_a_sales_head_reads_but_does_not_move_and_an_outsider_is_refused(client, act, head):
    client.force_login(head)
    page = text(client.get(url("reconciliation_detail", act)))
    assert 'id="move-sent"' not in page
    assert client.post(url("reconciliation_move", act), {"state": "sent"}).status_code == 403
    client.force_login(client_factories.UserFactory(username="nobody"))
    assert client.get(url("reconciliation_detail", act)).status_code == 403
    assert client.get(LIST).status_code == 403
    act.refresh_from_db()
    assert act.state == "made"


def test_the_list_filters_by_state_and_overdue_answer_in_a_bounded_number_of_queries(
    client, buyer, owner, boss, django_assert_max_num_queries
):
    scope = Scope(client=buyer, end=END)
    acts = [services.make_reconciliation(scope, owner) for _ in range(6)]
    late, recent = sent(acts[0], owner, 30), sent(acts[1], owner, 1)
    client.force_login(boss)
    with django_assert_max_num_queries(12) as few:
        client.get(LIST)
    more = [services.make_reconciliation(scope, owner) for _ in range(10)]
    with django_assert_max_num_queries(len(few)):
        page = text(client.get(LIST))
    assert all(listed(page, a) for a in acts + more)
    overdue = text(client.get(LIST, {"overdue": "on"}))
    assert listed(overdue, late) and not listed(overdue, recent)
    by_state = text(client.get(LIST, {"state": "sent"}))
    assert listed(by_state, recent) and not listed(by_state, more[0])
    assert client.get(LIST, {"state": "nonsense", "period_after": "xx"}).status_code == 200


def test_the_client_card_shows_its_acts(client, act, owner):
    client.force_login(owner)
    page = text(client.get(act.client.get_absolute_url()))
    assert 'id="client-reconciliations"' in page and str(act) in page
    boss = client_factories.UserFactory(username="reader", role=roles.SUPERVISOR)
    client.force_login(boss)
    assert str(act) in text(client.get(act.client.get_absolute_url()))
