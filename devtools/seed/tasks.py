"""The tasks of the demo / benchmark data set (see devtools/seed/__init__.py): projects,
and for every manager tasks in every state — open, postponed, overdue, done and waiting for the
supervisor's review, returned, accepted after one to three rounds — most of them completeness
tasks with clients and contact persons to fill, and one task of 500 items for the benchmark."""

from __future__ import annotations

import random
from contextlib import closing
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import Min
from django.utils import timezone

from clients import completeness
from clients.models import Client, ContactInfoKind, ContactPerson
from crm import roles
from crm.models import Project
from devtools.seed.common import ensure_projects, no_progress
from devtools.seed.loading import BATCH_SIZE, explicit_timestamps
from tasks.models import Task, TaskEvent, TaskItem

TASKS_PER_MANAGER = {"XS": 4, "S": 20, "M": 60, "L": 200, "XL": 200}
# The benchmark's task page: one task with this many items (fewer if the base is smaller).
BIG_TASK_ITEMS = 500
BIG_TASK_TITLE = "Заполнить Email клиентов и контактных лиц (большая задача)"
STATES = (
    (Task.State.NEW, 30),
    (Task.State.IN_PROGRESS, 25),
    (Task.State.DONE, 15),
    (Task.State.RETURNED, 10),
    (Task.State.ACCEPTED, 20),
)
GENERAL_TITLES = (
    "Позвонить клиенту по новому прайсу",
    "Подготовить коммерческое предложение",
    "Согласовать график поставок",
    "Уточнить реквизиты для договора",
    "Провести встречу с закупщиком",
)
DESCRIPTION = "Заполните недостающие сведения в карточках и отметьте задачу выполненной."
RETURN_COMMENTS = (
    "Не заполнены e-mail контактных лиц",
    "Телефоны указаны без кода города",
    "Проверьте ИНН: у двух клиентов он не тот",
)


def seed_tasks(size: str, rng_seed: int, progress=no_progress) -> dict[str, int]:
    rng = random.Random(f"tasks:{rng_seed}")
    User = get_user_model()
    managers = list(User.objects.filter(groups__name=roles.MANAGER, is_active=True).order_by("pk"))
    reviewers = list(User.objects.filter(groups__name=roles.SUPERVISOR, is_active=True).order_by("pk"))
    if not managers:
        return {"tasks": 0}
    projects = ensure_projects()
    email = ContactInfoKind.objects.filter(value_type=ContactInfoKind.ValueType.EMAIL).order_by("order", "pk").first()
    phone = ContactInfoKind.objects.filter(value_type=ContactInfoKind.ValueType.PHONE).order_by("order", "pk").first()
    kinds = [k for k in (email, phone) if k is not None]
    clients_of = _clients_by_manager(managers)
    contacts_of = _first_contacts({pk for pks in clients_of.values() for pk in pks})
    now = timezone.now()
    today = timezone.localdate()
    states, weights = zip(*STATES, strict=True)

    tasks: list[Task] = []
    items_of: list[list[tuple[int, int | None, list[str]]]] = []
    for manager in managers:
        own = clients_of.get(manager.pk, [])
        for _n in range(TASKS_PER_MANAGER[size]):
            state = rng.choices(states, weights)[0]
            created = now - timedelta(days=rng.randint(1, 120), minutes=rng.randint(0, 600))
            if state in Task.OPEN_STATES:
                # most open tasks are due around today, a few are late
                due = today + timedelta(days=rng.randint(-5, 25))
            else:
                due = (created + timedelta(days=rng.randint(3, 30))).date()
            kind = rng.choice((Task.Kind.CONTACT_INFO, Task.Kind.CONTACT_INFO, Task.Kind.PROPERTIES, Task.Kind.GENERAL))
            items: list[tuple[int, int | None, list[str]]] = []
            if kind == Task.Kind.GENERAL or not own:
                kind, title = Task.Kind.GENERAL, rng.choice(GENERAL_TITLES)
            elif kind == Task.Kind.CONTACT_INFO and kinds:
                checked = rng.sample(kinds, rng.randint(1, len(kinds)))
                title = "Заполнить " + ", ".join(k.name for k in checked)
                checks = [completeness.info_check(k) for k in checked]
                for client_id in rng.sample(own, min(len(own), rng.randint(3, 25))):
                    items.append((client_id, None, checks))
                    if client_id in contacts_of and rng.random() < 0.6:
                        items.append((client_id, contacts_of[client_id], checks))
            else:
                kind = Task.Kind.PROPERTIES
                props = rng.sample(["inn", "business_region", "legal_address", "segments"], 2)
                title = "Заполнить свойства клиентов: " + ", ".join(str(completeness.PROPERTIES[p]) for p in props)
                checks = [completeness.property_check(p) for p in props]
                items = [(client_id, None, checks) for client_id in rng.sample(own, min(len(own), rng.randint(3, 25)))]
            iteration = 1 + (state == Task.State.RETURNED) + (rng.random() < 0.3 if state == Task.State.ACCEPTED else 0)
            task = Task(
                title=title,
                description=DESCRIPTION if items else "",
                kind=kind,
                executor=manager,
                reviewer=rng.choice(reviewers) if reviewers and items else None,
                author=reviewers[0] if reviewers else None,
                importance=rng.choices(Task.Importance.values, (2, 6, 2))[0],
                due_date=due,
                control_date=due + timedelta(days=rng.randint(0, 5)),
                project=rng.choice(projects) if rng.random() < 0.5 else None,
                state=state,
                iteration=iteration,
                created_at=created,
                updated_at=created,
                done_at=created + timedelta(days=2) if state in (Task.State.DONE, Task.State.ACCEPTED) else None,
                accepted_at=created + timedelta(days=3) if state == Task.State.ACCEPTED else None,
                postponed_until=now + timedelta(days=rng.randint(1, 7))
                if state == Task.State.NEW and rng.random() < 0.1
                else None,
            )
            if task.reviewer is None and state in (Task.State.DONE, Task.State.RETURNED):
                task.state = Task.State.ACCEPTED
            tasks.append(task)
            items_of.append(items)
    _add_big_task(tasks, items_of, managers[0], reviewers, kinds, clients_of, contacts_of, today)

    counts = {"projects": len(projects), "tasks": 0, "task items": 0, "task events": 0}
    with (
        closing(progress(total=len(tasks), desc="tasks", unit="task")) as bar,
        explicit_timestamps(Task._meta.get_field("created_at"), Task._meta.get_field("updated_at")),
    ):
        for start in range(0, len(tasks), BATCH_SIZE):
            batch = Task.objects.bulk_create(tasks[start : start + BATCH_SIZE])
            items = [
                TaskItem(task=task, client_id=client_id, contact_id=contact_id, checks=checks)
                for task, task_items in zip(batch, items_of[start : start + BATCH_SIZE], strict=True)
                for client_id, contact_id, checks in task_items
            ]
            TaskItem.objects.bulk_create(items, batch_size=BATCH_SIZE)
            events = [event for task in batch for event in _events(task, rng)]
            TaskEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)
            counts["tasks"] += len(batch)
            counts["task items"] += len(items)
            counts["task events"] += len(events)
            bar.update(len(batch))
    return counts


def _clients_by_manager(managers) -> dict[int, list[int]]:
    result: dict[int, list[int]] = {}
    rows = Client.objects.filter(responsible__in=managers).order_by("pk").values_list("responsible_id", "pk")
    for manager_id, client_id in rows.iterator(chunk_size=BATCH_SIZE):
        result.setdefault(manager_id, []).append(client_id)
    return result


def _first_contacts(client_ids: set[int]) -> dict[int, int]:
    rows = ContactPerson.objects.values("client_id").annotate(first=Min("pk")).values_list("client_id", "first")
    return {client_id: first for client_id, first in rows.iterator(chunk_size=BATCH_SIZE) if client_id in client_ids}


def _add_big_task(tasks, items_of, manager, reviewers, kinds, clients_of, contacts_of, today) -> None:
    own = clients_of.get(manager.pk, [])
    if not own or not kinds:
        return
    checks = [completeness.info_check(kinds[0])]
    items: list[tuple[int, int | None, list[str]]] = []
    for client_id in own:
        if len(items) >= BIG_TASK_ITEMS:
            break
        items.append((client_id, None, checks))
        if client_id in contacts_of and len(items) < BIG_TASK_ITEMS:
            items.append((client_id, contacts_of[client_id], checks))
    tasks.append(
        Task(
            title=BIG_TASK_TITLE,
            description="Проверьте e-mail у каждого клиента и контактного лица.",
            kind=Task.Kind.CONTACT_INFO,
            executor=manager,
            reviewer=reviewers[0] if reviewers else None,
            author=reviewers[0] if reviewers else None,
            due_date=today + timedelta(days=7),
            state=Task.State.IN_PROGRESS,
            created_at=timezone.now(),
            updated_at=timezone.now(),
        )
    )
    items_of.append(items)


def _events(task: Task, rng: random.Random) -> list[TaskEvent]:
    """The history that brought the task to its state."""
    at = task.created_at or timezone.now()
    events = [TaskEvent(task=task, user=task.author, kind=TaskEvent.Kind.CREATED, iteration=1, at=at)]
    for iteration in range(1, task.iteration + 1):
        last = iteration == task.iteration
        if last and task.state in (Task.State.NEW,):
            break
        at += timedelta(hours=rng.randint(2, 48))
        events.append(TaskEvent(task=task, user=task.executor, kind=TaskEvent.Kind.STARTED, iteration=iteration, at=at))
        if last and task.state == Task.State.IN_PROGRESS:
            break
        if last and task.state == Task.State.RETURNED:
            # returned at the end of the previous round: the executor has not started again yet
            events.pop()
            break
        at += timedelta(hours=rng.randint(2, 48))
        events.append(TaskEvent(task=task, user=task.executor, kind=TaskEvent.Kind.DONE, iteration=iteration, at=at))
        if last and task.state == Task.State.DONE:
            break
        at += timedelta(hours=rng.randint(1, 24))
        decision = TaskEvent.Kind.ACCEPTED if last else TaskEvent.Kind.RETURNED
        comment = "" if last else rng.choice(RETURN_COMMENTS)
        events.append(TaskEvent(task=task, user=task.reviewer, kind=decision, iteration=iteration, at=at))
        events[-1].comment = comment
    return events


# The seeder interface (see devtools/seed/__init__.py).
seed = seed_tasks
SEED_MODELS = (Project, Task, TaskItem, TaskEvent)
SEED_GUARD = Task
