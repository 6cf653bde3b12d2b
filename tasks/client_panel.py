"""The client card's «Задачи» (registered as a card panel in TasksConfig.ready): the tasks not yet
accepted that name the client or one of its contact persons — to fill something or else — as far as
the user may open them. One query; nothing is drawn when there are none."""

from __future__ import annotations

from clients.models import Client
from crm import roles
from tasks.models import Task, TaskItem

CARD_TASKS = 10


def tasks_panel(client: Client, user) -> dict | None:
    if not roles.is_staff_role(user):
        return None
    tasks = Task.objects.filter(
        pk__in=TaskItem.objects.filter(client=client).values("task_id"), state__in=(*Task.OPEN_STATES, Task.State.DONE)
    )
    visible = tasks.visible_to(user).select_related("executor", "project").order_by("due_date", "pk")
    shown = list(visible[: CARD_TASKS + 1])
    if not shown:
        return None
    return {"tasks": shown[:CARD_TASKS], "more": len(shown) > CARD_TASKS}
