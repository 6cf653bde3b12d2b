"""Task operations. Each change of state locks the task's row, checks the state and who acts, and
writes a TaskEvent, so two clicks (or two people) cannot both succeed."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients import completeness
from clients.reassign import Moved, Mover, moved_rows, return_rows
from crm import events, merge, roles
from tasks.models import Task, TaskAttachment, TaskEvent, TaskItem

State = Task.State

logger = logging.getLogger(__name__)


TASK_DONE = events.declare("task.done", gettext_lazy("Задача выполнена"))
TASK_ACCEPTED = events.declare("task.accepted", gettext_lazy("Задача принята"))
TASK_RETURNED = events.declare("task.returned", gettext_lazy("Задача возвращена на доработку"))
# A task given to its executor: made (by hand, by a wizard's run, through the API).
TASK_ASSIGNED = events.declare("task.assigned", gettext_lazy("Задача поручена"))
EVENTS = {"complete": TASK_DONE, "accept": TASK_ACCEPTED, "return": TASK_RETURNED}


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
        (State.NEW, State.RETURNED),
        State.IN_PROGRESS,
        "executor",
        TaskEvent.Kind.STARTED,
        gettext_lazy("Взять в работу"),
    ),
    "complete": Transition(OPEN, State.DONE, "executor", TaskEvent.Kind.DONE, gettext_lazy("Выполнено")),
    "accept": Transition(DONE, State.ACCEPTED, "reviewer", TaskEvent.Kind.ACCEPTED, gettext_lazy("Принять")),
    "return": Transition(
        DONE, State.RETURNED, "reviewer", TaskEvent.Kind.RETURNED, gettext_lazy("Вернуть на доработку")
    ),
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
    if action in EVENTS:
        events.emit(EVENTS[action], _task_event(task, user, comment, state=t.target))
    if action == "complete" and task.state == State.ACCEPTED:
        events.emit(TASK_ACCEPTED, _task_event(task, None, "", state=task.state))
    return task


def _task_event(task: Task, user, comment: str, *, state: str, by_id: int | None = None):
    """The payload of a task's event: the task, the state it came to and its iteration, who
    acted (`user`, or the id `by_id`), the comment."""
    iteration = task.iteration
    by = getattr(user, "pk", by_id)

    def payload() -> dict:
        return {
            "id": task.pk,
            "title": task.title,
            "state": state,
            "iteration": iteration,
            "executor_id": task.executor_id,
            "reviewer_id": task.reviewer_id,
            "author_id": task.author_id,
            "due_date": str(task.due_date) if task.due_date else None,
            "by": by,
            "comment": comment,
            "url": events.absolute_url(task.get_absolute_url()),
        }

    return payload


# «Отложить»: the quick choices, and until a date and time.
POSTPONE_CHOICES = {
    "hour": (datetime.timedelta(hours=1), gettext_lazy("на 1 час")),
    "day": (datetime.timedelta(days=1), gettext_lazy("на 1 день")),
    "week": (datetime.timedelta(weeks=1), gettext_lazy("на 1 неделю")),
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
    whoever manages clients); an event lists what changed. A value may be a crm.merge.Change
    (from what the user's form started with): a field someone else changed meanwhile is a
    conflict (merge.EditConflict), one only they changed keeps their value."""
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    task = _locked(task)
    if not may_edit(task, user):
        raise TaskError(_("Изменять задачу могут её исполнитель и автор."))
    changed = merge.merge_into(task, values)
    if changed:
        task.full_clean(exclude=["executor", "reviewer", "author", "project"])
        task.save(update_fields=[*changed, "updated_at"])
        names = ", ".join(str(Task._meta.get_field(n).verbose_name) for n in changed)
        _event(task, user, TaskEvent.Kind.EDITED, names)
    return task


def may_edit(task: Task, user) -> bool:
    return task.is_open and (user.pk in (task.executor_id, task.author_id) or roles.can_manage_all_clients(user))


ITEMS_BATCH = 5_000


@transaction.atomic
def create_task(*, items: Iterable[completeness.Item] = (), author=None, origin: str = "", **fields) -> Task:
    """A task with its items (bulk-inserted) and its «Создана» event."""
    task = Task.objects.create(author=author, origin=origin, **fields)
    TaskItem.objects.bulk_create(_items(task, items), batch_size=ITEMS_BATCH)
    _event(task, author, TaskEvent.Kind.CREATED)
    events.emit(TASK_ASSIGNED, _task_event(task, author, "", state=task.state))
    return task


@transaction.atomic
def ensure_task(*, origin: str, executor_id: int, items: Iterable[completeness.Item], author_id=None, **fields) -> Task:
    """The task of `origin` for this executor, with these items, made once however often it is
    asked for (a retried job): an existing task and its existing items are kept as they are."""
    task, created = Task.objects.get_or_create(
        origin=origin, executor_id=executor_id, defaults={"author_id": author_id, **fields}
    )
    TaskItem.objects.bulk_create(_items(task, items), batch_size=ITEMS_BATCH, ignore_conflicts=True)
    if created:
        TaskEvent.objects.create(task=task, user_id=author_id, kind=TaskEvent.Kind.CREATED, iteration=1)
        events.emit(TASK_ASSIGNED, _task_event(task, None, "", state=task.state, by_id=author_id))
    return task


def _items(task: Task, items: Iterable[completeness.Item]) -> list[TaskItem]:
    return [TaskItem(task=task, client_id=i.client_id, contact_id=i.contact_id, checks=list(i.checks)) for i in items]


def counts_for(user) -> dict[str, int]:
    """{"tasks": my open tasks not postponed now, "reminders": done tasks waiting for my review}.

    The top bar asks on every page, so this is one statement written out: the ORM's building of
    the same aggregate cost ten times its execution (1 ms of every page's CPU)."""
    task = Task._meta
    field = task.get_field
    open_states = ", ".join(["%s"] * len(Task.OPEN_STATES))
    to_do = (
        f"{field('executor').column} = %s AND {field('state').column} IN ({open_states})"
        f" AND ({field('postponed_until').column} IS NULL OR {field('postponed_until').column} <= %s)"
    )
    to_review = f"{field('reviewer').column} = %s AND {field('state').column} = %s"
    to_do_params = [user.pk, *Task.OPEN_STATES, timezone.now()]
    to_review_params = [user.pk, State.DONE]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FILTER (WHERE {to_do}), COUNT(*) FILTER (WHERE {to_review})"
            f" FROM {connection.ops.quote_name(task.db_table)} WHERE ({to_do}) OR ({to_review})",
            [*to_do_params, *to_review_params, *to_do_params, *to_review_params],
        )
        tasks, reminders = cursor.fetchone()
    return {"tasks": tasks, "reminders": reminders}


def items_of_rows(rows: Iterable[TaskItem]) -> list[completeness.Item]:
    return [completeness.Item(row.client_id, row.contact_id, row.checks) for row in rows]


def progress(task: Task) -> tuple[int, int]:
    """(items filled today, all items) of the task."""
    return completeness.progress(completeness.missing(items_of_rows(task.items.all())))


def progress_of(tasks: Iterable[Task]) -> dict[int, tuple[int, int]]:
    """{task id: (items filled today, all items)} for a list of tasks, in four queries; tasks
    without items are left out."""
    rows = list(TaskItem.objects.filter(task__in=list(tasks)))
    result: dict[int, list[int]] = {}
    for row, lacking in zip(rows, completeness.missing_in_order(items_of_rows(rows)), strict=True):
        counts = result.setdefault(row.task_id, [0, 0])
        counts[1] += 1
        counts[0] += not lacking
    return {task_id: (done, total) for task_id, (done, total) in result.items()}


class FileNotStored(TaskError):
    """The server could not store an uploaded file (its media folder is full or not writable)."""


@transaction.atomic
def attach(task: Task, user, upload) -> TaskAttachment:
    """Add a file to the task's «Поручение»: its executor, reviewer and author, or a supervisor."""
    if not task.visible_to(user):
        raise TaskError(_("Добавлять файлы могут исполнитель, проверяющий и автор задачи."))
    attachment = TaskAttachment(
        task=task,
        name=upload.name[:255],
        size=upload.size,
        content_type=(getattr(upload, "content_type", "") or "application/octet-stream")[:100],
        uploaded_by=user,
    )
    try:
        attachment.file.save(upload.name, upload, save=False)
    except OSError as error:  # the media folder is full or not writable: nothing is recorded
        logger.exception("attachment of task %s not stored", task.pk)
        raise FileNotStored(
            _("Файл не сохранён: хранилище файлов на сервере недоступно. Сообщите администратору.")
        ) from error
    attachment.save()
    _event(task, user, TaskEvent.Kind.ATTACHED, attachment.name)
    return attachment


MERGED_ITEMS = "tasks.taskitem"


def client_items(from_ids: Sequence[int]) -> dict[str, int]:
    return {MERGED_ITEMS: TaskItem.objects.filter(client_id__in=from_ids).count()}


def reassign_client(from_ids: Sequence[int], to_id: int) -> Moved:
    """The merged clients' task items become the survivor's (clients.services.merging). A task
    holds a client once: where it already holds the survivor (or another merged card), the merged
    card's own item stays where it was; its contact persons' items move with them."""
    taken = set(TaskItem.objects.filter(client_id=to_id, contact=None).values_list("task_id", flat=True))
    moving = []
    for pk, task_id, contact_id in (
        TaskItem.objects.filter(client_id__in=from_ids).order_by("pk").values_list("pk", "task_id", "contact_id")
    ):
        if contact_id is None:
            if task_id in taken:
                continue
            taken.add(task_id)
        moving.append(pk)
    return {MERGED_ITEMS: moved_rows(TaskItem.objects.filter(pk__in=moving), to_id)}


def return_client(moved: Moved) -> None:
    return_rows(TaskItem, moved.get(MERGED_ITEMS, {}))


MERGE_MOVER = Mover({MERGED_ITEMS: gettext_lazy("Строки задач")}, client_items, reassign_client, return_client)
