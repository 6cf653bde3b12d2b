"""«Проверка по ИНН» against a local imitation of DaData's «find party by ID» (never the real service):
what changed becomes proposals, the register's state a red mark; the run is polite and resumable."""

from __future__ import annotations

import datetime
import json
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from clients import services
from clients.jobs import recheck_counterparties
from clients.models import Client, ClientChange, RecheckProposal, RecheckRun
from clients.services import recheck
from clients.tests import factories
from clients.tests.test_company_data import MOSCOW, TOKEN, FakeDadata, party, serving
from crm import roles, runs
from crm.testing import logged_in, opened_form

Proposal = RecheckProposal
LATE = 0.3  # how long the fake makes a «slow» client wait, longer than the timeout below


class FakeRegister(FakeDadata):
    """The parties it knows (ИНН → its answer), the ИНН it answers too late for, and every call."""

    parties: dict[str, dict] = {}
    late: set[str] = set()
    calls: list[tuple[str, float]] = []

    def do_POST(self):
        inn = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))["query"]
        self.calls.append((inn, time.monotonic()))
        if inn in self.late:
            time.sleep(LATE)
        self.reply(200, {"suggestions": [self.parties[inn]] if inn in self.parties else []})


@pytest.fixture(scope="module")
def register_server():
    with serving(FakeRegister) as url:
        yield url


@pytest.fixture
def register(register_server, settings):
    FakeRegister.parties, FakeRegister.late, FakeRegister.calls = {}, set(), []
    settings.DADATA_TOKEN, settings.DADATA_URL = TOKEN, register_server
    settings.COMPANY_DATA_TIMEOUT = 0.1
    settings.CLIENTS_RECHECK_RATE = 1000
    settings.CLIENTS_RECHECK_MAX_ERRORS = 3
    return FakeRegister


def knows(
    client: Client, name: str, *, kpp: str = "773101001", address: str = "г Москва, ул Тверская, д 1", status="ACTIVE"
):
    """The register's record of the client's ИНН."""
    answer = party(client.inn, "LEGAL", name, name.upper(), kpp, address, MOSCOW)
    answer["data"]["state"] = {"status": status}
    FakeRegister.parties[client.inn] = answer


def check() -> RecheckRun:
    """A run, started as the beat starts it and done here (the eager way of the demo)."""
    run = RecheckRun.objects.create()
    return recheck.execute_recheck_run(run.pk)


def proposals(**filters) -> set[tuple]:
    rows = Proposal.objects.filter(**filters)
    return {(p.client.name, p.field, p.old_value, p.new_value, p.state) for p in rows}


def test_what_the_register_holds_otherwise_is_proposed_and_its_state_is_written(db, register):
    moved = factories.ClientFactory(name="Моторика", kpp="773101001", legal_address="г Москва, ул Арбат, д 2")
    same = factories.ClientFactory(name="ООО «Ромашка»", kpp="773601001", legal_address="г Москва, ул Тверская, д 1")
    unknown = factories.ClientFactory(name="Неизвестный")
    factories.ClientFactory(name="Без ИНН", inn="")
    knows(moved, 'ООО "МОТОРИКА"', status="LIQUIDATING")
    knows(same, 'ООО "РОМАШКА"', kpp="773601001")  # the same, but for quotes and case

    run = check()

    assert (run.state, run.total, run.asked, run.proposed, run.closing, run.not_found, run.errors) == (
        RecheckRun.State.DONE,
        3,
        3,
        2,
        1,
        1,
        0,
    )
    assert proposals() == {
        ("Моторика", "name", "Моторика", "ООО «МОТОРИКА»", "proposed"),
        ("Моторика", "legal_address", "г Москва, ул Арбат, д 2", "г Москва, ул Тверская, д 1", "proposed"),
    }
    assert sorted(inn for inn, _at in register.calls) == sorted([moved.inn, same.inn, unknown.inn])
    moved.refresh_from_db()
    assert moved.registry_status == Client.RegistryStatus.LIQUIDATING and moved.is_closing
    assert moved.name == "Моторика"  # a proposal, not a change
    entry = ClientChange.objects.get(client=moved)
    assert (entry.source, entry.user, entry.changes[0]["field"]) == ("recheck", None, "registry_status")
    assert Client.objects.get(pk=same.pk).registry_status == "active"


def test_a_second_run_does_not_repeat_an_open_proposal_and_renews_a_changed_one(db, register):
    moved = factories.ClientFactory(name="Моторика", kpp="773101001", legal_address="г Москва, ул Тверская, д 1")
    knows(moved, "ООО «МОТОРИКА»")
    check()
    first = Proposal.objects.get()

    assert check().proposed == 0
    knows(moved, "АО «МОТОРИКА»")
    assert check().proposed == 1

    assert proposals() == {("Моторика", "name", "Моторика", "АО «МОТОРИКА»", "proposed")}
    assert Proposal.objects.get().pk == first.pk

    Client.objects.filter(pk=moved.pk).update(name="АО «Моторика»")  # set by hand meanwhile
    check()
    assert not Proposal.objects.exists()


@pytest.fixture
def proposed(db, register, owner):
    """Two clients of `owner` with proposals: a name and an address, a КПП."""
    one = factories.ClientFactory(name="Моторика", kpp="773101001", legal_address="старый адрес", responsible=owner)
    two = factories.ClientFactory(name="ООО «Ромашка»", kpp="773601001", legal_address="г Москва", responsible=owner)
    knows(one, "ООО «МОТОРИКА»", address="новый адрес")
    knows(two, "ООО «Ромашка»", kpp="773602002", address="г Москва")
    check()
    return one, two


def ids(*fields) -> list[int]:
    return list(Proposal.objects.filter(field__in=fields).values_list("pk", flat=True))


def test_accepting_one_writes_the_card_under_the_user(proposed, owner):
    one, _two = proposed
    [name] = ids("name")

    response = logged_in(owner).post(reverse("clients:recheck_decide"), {"accept": name, "query": "field=name"})

    assert response.status_code == 302 and response["Location"] == reverse("clients:recheck") + "?field=name"
    one.refresh_from_db()
    assert one.name == "ООО «МОТОРИКА»" and one.legal_address == "старый адрес"
    entry = ClientChange.objects.filter(client=one, user=owner).get()
    assert entry.source == ClientChange.Source.RECHECK
    assert entry.changes == [{"field": "name", "old": "Моторика", "new": "ООО «МОТОРИКА»"}]
    decided = Proposal.objects.get(pk=name)
    assert (decided.state, decided.decided_by) == (Proposal.State.ACCEPTED, owner)
    assert Proposal.objects.filter(state=Proposal.State.PROPOSED).count() == 2


def test_ticked_ones_are_accepted_or_rejected_together(proposed, owner):
    one, two = proposed
    browser = logged_in(owner)

    browser.post(reverse("clients:recheck_decide"), {"bulk": "reject", "proposal": ids("kpp")})
    form = opened_form(browser, reverse("clients:recheck"), "recheck-form")  # as the browser sends it
    assert form["csrfmiddlewaretoken"] and "proposal" not in form
    form.update(bulk="accept", proposal=[str(pk) for pk in ids("name", "legal_address")])
    page = browser.post(reverse("clients:recheck_decide"), form, follow=True)

    assert "Принято изменений: 2" in page.content.decode()
    one.refresh_from_db(), two.refresh_from_db()
    assert (one.name, one.legal_address, two.kpp) == ("ООО «МОТОРИКА»", "новый адрес", "773601001")
    assert set(Proposal.objects.values_list("field", "state")) == {
        ("name", "accepted"),
        ("legal_address", "accepted"),
        ("kpp", "rejected"),
    }
    assert ClientChange.objects.filter(client=one, user=owner).count() == 1  # one entry for both fields


def test_a_proposal_whose_card_changed_meanwhile_is_refused_with_a_message(proposed, owner):
    one, _two = proposed
    services.write([services.ClientChangeSet(one, fields={"name": "Моторика-Плюс"})], user=owner, source="form")

    page = logged_in(owner).post(reverse("clients:recheck_decide"), {"accept": ids("name")[0]}, follow=True)

    assert "сейчас «Моторика-Плюс», а предложение сделано для «Моторика»" in page.content.decode()
    assert Client.objects.get(pk=one.pk).name == "Моторика-Плюс"
    assert Proposal.objects.get(field="name").state == Proposal.State.PROPOSED


def test_nothing_ticked_is_a_message_not_an_error(proposed, owner):
    page = logged_in(owner).post(reverse("clients:recheck_decide"), {"bulk": "accept"}, follow=True)
    assert "Отметьте изменения" in page.content.decode()


def counterparties(count: int) -> list[Client]:
    """Clients whose name only the register holds otherwise: one proposal each."""
    clients = factories.ClientFactory.create_batch(count, kpp="773101001", legal_address="г Москва, ул Тверская, д 1")
    for n, client in enumerate(clients):
        knows(client, f"ООО «КЛИЕНТ {n}»")
    return clients


def test_a_provider_that_times_out_stops_the_run_which_resumes_from_its_position(db, register, monkeypatch):
    monkeypatch.setattr(recheck, "STEP", 2)  # several committed steps
    clients = counterparties(8)
    register.late = {clients[1].inn, clients[3].inn, clients[4].inn, clients[5].inn}  # 3 in a row stop it

    run = check()

    assert run.state == RecheckRun.State.FAILED and "не ответил 3 раз подряд" in run.error
    assert (run.position, run.asked, run.errors, run.proposed) == (clients[5].pk, 6, 4, 2)
    assert Proposal.objects.count() == 2  # clients 0 and 2: the steps before the failure are kept

    register.late = set()  # the service is back; the beat (or «Запустить ещё раз») continues the run
    assert services.start_recheck().pk == run.pk
    run = recheck.execute_recheck_run(run.pk)

    assert (run.state, run.asked, run.errors, run.proposed) == (RecheckRun.State.DONE, 8, 4, 4)
    asked = [inn for inn, _at in register.calls]
    assert asked == [c.inn for c in clients]  # each once, in order
    assert services.start_recheck().pk != run.pk  # a finished run is not continued: a new one starts


def test_a_run_whose_worker_died_is_continued_after_its_last_committed_step(db, register, monkeypatch):
    clients = counterparties(4)
    run = RecheckRun.objects.create(
        state=RecheckRun.State.RUNNING,
        started_at=timezone.now() - datetime.timedelta(minutes=5),  # no step for minutes, no lock
        position=clients[1].pk,
        total=4,
        asked=2,
    )
    assert runs.sweep()["failed"] == 1

    monkeypatch.setattr(runs, "queue", lambda run: None)  # the beat's job, its message on the way
    assert services.start_recheck().pk == run.pk
    run = recheck.execute_recheck_run(run.pk)

    assert (run.state, run.asked, run.proposed) == (RecheckRun.State.DONE, 4, 2)
    assert [inn for inn, _at in register.calls] == [clients[2].inn, clients[3].inn]


def test_a_run_past_its_time_goes_back_to_the_queue_and_a_duplicate_job_does_nothing(db, register, monkeypatch):
    monkeypatch.setattr(recheck, "STEP", 2)
    counterparties(3)
    queued = []
    monkeypatch.setattr(runs, "queue", queued.append)
    run = RecheckRun.objects.create()

    def step(run):
        run.asked += 1
        return False

    assert runs.execute_in_steps(RecheckRun, run.pk, step, failure="", budget=0).state == RecheckRun.State.QUEUED
    assert [r.pk for r in queued] == [run.pk] and RecheckRun.objects.get(pk=run.pk).asked == 1
    assert recheck.execute_recheck_run(run.pk).state == RecheckRun.State.DONE
    assert recheck.execute_recheck_run(run.pk) is None  # redelivered: the claim refuses it
    assert len(register.calls) == 3


def test_one_failure_is_counted_and_skipped(db, register):
    clients = counterparties(3)
    register.late = {clients[1].inn}

    run = check()

    assert (run.state, run.asked, run.errors, run.proposed) == (RecheckRun.State.DONE, 3, 1, 2)


def test_the_rate_limit_spaces_the_calls(db, register, settings):
    settings.CLIENTS_RECHECK_RATE = 25
    factories.ClientFactory.create_batch(20)

    check()

    times = [at for _inn, at in register.calls]
    assert len(times) == 20
    window = 0.4  # at most 25 × 0.4 = 10 calls in any 0.4 s (one more at the window's very edge)
    assert max(sum(1 for t in times if start <= t < start + window) for start in times) <= 11
    assert times[-1] - times[0] >= 19 / 25 * 0.9


def test_the_limiter_waits_for_each_calls_turn():
    now, slept = [0.0], []

    def sleep(seconds):
        slept.append(round(seconds, 3))
        now[0] += seconds

    limit = recheck.RateLimit(4, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        limit.wait()
    now[0] += 1.0  # a pause longer than the interval: no wait
    limit.wait()

    assert slept == [0.25, 0.25]


def test_an_unconfigured_provider_fails_the_run_with_a_message(db, settings):
    settings.DADATA_TOKEN = ""
    factories.ClientFactory()
    run = check()
    assert run.state == RecheckRun.State.FAILED and "DADATA_TOKEN" in run.error


# --- who sees what -----------------------------------------------------------------------------------


def test_the_owner_sees_their_proposals_a_colleague_does_not(proposed, owner, colleague, django_assert_max_num_queries):
    url = reverse("clients:recheck")
    browser = logged_in(owner)
    with django_assert_max_num_queries(7):
        page = browser.get(url).content.decode()
    assert "ООО «МОТОРИКА»" in page and "773602002" in page and 'id="recheck-start"' not in page

    assert "ООО «МОТОРИКА»" not in logged_in(colleague).get(url).content.decode()
    logged_in(colleague).post(reverse("clients:recheck_decide"), {"bulk": "accept", "proposal": ids("name")})
    assert Proposal.objects.get(field="name").state == Proposal.State.PROPOSED


def test_a_supervisor_sees_every_proposal_and_the_last_run(proposed, boss, django_assert_max_num_queries):
    browser = logged_in(boss)
    with django_assert_max_num_queries(8):
        page = browser.get(reverse("clients:recheck") + "?field=kpp").content.decode()
    assert "773602002" in page and "новый адрес" not in page
    assert 'id="recheck-start"' in page and "Проверено 2 из 2" in page


def test_outsiders_and_sales_heads_may_not_open_it(proposed, outsider):
    sales_head = factories.UserFactory(username="head", role=roles.SALES_HEAD)
    for user in (outsider, sales_head):
        assert logged_in(user).get(reverse("clients:recheck")).status_code == 403
        assert logged_in(user).post(reverse("clients:recheck_decide"), {"accept": ids("name")[0]}).status_code == 403


def test_only_supervisors_start_a_check(db, owner, boss, monkeypatch):
    started = []
    monkeypatch.setattr(runs, "queue", started.append)
    assert logged_in(owner).post(reverse("clients:recheck_start")).status_code == 403
    assert logged_in(boss).post(reverse("clients:recheck_start")).status_code == 302
    assert started == [RecheckRun.objects.get()]


# --- the red mark ------------------------------------------------------------------------------------


def test_a_closing_counterparty_is_marked_red_on_its_card_and_in_the_list(db, boss):
    gone = factories.ClientFactory(name="Ушедшие", registry_status=Client.RegistryStatus.LIQUIDATED)
    alive = factories.ClientFactory(name="Живые", registry_status=Client.RegistryStatus.ACTIVE)
    browser = logged_in(boss)

    card = browser.get(reverse("clients:detail", args=[gone.pk])).content.decode()
    assert 'id="client-closing"' in card and "Ликвидирована" in card
    assert 'id="client-closing"' not in browser.get(reverse("clients:detail", args=[alive.pk])).content.decode()

    listed = browser.get(reverse("clients:list")).content.decode()
    mark = '<span class="badge text-bg-danger closing-mark">Ликвидирована</span>'
    assert f'<a href="/clients/{gone.pk}/">Ушедшие</a> {mark}' in listed
    assert f'<td><a href="/clients/{alive.pk}/">Живые</a></td>' in listed  # unmarked rows as before


def test_the_list_shows_the_counterparties_in_a_chosen_state_or_those_never_checked(db, boss):
    gone = factories.ClientFactory(name="Ушедшие", registry_status=Client.RegistryStatus.LIQUIDATED)
    factories.ClientFactory(name="Живые", registry_status=Client.RegistryStatus.ACTIVE)
    unchecked = factories.ClientFactory(name="Непроверенные")
    browser = logged_in(boss)

    def listed(**query) -> set[int]:
        response = browser.get(reverse("clients:list"), query)
        assert response.status_code == 200
        return {row.record.pk for row in response.context["table"].page.object_list}

    page = browser.get(reverse("clients:list")).content.decode()
    assert 'name="registry_status"' in page and "Состояние по ЕГРЮЛ" in page
    assert listed(registry_status="liquidated") == {gone.pk}
    assert listed(registry_status="__none__") == {unchecked.pk}
    refused = browser.get(reverse("clients:list"), {"registry_status": "dead"})
    assert "Выберите корректный вариант" in refused.content.decode()  # said on the page, not a 500


# --- on the worker -----------------------------------------------------------------------------------


def test_the_weekly_job_checks_on_the_worker(celery_worker, register):
    clients = counterparties(3)

    run_id = recheck_counterparties.delay().get(timeout=30)

    deadline = time.monotonic() + 30
    while (run := RecheckRun.objects.get(pk=run_id)).state not in (RecheckRun.State.DONE, RecheckRun.State.FAILED):
        assert time.monotonic() < deadline, f"the run is still {run.state}"
        time.sleep(0.05)
    assert (run.state, run.asked, run.proposed) == (RecheckRun.State.DONE, 3, 3)
    assert set(Proposal.objects.values_list("client", flat=True)) == {c.pk for c in clients}
