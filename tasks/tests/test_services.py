import datetime
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from clients.tests import factories as client_factories
from tasks import services
from tasks.models import Task, TaskEvent
from tasks.services import TaskError
from tasks.tests import factories


def test_a_task_goes_round_until_the_reviewer_accepts_it(email_task, executor, reviewer):
    task = services.transition(email_task, executor, "start")
    assert task.state == Task.State.IN_PROGRESS
    task = services.transition(task, executor, "complete")
    assert (task.state, task.iteration) == (Task.State.DONE, 1)
    task = services.transition(task, reviewer, "return", comment="Нет e-mail контактного лица")
    assert (task.state, task.iteration) == (Task.State.RETURNED, 2)
    task = services.transition(task, executor, "complete")
    task = services.transition(task, reviewer, "accept")
    assert (task.state, task.iteration) == (Task.State.ACCEPTED, 2)
    assert task.accepted_at is not None
    history = list(task.events.values_list("kind", "iteration", "comment"))
    assert history == [
        ("created", 1, ""),
        ("started", 1, ""),
        ("done", 1, ""),
        ("returned", 1, "Нет e-mail контактного лица"),
        ("done", 2, ""),
        ("accepted", 2, ""),
    ]


def test_only_the_executor_completes_and_only_the_reviewer_decides(email_task, executor, reviewer, stranger):
    with pytest.raises(TaskError, match="только исполнитель"):
        services.transition(email_task, reviewer, "complete")
    with pytest.raises(TaskError, match="только исполнитель"):
        services.transition(email_task, stranger, "complete")
    task = services.transition(email_task, executor, "complete")
    for user in (executor, stranger):
        with pytest.raises(TaskError, match="только проверяющий"):
            services.transition(task, user, "accept")
    assert Task.objects.get(pk=task.pk).state == Task.State.DONE


def test_a_return_needs_a_comment(email_task, executor, reviewer):
    task = services.transition(email_task, executor, "complete")
    with pytest.raises(TaskError, match="комментария"):
        services.transition(task, reviewer, "return", comment="  ")
    assert Task.objects.get(pk=task.pk).iteration == 1


def test_a_stale_second_click_is_refused(email_task, executor, reviewer):
    stale = Task.objects.get(pk=email_task.pk)
    services.transition(email_task, executor, "complete")
    services.transition(email_task, reviewer, "accept")
    with pytest.raises(TaskError, match="уже в состоянии «Принята»"):
        services.transition(stale, reviewer, "return", comment="ещё раз")


def test_a_task_without_a_reviewer_is_accepted_when_done(executor):
    task = services.create_task(title="Позвонить", executor=executor, author=executor)
    task = services.transition(task, executor, "complete")
    assert task.state == Task.State.ACCEPTED
    assert list(task.events.values_list("kind", flat=True)) == ["created", "done", "accepted"]


def test_allowed_actions_follow_state_and_role(email_task, executor, reviewer, stranger):
    assert services.allowed_actions(email_task, executor) == ["start", "complete"]
    assert services.allowed_actions(email_task, reviewer) == []
    task = services.transition(email_task, executor, "complete")
    assert services.allowed_actions(task, executor) == []
    assert services.allowed_actions(task, reviewer) == ["accept", "return"]
    assert services.allowed_actions(task, stranger) == []


def test_postpone_hides_until_a_future_time(email_task, executor, reviewer):
    until = timezone.now() + datetime.timedelta(days=1)
    task = services.postpone(email_task, executor, until)
    assert task.is_postponed
    with pytest.raises(TaskError, match="в будущем"):
        services.postpone(task, executor, timezone.now() - datetime.timedelta(minutes=1))
    with pytest.raises(TaskError, match="исполнитель"):
        services.postpone(task, reviewer, until)
    task = services.transition(task, executor, "complete")
    assert task.postponed_until is None  # done: nothing left to postpone
    assert TaskEvent.objects.filter(task=task, kind="postponed").count() == 1


def test_update_changes_essentials_and_records_what(email_task, executor, stranger):
    due = timezone.localdate() + datetime.timedelta(days=3)
    task = services.update(email_task, executor, importance="high", due_date=due, result="Позвонил, e-mail обещали")
    assert (task.importance, task.due_date) == ("high", due)
    event = task.events.get(kind="edited")
    assert "Важность" in event.comment and "Результат выполнения" in event.comment
    with pytest.raises(TaskError):
        services.update(task, stranger, importance="low")


def test_the_database_refuses_a_control_date_before_the_due_date(executor):
    today = timezone.localdate()
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.TaskFactory(executor=executor, due_date=today, control_date=today - datetime.timedelta(days=1))


def test_one_task_per_origin_and_executor(executor):
    services.create_task(title="A", executor=executor, origin="quality-run:1")
    with pytest.raises(IntegrityError), transaction.atomic():
        services.create_task(title="A", executor=executor, origin="quality-run:1")
    services.create_task(title="B", executor=executor)
    services.create_task(title="C", executor=executor)  # no origin: no limit


def test_progress_moves_as_the_card_is_filled(email_task):
    assert services.progress(email_task) == (0, 2)
    item = email_task.items.get(contact=None)
    client_factories.ContactInfoFactory(client=item.client, kind=client_factories.kind("Email"), value="a@b.ru")
    assert services.progress(email_task) == (1, 2)


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_clicking_at_once_cannot_both_succeed(reference_data, monkeypatch):
    executor = factories.manager(username="executor")
    reviewer = factories.supervisor(username="reviewer")
    task = services.create_task(title="Заполнить", executor=executor, reviewer=reviewer)
    services.transition(task, executor, "complete")
    # Each click, once it holds the task, waits for the other to get that far: without the row
    # lock both would read «на проверке» and both would succeed; with it the second waits for the
    # first to commit (the barrier then times out) and finds the task decided.
    barrier = threading.Barrier(2)
    read = services._locked

    def read_and_wait(task):
        task = read(task)
        try:
            barrier.wait(timeout=1)
        except threading.BrokenBarrierError:
            pass
        return task

    monkeypatch.setattr(services, "_locked", read_and_wait)
    outcomes = []

    def decide(action, comment):
        try:
            services.transition(Task.objects.get(pk=task.pk), reviewer, action, comment=comment)
            outcomes.append(action)
        except TaskError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=a) for a in (("accept", ""), ("return", "доработать"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) in (["accept", "refused"], ["refused", "return"])
    task.refresh_from_db()
    assert task.events.filter(kind__in=["accepted", "returned"]).count() == 1


def test_the_top_bars_counts_are_my_tasks_to_do_now_and_those_waiting_for_my_review(executor, reviewer, stranger):
    now = timezone.now()
    State = Task.State
    for state in (State.NEW, State.IN_PROGRESS, State.RETURNED):
        factories.TaskFactory(executor=executor, reviewer=reviewer, state=state)
    factories.TaskFactory(executor=executor, reviewer=reviewer, postponed_until=now - datetime.timedelta(hours=1))
    factories.TaskFactory(executor=executor, reviewer=reviewer, postponed_until=now + datetime.timedelta(hours=1))
    for state in (State.DONE, State.DONE, State.ACCEPTED):
        factories.TaskFactory(executor=executor, reviewer=reviewer, state=state)
    factories.TaskFactory(executor=stranger, reviewer=stranger, state=State.DONE)
    factories.TaskFactory(executor=stranger, reviewer=executor, state=State.NEW)

    assert services.counts_for(executor) == {"tasks": 4, "reminders": 0}
    assert services.counts_for(reviewer) == {"tasks": 0, "reminders": 2}
    assert services.counts_for(stranger) == {"tasks": 1, "reminders": 1}
