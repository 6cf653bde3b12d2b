"""The notices made from the tasks' events and by the beat's pass, each once, as each user chose;
the letter they make (a burst is one letter)."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from django.core import mail as outbox
from django.utils import timezone

from clients.tests.factories import ClientFactory
from funnel import services as funnel_services
from funnel.models import Deal
from funnel.tests.factories import FunnelFactory, stages
from notifications import mail, scan, services, sources
from notifications.models import Kind, Notification, Scan
from notifications.tests.factories import person
from sales.models import Invoice
from tasks import services as task_services

pytestmark = pytest.mark.django_db
Email = Notification.Email


def kinds_of(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("pk").values_list("kind", flat=True))


def test_a_task_given_returned_done_and_accepted_reaches_each_person_once(django_capture_on_commit_callbacks):
    executor, boss, author = person("ivanov"), person("petrov", boss=True), person("sidorov", boss=True)
    with django_capture_on_commit_callbacks(execute=True):
        task = task_services.create_task(
            title="Позвонить", executor=executor, reviewer=boss, author=author, due_date=datetime.date(2026, 12, 31)
        )
    given = Notification.objects.get(recipient=executor)
    assert (given.kind, given.in_bell, given.email_state) == (Kind.ASSIGNED, True, Email.PENDING)
    assert given.text == "Вам поручена задача «Позвонить», дата исполнения 31.12.2026"
    assert given.link == task.get_absolute_url()

    for who, action, comment in [
        (executor, "complete", ""),
        (boss, "return", "Нет телефона"),
        (executor, "complete", ""),
        (boss, "accept", ""),
    ]:
        with django_capture_on_commit_callbacks(execute=True):
            task_services.transition(task, who, action, comment=comment)

    assert kinds_of(executor) == [Kind.ASSIGNED, Kind.RETURNED, Kind.ACCEPTED]
    assert kinds_of(boss) == [Kind.REVIEW, Kind.REVIEW]  # one per iteration; not of their own acceptance
    assert kinds_of(author) == [Kind.ACCEPTED]
    returned = Notification.objects.get(recipient=executor, kind=Kind.RETURNED)
    assert returned.text == "Задача «Позвонить» возвращена вам на доработку: Нет телефона"


def test_a_task_done_without_a_reviewer_tells_its_author_only(django_capture_on_commit_callbacks):
    executor, author = person("ivanov"), person("sidorov", boss=True)
    with django_capture_on_commit_callbacks(execute=True):
        task = task_services.create_task(title="Позвонить", executor=executor, author=author)
        task_services.transition(task, executor, "complete")
    assert kinds_of(executor) == [Kind.ASSIGNED] and kinds_of(author) == [Kind.ACCEPTED]


def test_hearing_an_event_twice_makes_its_notice_once(django_capture_on_commit_callbacks):
    executor = person("ivanov")
    payload = {"id": 5, "title": "Т", "executor_id": executor.pk, "by": None, "iteration": 1}
    with django_capture_on_commit_callbacks(execute=True):
        sources.receive("task.assigned", [payload])
        sources.receive("task.assigned", [payload])
    assert Notification.objects.filter(recipient=executor).count() == 1


def test_a_kind_switched_off_for_email_still_rings_the_bell_and_off_for_both_makes_nothing():
    user = person("ivanov")
    services.save_preference(
        user, bell_off=[Kind.ACCEPTED], email_off=[Kind.ASSIGNED, Kind.ACCEPTED], digest_at=datetime.time(8)
    )
    given, accepted = (services.Draft(user.pk, kind, kind, "Текст") for kind in (Kind.ASSIGNED, Kind.ACCEPTED))
    made = services.notify([given, accepted])
    assert made == 1
    row = Notification.objects.get(recipient=user)
    assert (row.kind, row.in_bell, row.email_state) == (Kind.ASSIGNED, True, Email.NONE)
    assert mail.send(user.pk) is None and outbox.outbox == []


def test_a_burst_of_notices_is_one_letter_with_absolute_links(settings):
    settings.SITE_URL = "https://crm.example.ru"
    user = person("ivanov")
    services.notify([services.Draft(user.pk, Kind.ASSIGNED, f"t{i}", f"Задача {i}", f"/tasks/{i}/") for i in range(3)])
    mail.send(user.pk)
    assert len(outbox.outbox) == 1
    letter = outbox.outbox[0]
    assert letter.to == ["ivanov@example.ru"] and letter.subject == "CRM: новых уведомлений — 3"
    assert "Задача 2\nhttps://crm.example.ru/tasks/2/" in letter.body
    assert set(Notification.objects.values_list("email_state", flat=True)) == {Email.SENT}
    assert mail.send(user.pk) is None and len(outbox.outbox) == 1


def test_the_last_failed_attempt_is_written_on_the_notice(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1  # nobody listens
    settings.NOTIFICATIONS_EMAIL_ATTEMPTS = 2
    user = person("ivanov")
    services.notify([services.Draft(user.pk, Kind.ASSIGNED, "a", "Поручена")])
    delay = mail.send(user.pk)
    assert delay == settings.NOTIFICATIONS_EMAIL_RETRY_SECONDS
    row = Notification.objects.get()
    assert (row.email_state, row.email_attempts) == (Email.PENDING, 1)
    assert mail.send(user.pk, now=row.email_next_at) is None
    row.refresh_from_db()
    assert (row.email_state, row.email_attempts) == (Email.FAILED, 2)
    assert "ConnectionRefusedError" in row.email_error


@pytest.fixture
def overdue_world():
    """An overdue task, a stuck deal and a client overdue on payment, all of one manager."""
    owner = person("ivanov")
    task_services.create_task(title="Сдать отчёт", executor=owner, due_date=datetime.date(2026, 3, 1))
    funnel = FunnelFactory(name="Опт")
    stage = stages(funnel, "Контакт")[0]
    stage.expected_days = 3
    stage.save()
    client = ClientFactory(name="ООО «Должник»", responsible=owner)
    deal = funnel_services.create_deal(Deal(funnel=funnel, title="Станки", client=client, manager=owner), user=owner)
    Deal.objects.filter(pk=deal.pk).update(stage_entered_at=timezone.now() - datetime.timedelta(days=10))
    Invoice.objects.create(
        client=client,
        number=1,
        date=datetime.date(2026, 2, 1),
        manager=owner,
        status=Invoice.Status.SHIPPED,
        shipped_on=datetime.date(2026, 2, 2),
        due_date=datetime.date(2026, 2, 12),
        total=D("1500.00"),
        open_amount=D("1200.00"),
    )
    return owner


def test_the_overdue_pass_run_twice_makes_each_notice_once_and_sends_one_letter(overdue_world, settings):
    settings.NOTIFICATIONS_DAILY_AT = datetime.time(0, 0)
    services.save_preference(overdue_world, bell_off=[], email_off=[], digest_at=datetime.time(0, 0))
    first = Scan.objects.create(slot=timezone.now() - datetime.timedelta(minutes=5))
    second = Scan.objects.create(slot=timezone.now())
    assert scan.run(first.pk).made == 4  # overdue task, stuck deal, overdue client, the digest
    assert scan.run(second.pk).made == 0 and scan.run(second.pk) is None  # the second: nothing; a third: taken
    assert sources.daily(timezone.now()) == 0  # even asked again outside a pass
    assert sorted(kinds_of(overdue_world)) == sorted([Kind.OVERDUE, Kind.DEAL_STUCK, Kind.CLIENT_OVERDUE, Kind.DIGEST])
    texts = dict(Notification.objects.values_list("kind", "text"))
    assert texts[Kind.OVERDUE] == "Задача «Сдать отчёт» просрочена: дата исполнения 01.03.2026"
    assert texts[Kind.CLIENT_OVERDUE].startswith("Клиент «ООО «Должник»» просрочил оплату: 1")
    assert texts[Kind.DEAL_STUCK].startswith("Сделка «Станки» на этапе «Контакт» дольше ожидаемого")
    assert "просрочено — 1" in texts[Kind.DIGEST] and "сделок застряло на этапе — 1" in texts[Kind.DIGEST]
    mail.send(overdue_world.pk)
    mail.send(overdue_world.pk)
    assert len(outbox.outbox) == 1


def test_the_digest_comes_at_the_time_the_user_chose():
    early, late = person("ivanov"), person("petrov")
    services.save_preference(late, bell_off=[], email_off=[], digest_at=datetime.time(10, 30))
    morning = timezone.make_aware(datetime.datetime(2026, 12, 7, 9, 0))
    assert sources.digests(morning) == 1
    assert kinds_of(early) == [Kind.DIGEST] and kinds_of(late) == []
    assert sources.digests(morning.replace(hour=10, minute=29)) == 0
    assert sources.digests(morning.replace(hour=10, minute=35)) == 1
    assert kinds_of(late) == [Kind.DIGEST]
    assert Notification.objects.get(recipient=late).key == "digest:2026-12-07"


def test_a_beat_slot_is_queued_once():
    now = timezone.now()
    assert scan.start(now) is not None
    assert scan.start(now) is None
    assert Scan.objects.count() == 1
