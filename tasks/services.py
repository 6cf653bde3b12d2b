"""Task operations. Each change of state locks the task's row, checks the state and who acts, and
writes a TaskEvent, so two clicks (or two people) cannot both succeed."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from clients import completeness
from crm import roles
from tasks.models import Task, TaskEvent, TaskItem

State = Task.State


class TaskError(Exception):
    """An operation the task's state or the user's place on it does not allow; the message is
    for the user."""


@dataclass(frozen=True)
class Transition:
    sources: tuple[str, ...]
    target: str
    actor: str  # "executor" or "reviewer"
    event: str
    label: str


OPEN, DONE = Task.OPEN_STATES, (State.DONE,)
TRANSITIONS = {
    "start": Transition(
        (State.NEW, State.RETURNED), State.IN_PROGRESS, "executor", TaskEvent.Kind.STARTED, _l("Взять в работу")
    ),
    "complete": Transition(OPEN, State.DONE, "executor", TaskEvent.Kind.DONE, _l("Выполнено")),
    "accept": Transition(DONE, State.ACCEPTED, "reviewer", TaskEvent.Kind.ACCEPTED, _l("Принять")),
    "return": Transition(DONE, State.RETURNED, "reviewer", TaskEvent.Kind.RETURNED, _l("Вернуть на доработку")),
}


def allowed_actions(task: Task, user) -> list[str]:
    """The transitions `user` may make on `task` now, in TRANSITIONS order."""
    return [name for name, t in TRANSITIONS.items() if task.state in t.sources and _is_actor(task, user, t.actor)]


def _is_actor(task: Task, user, actor: str) -> bool:
    return user.pk == (task.executor_id if actor == "executor" else task.reviewer_id)


def _locked(task: Task) -> Task:
    return Task.objects.select_for_update().get(pk=task.pk)


def _event(task: Task, user, kind: str, comment: str = "") -> TaskEvent:
    return TaskEvent.objects.create(task=task, user=user, kind=kind, iteration=task.iteration, comment=comment)


@transaction.atomic
def transition(task: Task, user, action: str, *, comment: str = "") -> Task:
    """Make `action` (a key of TRANSITIONS) on the task for `user`; returns the task as saved.

    «Выполнено» on a task without a reviewer accepts it at once. «Вернуть на доработку» needs a
    comment and starts the next iteration."""
    t = TRANSITIONS[action]
    task = _locked(task)
    if not _is_actor(task, user, t.actor):
        who = _("исполнитель") if t.actor == "executor" else _("проверяющий")
        raise TaskError(_("«%(action)s» может сделать только %(who)s задачи.") % {"action": t.label, "who": who})
    if task.state not in t.sources:
        raise TaskError(
            _("Задача уже в состоянии «%(state)s»: «%(action)s» невозможно. Обновите страницу.")
            % {"state": task.get_state_display(), "action": t.label}
        )
    comment = comment.strip()
    if action == "return" and not comment:
        raise TaskError(_("Напишите, что нужно доработать: без комментария задачу не вернуть."))
    now = timezone.now()
    task.state = t.target
    if action == "complete":
        task.done_at = now
        task.postponed_until = None
    _event(task, user, t.event, comment)
    if action == "complete" and task.reviewer_id is None:
        task.state = State.ACCEPTED
        task.accepted_at = now
        _event(task, None, TaskEvent.Kind.ACCEPTED, _("Без проверяющего: принята при выполнении."))
    elif action == "accept":
        task.accepted_at = now
    elif action == "return":
        task.iteration += 1
    task.save()
    return task


# «Отложить»: the quick choices, and until a date and time.
POSTPONE_CHOICES = {
    "hour": (datetime.timedelta(hours=1), _l("на 1 час")),
    "day": (datetime.timedelta(days=1), _l("на 1 день")),
    "week": (datetime.timedelta(weeks=1), _l("на 1 неделю")),
}


@transaction.atomic
def postpone(task: Task, user, until: datetime.datetime | None) -> Task:
    """Hide an open task from «Мои дела» until `until` (None brings it back now); the executor's call."""
    task = _locked(task)
    if user.pk != task.executor_id:
        raise TaskError(_("Отложить задачу может только её исполнитель."))
    if not task.is_open:
        raise TaskError(_("Отложить можно только невыполненную задачу."))
    if until is not None and until <= timezone.now():
        raise TaskError(_("Отложить можно только на время в будущем."))
    task.postponed_until = until
    task.save(update_fields=["postponed_until", "updated_at"])
    comment = _("до %(until)s") % {"until": timezone.localtime(until).strftime("%d.%m.%Y %H:%M")} if until else ""
    _event(task, user, TaskEvent.Kind.POSTPONED, comment)
    return task


EDITABLE = ("importance", "due_date", "control_date", "result")


@transaction.atomic
def update(task: Task, user, **values) -> Task:
    """Change the task's importance, dates or «Результат выполнения» (the executor, the author or
    whoever manages clients); an event lists what changed."""
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    task = _locked(task)
    if not may_edit(task, user):
        raise TaskError(_("Изменять задачу могут её исполнитель и автор."))
    changed = [name for name, value in values.items() if getattr(task, name) != value]
    for name in changed:
        setattr(task, name, values[name])
    if changed:
        task.full_clean(exclude=["executor", "reviewer", "author", "project"])
        task.save(update_fields=[*changed, "updated_at"])
        names = ", ".join(str(Task._meta.get_field(n).verbose_name) for n in changed)
        _event(task, user, TaskEvent.Kind.EDITED, names)
    return task


def may_edit(task: Task, user) -> bool:
    return task.is_open and (user.pk in (task.executor_id, task.author_id) or roles.can_manage_all_clients(user))


@transaction.atomic
def create_task(*, items: Iterable[completeness.Item] = (), author=None, origin: str = "", **fields) -> Task:
    """A task with its items (bulk-inserted) and its «Создана» event."""
    task = Task.objects.create(author=author, origin=origin, **fields)
    TaskItem.objects.bulk_create(
        TaskItem(task=task, client_id=i.client_id, contact_id=i.contact_id, checks=list(i.checks)) for i in items
    )
    _event(task, author, TaskEvent.Kind.CREATED)
    return task


def items_of(task: Task) -> list[completeness.Item]:
    return [
        completeness.Item(client_id, contact_id, checks)
        for client_id, contact_id, checks in task.items.values_list("client_id", "contact_id", "checks")
    ]


def progress(task: Task) -> tuple[int, int]:
    """(items filled today, all items) of the task."""
    return completeness.progress(completeness.missing(items_of(task)))
