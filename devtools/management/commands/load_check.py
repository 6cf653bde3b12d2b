"""`manage.py load_check FILE [--wait SECONDS]`: after `bin/load`, is everything its users saved there?

FILE is the JSONL journal the locust users wrote (devtools/load/locustfile.py), one line per
accepted save:

    {"kind": "edit", "client": 3, "field": "comment", "value": "…", "user": "manager2", "opened_version": 4}
    {"kind": "info", "client": 3, "info_kind": 3, "value": "load-…@example.com", "user": "manager2"}
    {"kind": "move", "deal": 17, "stage": 4, "user": "manager"}
    {"kind": "done" | "accept", "task": 12, "user": "supervisor"}
    {"kind": "wizard", "run": "<uuid>", "user": "supervisor"}
    {"kind": "conflict", "client": 3, "field": "comment", "user": "manager"}   (shown on the field; saved again)

Checks: every edit is in its client's history under its author, and the field holds the value of
the last edit saved to it (a card two users saved at once is a merge by field, crm.merge: an
edit of another field never undoes it); every new contact information row exists and is in the
history; every move left its transition; every done or accepted task is in that state or later;
every wizard run finished and made each of its tasks once. Prints what is missing and exits 1.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from clients.models import Client, ClientChange, ContactInfo
from funnel.models import StageTransition
from quality.models import WizardRun
from tasks.models import Task


class Command(BaseCommand):
    help = "Check that everything bin/load's users saved is in the database and the history."

    def add_arguments(self, parser):
        parser.add_argument("journal", type=Path)
        parser.add_argument("--wait", type=int, default=120, help="seconds to wait for wizard runs to finish")

    def handle(self, *args, journal: Path, wait: int, **options):
        try:
            entries = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines() if line.strip()]
        except (OSError, ValueError) as error:
            raise CommandError(f"cannot read the journal {journal}: {error}") from error
        by_kind = defaultdict(list)
        for entry in entries:
            by_kind[entry["kind"]].append(entry)
        problems = [
            *edits_lost(by_kind["edit"]),
            *infos_lost(by_kind["info"]),
            *moves_lost(by_kind["move"]),
            *tasks_lost(by_kind["done"], by_kind["accept"]),
            *wizards_wrong(by_kind["wizard"], wait),
        ]
        merged = merges(by_kind["edit"])
        counts = (
            f"{len(by_kind['edit'])} card edits ({merged} saved over a colleague's save since the form was opened, "
            f"merged by field; {len(by_kind['conflict'])} conflicts on a field shown and saved again), "
            f"{len(by_kind['info'])} contact information rows, {len(by_kind['move'])} deal moves, "
            f"{len(by_kind['done'])} tasks done, {len(by_kind['accept'])} accepted, "
            f"{len({e['run'] for e in by_kind['wizard']})} wizard runs"
        )
        for problem in problems:
            self.stdout.write(f"LOST: {problem}")
        if problems:
            raise CommandError(f"{len(problems)} problems among {counts}.")
        self.stdout.write(self.style.SUCCESS(f"Nothing lost: {counts}."))


def _history(client_ids) -> dict[int, list[ClientChange]]:
    """The clients' history, oldest first."""
    history = defaultdict(list)
    changes = ClientChange.objects.filter(client_id__in=set(client_ids)).select_related("user").order_by("at", "id")
    for change in changes:
        history[change.client_id].append(change)
    return history


def edits_lost(edits: list[dict]) -> list[str]:
    """Each edit is in its client's history; afterwards the field was never set back to a value it
    had before (the load's users write fresh values only, so that is an edit undone); the card
    holds what its history last says. A save whose answer the user never got (the run ended
    meanwhile) is in the history but not in the journal: that is no loss."""
    history = _history(e["client"] for e in edits)
    problems = []
    for edit in edits:
        found = [
            change
            for change in history[edit["client"]]
            if change.user is not None
            and change.user.username == edit["user"]
            and any(c["field"] == edit["field"] and c["new"] == edit["value"] for c in change.changes)
        ]
        if not found:
            problems.append(
                f"client {edit['client']}: {edit['user']}'s {edit['field']} = {edit['value']!r} is not in its history"
            )
    fields = {(e["client"], e["field"]) for e in edits}
    clients = Client.objects.in_bulk({client for client, _field in fields})
    for client, field in sorted(fields):
        journaled = {e["value"] for e in edits if e["client"] == client and e["field"] == field}
        seen: list[str] = []
        last = None
        for change in history[client]:
            for entry in change.changes:
                if entry["field"] != field:
                    continue
                if not seen:
                    seen.append(entry["old"])
                if entry["new"] in seen and (set(seen) & journaled):
                    problems.append(
                        f"client {client}: {field} set back to the earlier {entry['new']!r} by {change.user}"
                        f" ({change.at:%H:%M:%S}): an edit undone"
                    )
                seen.append(entry["new"])
                last = entry["new"]
        now = getattr(clients[client], field) if client in clients else None
        if last is not None and now != last:
            problems.append(f"client {client}: {field} is {now!r}, but its history last says {last!r}")
    return problems


def merges(edits: list[dict]) -> int:
    """Edits saved although someone else saved the card after this user opened it."""
    history = _history(e["client"] for e in edits)
    count = 0
    for edit in edits:
        mine = [
            c.version
            for c in history[edit["client"]]
            if c.user is not None and any(d["new"] == edit["value"] for d in c.changes)
        ]
        count += bool(mine) and mine[0] > edit.get("opened_version", 0) + 1
    return count


def infos_lost(infos: list[dict]) -> list[str]:
    history = _history(i["client"] for i in infos)
    problems = []
    for info in infos:
        if not ContactInfo.objects.filter(
            client_id=info["client"], kind_id=info["info_kind"], value=info["value"]
        ).exists():
            problems.append(
                f"client {info['client']}: {info['user']}'s contact information {info['value']!r} is missing"
            )
        elif not any(
            c.user is not None
            and c.user.username == info["user"]
            and any(d["field"] == "contact_info" and info["value"] in d["new"] for d in c.changes)
            for c in history[info["client"]]
        ):
            problems.append(f"client {info['client']}: {info['value']!r} is not in its history")
    return problems


def moves_lost(moves: list[dict]) -> list[str]:
    return [
        f"deal {m['deal']}: {m['user']}'s move to stage {m['stage']} left no transition"
        for m in moves
        if not StageTransition.objects.filter(
            deal_id=m["deal"], to_stage_id=m["stage"], by__username=m["user"]
        ).exists()
    ]


def tasks_lost(done: list[dict], accepted: list[dict]) -> list[str]:
    problems = []
    later = {Task.State.DONE, Task.State.ACCEPTED, Task.State.RETURNED, Task.State.IN_PROGRESS}
    states = dict(Task.objects.filter(pk__in={e["task"] for e in done + accepted}).values_list("pk", "state"))
    for entry in done:
        # A done task may since have been accepted, or returned and taken up again.
        if states.get(entry["task"]) not in later:
            problems.append(f"task {entry['task']}: marked done by {entry['user']}, now {states.get(entry['task'])}")
    for entry in accepted:
        if states.get(entry["task"]) != Task.State.ACCEPTED:
            problems.append(f"task {entry['task']}: accepted by {entry['user']}, now {states.get(entry['task'])}")
    return problems


def wizards_wrong(wizards: list[dict], wait: int) -> list[str]:
    run_ids = {w["run"] for w in wizards}
    finished = {WizardRun.State.DONE, WizardRun.State.FAILED}
    deadline = time.monotonic() + wait
    while WizardRun.objects.filter(pk__in=run_ids).exclude(state__in=finished).exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    problems = []
    runs = {str(r.pk): r for r in WizardRun.objects.filter(pk__in=run_ids)}
    for run_id in sorted(run_ids):
        run = runs.get(run_id)
        if run is None:
            problems.append(f"wizard run {run_id} is missing")
            continue
        if run.state != WizardRun.State.DONE:
            problems.append(f"wizard run {run_id} is {run.state}: {run.error or 'not finished'}")
            continue
        tasks = list(Task.objects.filter(origin=run.origin).values_list("executor_id", flat=True))
        if len(tasks) != run.tasks_count or len(set(tasks)) != len(tasks):
            problems.append(f"wizard run {run_id} counted {run.tasks_count} tasks but made {len(tasks)}")
    return problems
