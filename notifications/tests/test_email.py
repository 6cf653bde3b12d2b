"""The e-mail path on real parts: the task's event, the notice, the Celery worker's job and a real
SMTP server (aiosmtpd) on loopback — one that refuses the first attempt too."""

from __future__ import annotations

import datetime
import time

import pytest

from notifications.models import Kind, Notification
from notifications.tests.factories import person
from tasks import services as task_services

pytestmark = pytest.mark.celery_worker


def wait_for(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()


def test_a_task_given_reaches_its_executor_by_email_in_russian_with_a_link(
    celery_worker, reference_data, smtp, settings
):
    settings.SITE_URL = "https://crm.example.ru"
    executor, boss = person("ivanov"), person("petrov", boss=True)
    task = task_services.create_task(
        title="Позвонить в «Ромашку»", executor=executor, author=boss, due_date=datetime.date(2026, 12, 31)
    )
    (letter,) = smtp.wait(1)
    assert letter.recipients == ["ivanov@example.ru"]
    assert letter.subject == "Вам поручена задача «Позвонить в «Ромашку»», дата исполнения 31.12.2026"
    assert f"https://crm.example.ru/tasks/{task.pk}/" in letter.body
    assert "https://crm.example.ru/notifications/settings/" in letter.body
    assert wait_for(lambda: Notification.objects.filter(email_state="sent", email_attempts=1).exists())


def test_a_server_refusing_the_first_attempt_gets_the_letter_on_the_retry(
    celery_worker, reference_data, smtp, settings
):
    settings.NOTIFICATIONS_EMAIL_RETRY_SECONDS = 0.2
    executor, boss = person("ivanov"), person("petrov", boss=True)
    services_kwargs = {"title": "Отчёт", "executor": executor, "reviewer": boss, "author": boss}
    task = task_services.create_task(**services_kwargs)
    assert smtp.wait(1)  # the executor's letter
    smtp.refuse, smtp.refused = 1, 0

    task = task_services.transition(task, executor, "complete")  # the SMTP server refuses: the task moves
    assert task.state == "done"
    letters = smtp.wait(2)
    assert smtp.refused == 1 and len(letters) == 2
    assert letters[1].recipients == ["petrov@example.ru"]
    assert letters[1].subject == "Задача «Отчёт» выполнена и ждёт вашей проверки"
    assert wait_for(lambda: Notification.objects.filter(kind=Kind.REVIEW, email_state="sent").exists())
    review = Notification.objects.get(kind=Kind.REVIEW)
    assert review.email_attempts == 2 and review.email_error == ""
