"""What makes notifications: the tasks' events (heard through crm.events after their commit) and
the beat's daily look at overdue tasks, stuck deals and clients overdue on payment, and each
user's digest at the time they chose. Every notice has a key — the object and the iteration or the
day — so that hearing or scanning twice makes it once. The texts are Russian (LANGUAGE_CODE),
whatever language the page that caused them spoke."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Min, Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from crm.numbers import money
from crm.reversing import url_maker
from funnel.models import Deal
from funnel.stuck import stuck_deals
from notifications.models import Kind, Notification, Preference
from notifications.services import Draft, notify, preferences_of
from sales.models import Invoice
from tasks.models import Task
from tasks.services import counts_for

TASK_EVENTS = frozenset({"task.assigned", "task.done", "task.accepted", "task.returned"})


def heard() -> frozenset[str]:
    """The events the notifications listen to (no query: every user may want them)."""
    return TASK_EVENTS


def receive(name: str, payloads: list[dict]) -> None:
    """crm.events' listener, after the commit of the task's change."""
    with translation.override(settings.LANGUAGE_CODE):
        notify(draft for payload in payloads for draft in task_drafts(name, payload))


def task_drafts(name: str, task: dict) -> Iterator[Draft]:
    """Who hears of a task's event: given and returned — the executor, done — the reviewer,
    accepted — the executor and the author; never the one who did it."""
    title, pk, iteration = task["title"], task["id"], task.get("iteration", 1)
    link = url_maker("tasks:detail")(pk)
    by = task.get("by")
    if name == "task.assigned":
        kind, key, whom = Kind.ASSIGNED, f"task:{pk}:assigned:{task['executor_id']}", [task["executor_id"]]
        text = _("Вам поручена задача «%(title)s»") % {"title": title}
        if task.get("due_date"):
            due = date_format(datetime.date.fromisoformat(task["due_date"]), "d.m.Y")
            text += _(", дата исполнения %(date)s") % {"date": due}
    elif name == "task.returned":
        kind, key, whom = Kind.RETURNED, f"task:{pk}:returned:{iteration}", [task["executor_id"]]
        text = _("Задача «%(title)s» возвращена вам на доработку: %(comment)s") % {
            "title": title,
            "comment": task.get("comment", ""),
        }
    elif name == "task.done" and task.get("reviewer_id") and task.get("state") == Task.State.DONE:
        kind, key, whom = Kind.REVIEW, f"task:{pk}:done:{iteration}", [task["reviewer_id"]]
        text = _("Задача «%(title)s» выполнена и ждёт вашей проверки") % {"title": title}
    elif name == "task.accepted":
        # Done without a reviewer, it was accepted by its executor's own «Выполнено»: only the author hears.
        executor = task["executor_id"] if task.get("reviewer_id") else None
        kind, key, whom = Kind.ACCEPTED, f"task:{pk}:accepted", [executor, task.get("author_id")]
        text = _("Задача «%(title)s» принята") % {"title": title}
    else:
        return
    for user_id in dict.fromkeys(whom):
        if user_id and user_id != by:
            yield Draft(user_id, kind, key, text, link)


# --- the beat's daily look ---------------------------------------------------------------------------


def overdue_tasks(today: datetime.date) -> Iterator[Draft]:
    """«Моя задача просрочена»: each open task past its «Дата исполнения», to its executor, daily."""
    task_url = url_maker("tasks:detail")
    rows = Task.objects.filter(state__in=Task.OPEN_STATES, due_date__lt=today).values_list(
        "pk", "executor_id", "title", "due_date"
    )
    for pk, executor_id, title, due in rows.iterator(chunk_size=2000):
        text = _("Задача «%(title)s» просрочена: дата исполнения %(date)s") % {
            "title": title,
            "date": date_format(due, "d.m.Y"),
        }
        yield Draft(executor_id, Kind.OVERDUE, f"task-overdue:{pk}:{today.isoformat()}", text, task_url(pk))


def stuck(now: datetime.datetime) -> Iterator[Draft]:
    """«Сделка застряла на этапе»: each stuck deal (funnel.stuck), to its manager, daily."""
    deal_url, today = url_maker("funnel:deal_detail"), timezone.localdate(now)
    rows = stuck_deals(Deal.objects.filter(manager__isnull=False), now).values_list(
        "pk", "manager_id", "title", "stage__name", "stage_entered_at"
    )
    for pk, manager_id, title, stage, since in rows.iterator(chunk_size=2000):
        text = _("Сделка «%(title)s» на этапе «%(stage)s» дольше ожидаемого: с %(date)s") % {
            "title": title,
            "stage": stage,
            "date": date_format(timezone.localtime(since), "d.m.Y"),
        }
        yield Draft(manager_id, Kind.DEAL_STUCK, f"deal-stuck:{pk}:{today.isoformat()}", text, deal_url(pk))


def overdue_clients(today: datetime.date) -> Iterator[Draft]:
    """«Клиент просрочил оплату»: each client with shipped invoices unpaid past their «Срок оплаты»
    (the open invoices' partial index), to its responsible manager, daily."""
    client_url = url_maker("clients:detail")
    rows = (
        Invoice.objects.filter(
            status=Invoice.Status.SHIPPED,
            open_amount__gt=0,
            due_date__lt=today,
            client__responsible__isnull=False,
        )
        .values("client_id", "client__name", "client__responsible_id")
        .annotate(overdue=Sum("open_amount"), since=Min("due_date"))
        .order_by("client_id")
    )
    for row in rows.iterator(chunk_size=2000):
        text = _("Клиент «%(name)s» просрочил оплату: %(amount)s с %(date)s") % {
            "name": row["client__name"],
            "amount": money(row["overdue"]),
            "date": date_format(row["since"], "d.m.Y"),
        }
        key = f"client-overdue:{row['client_id']}:{today.isoformat()}"
        yield Draft(row["client__responsible_id"], Kind.CLIENT_OVERDUE, key, text, client_url(row["client_id"]))


def daily(now: datetime.datetime) -> int:
    """The day's overdue tasks, stuck deals and overdue clients; returns how many notices were made."""
    today = timezone.localdate(now)
    with translation.override(settings.LANGUAGE_CODE):
        return sum(notify(drafts, now=now) for drafts in (overdue_tasks(today), stuck(now), overdue_clients(today)))


def digest_due(now: datetime.datetime) -> list[int]:
    """The active users whose digest time has come today (the default time for those without settings)."""
    at = timezone.localtime(now).time()
    users = get_user_model().objects.filter(is_active=True).values_list("pk", flat=True)
    chosen = dict(Preference.objects.values_list("user_id", "digest_at"))
    default = Preference._meta.get_field("digest_at").default
    return [pk for pk in users if chosen.get(pk, default) <= at]


def digests(now: datetime.datetime) -> int:
    """«Ежедневная сводка» of each user whose time has come and who has not had today's."""
    today = timezone.localdate(now)
    key = f"digest:{today.isoformat()}"
    due = digest_due(now)
    prefs = preferences_of(due)
    done = set(Notification.objects.filter(recipient_id__in=due, key=key).values_list("recipient_id", flat=True))
    drafts = []
    with translation.override(settings.LANGUAGE_CODE):
        for user_id, pref in prefs.items():
            if user_id in done or not (pref.wants_bell(Kind.DIGEST) or pref.wants_email(Kind.DIGEST)):
                continue
            drafts.append(Draft(user_id, Kind.DIGEST, key, digest_text(pref.user, now), reverse("tasks:my")))
        return notify(drafts, now=now)


def digest_text(user, now: datetime.datetime) -> str:
    today = timezone.localdate(now)
    counts = counts_for(user)
    overdue = Task.objects.filter(executor=user, state__in=Task.OPEN_STATES, due_date__lt=today).count()
    deals = stuck_deals(Deal.objects.filter(manager=user), now).count()
    clients = (
        Invoice.objects.filter(
            status=Invoice.Status.SHIPPED, open_amount__gt=0, due_date__lt=today, client__responsible=user
        )
        .values("client_id")
        .distinct()
        .count()
    )
    return _(
        "Сводка на %(date)s: задач к выполнению — %(tasks)s, из них просрочено — %(overdue)s; ждут вашей "
        "проверки — %(reminders)s; сделок застряло на этапе — %(deals)s; клиентов с просроченной оплатой — "
        "%(clients)s."
    ) % {
        "date": date_format(today, "d.m.Y"),
        "tasks": counts["tasks"],
        "overdue": overdue,
        "reminders": counts["reminders"],
        "deals": deals,
        "clients": clients,
    }
