"""The background-run protocol (crm.models.Run): a job claims its run atomically, so a duplicated
or redelivered message does nothing; a failure is stored with a message for the user, who may run
it again («Запустить ещё раз»); and a sweep (a beat job every few minutes, and the run's own page
whenever it is viewed) takes care of runs whose queue message or worker was lost:

- a job is queued only when the broker answers (`queue`/`enqueue` ask it first and raise
  QueueUnavailable, so the page can say so and the transaction commits nothing that waits for it),
  and sent once that transaction has committed;
- a run still «В очереди» after QUEUED_TIMEOUT (its message was lost: Redis restarted without
  persistence, or failed between the check and the send) is queued again (the claim keeps it to one
  worker), or failed with a message when the queue cannot be reached;
- a run «Выполняется» for longer than DEAD_AFTER whose row no transaction holds is failed with a
  message: a live job holds its row from the moment it starts, so an unheld row means the worker
  died and its changes were rolled back. The broker redelivers the dead job's message later
  (acks_late; the visibility timeout in settings is longer than any job may run): the claim refuses
  it, since the run is no longer queued.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable, Sequence

from celery.exceptions import SoftTimeLimitExceeded
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from crm.models import Run

logger = logging.getLogger(__name__)
QUEUED_TIMEOUT = datetime.timedelta(minutes=5)
DEAD_AFTER = datetime.timedelta(minutes=1)


class QueueUnavailable(Exception):
    """The broker of background jobs does not answer: nothing that would wait for it is kept."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "Очередь фоновых задач сейчас недоступна, поэтому ничего не записано. Повторите через "
                "несколько минут; если не получится, сообщите администратору."
            )
        )


def run_models() -> list[type[Run]]:
    return [model for model in apps.get_models() if issubclass(model, Run)]


def claim(model: type[Run], pk) -> bool:
    """Take a queued run for this worker; False when another took it or it is no longer queued."""
    return bool(
        model.objects.filter(pk=pk, state=Run.State.QUEUED).update(state=Run.State.RUNNING, started_at=timezone.now())
    )


def fail(model: type[Run], pk, message: str) -> None:
    """Mark a running run failed with a message for its page."""
    model.objects.filter(pk=pk, state=Run.State.RUNNING).update(
        state=Run.State.FAILED, error=message, finished_at=timezone.now()
    )


def execute(
    model: type[Run],
    pk,
    work: Callable[[Run], None],
    *,
    refusals: tuple[type[Exception], ...] = (),
    failure: str,
    related: Sequence[str] = (),
) -> Run | None:
    """Do a stored run, once: claim it, then hold its row (locked) while `work(run)` does the job
    and sets the run's counts, in one transaction that ends with the run DONE. A duplicated or
    redelivered job finds the run taken or finished and does nothing (None). An exception of
    `refusals` fails the run with its own text, any other with `failure` (and a logged trace);
    nothing the job did stays. Returns the run."""
    claim(model, pk)
    try:
        with transaction.atomic():
            run = (
                model.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related(*related)
                .filter(pk=pk, state=Run.State.RUNNING)
                .first()
            )
            if run is None:
                return None
            work(run)
            run.state, run.finished_at = Run.State.DONE, timezone.now()
            run.save()
            return run
    except Exception as error:
        message = _failure_message(error, model, pk, failure, refusals)
    fail(model, pk, message)
    return model.objects.get(pk=pk)


def _failure_message(
    error: Exception, model: type[Run], pk, failure: str, refusals: tuple[type[Exception], ...]
) -> str:
    """What a failed run shows: a refusal's own text, the time limit's, else `failure` (the trace
    logged). Called inside the `except` that caught `error`."""
    if isinstance(error, refusals):
        return str(error)
    if isinstance(error, SoftTimeLimitExceeded):
        return _time_limit_message()
    logger.exception("%s %s failed", model._meta.label, pk)
    return failure


def _time_limit_message() -> str:
    return _("Выполнение остановлено: оно заняло больше %(minutes)s мин. Сообщите администратору.") % {
        "minutes": settings.CELERY_TASK_SOFT_TIME_LIMIT // 60
    }


class Halt(Exception):
    """Raised by a step of `execute_in_steps`: what the step did is kept, then the run fails with
    this text (and may be run again: it continues from there)."""


def execute_in_steps(
    model: type[Run], pk, step: Callable[[Run], bool], *, failure: str, budget: float | None = None
) -> Run | None:
    """Do a long stored run step by step, for a job that must keep its place (a failed or stopped
    run continues where it stopped, instead of doing everything again): `step(run)` does a short
    piece of the work, sets the run's position and counts, and returns True when nothing is left.
    Each step is one transaction that holds the run's row (locked) and ends by saving it, so what
    a step did is kept together with the position. A step that raises Halt keeps its work and fails
    the run with its text; any other exception rolls the step back and fails the run with `failure`.
    After `budget` seconds (by default half the soft time limit) the run goes back to the queue and
    a fresh job continues it. `started_at` moves with every step: it is the sweep's clock, and a
    run is dead only when no step came for DEAD_AFTER. Returns the run; None when another job has it
    (a run between two steps holds no lock: only the job that claimed it goes on)."""
    if not claim(model, pk):
        return None
    began = time.monotonic()
    budget = settings.CELERY_TASK_SOFT_TIME_LIMIT / 2 if budget is None else budget
    while True:
        halted = None
        try:
            with transaction.atomic():
                run = model.objects.select_for_update(skip_locked=True, of=("self",)).filter(pk=pk).first()
                if run is None or run.state != Run.State.RUNNING:
                    return None
                try:
                    finished = step(run)
                except Halt as error:
                    finished, halted = False, str(error)
                now = timezone.now()
                if finished:
                    run.state, run.finished_at = Run.State.DONE, now
                elif halted is None and time.monotonic() - began > budget:
                    run.state, run.queued_at, run.started_at = Run.State.QUEUED, now, None
                    queue(run)
                else:
                    run.started_at = now
                run.save()
        except Exception as error:
            message = _failure_message(error, model, pk, failure, (QueueUnavailable,))
        else:
            if halted is None:
                if run.state == Run.State.RUNNING:
                    continue
                return run
            message = halted
        fail(model, pk, message)
        return model.objects.get(pk=pk)


def _progress_key(model: type[Run], pk) -> str:
    return f"run-progress:{model._meta.label_lower}:{pk}"


def report_progress(model: type[Run], pk, done: int) -> None:
    """How much of a running run is done, for its page: the run's own row says nothing until the
    job's transaction commits. Only a hint: a cache that is down loses it, not the job."""
    try:
        cache.set(_progress_key(model, pk), done, timeout=3600)
    except Exception:
        logger.warning("run progress not kept: the cache is unavailable", exc_info=True)


def progress(run: Run) -> int:
    try:
        return cache.get(_progress_key(type(run), run.pk), 0)
    except Exception:  # the cache (Redis) is down: the page shows the run without its progress
        logger.warning("run progress unknown: the cache is unavailable", exc_info=True)
        return 0


def ensure_queue() -> None:
    """Raise QueueUnavailable unless the broker answers now. Eager mode (the demo) has none to ask."""
    from crm.celery import app

    if app.conf.task_always_eager:
        return
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=5)
    except Exception as error:
        logger.warning("the broker does not answer: %s", error)
        raise QueueUnavailable from error


def _send(name: str, args: list) -> None:
    from crm.celery import app

    if app.conf.task_always_eager:  # the demo: the job runs here and now
        app.loader.import_default_modules()  # the jobs modules, as a worker imports them
        app.tasks[name].apply(args=args, throw=True)
    else:
        app.send_task(name, args=args)


def enqueue(name: str, *args) -> None:
    """Queue the job `name` once the current transaction commits, if the broker answers now
    (QueueUnavailable otherwise: let it roll the transaction back). Should the broker fail between
    the question and the send, the failure is logged rather than raised after the commit: a run's
    sweep queues it again."""
    enqueue_each(name, [args])


def enqueue_each(name: str, args_list: Sequence[Sequence]) -> None:
    """`enqueue` for many jobs of one name (one per args): the broker is asked once."""
    if not args_list:
        return
    ensure_queue()
    args_list = [list(args) for args in args_list]

    def send() -> None:
        try:
            for args in args_list:
                _send(name, args)
        except (OperationalError, OSError):
            logger.exception("%s not queued: the broker failed after it answered", name)

    transaction.on_commit(send)


def queue(run: Run) -> None:
    """Queue the run's job (`enqueue`); call it in the transaction that made or re-queued the run."""
    enqueue(run.job, str(run.pk))


def retry(run: Run) -> bool:
    """«Запустить ещё раз»: a failed run back to the queue, as stored (a job does all or nothing, so
    a failed one left nothing behind). Raises QueueUnavailable. False when it is not failed (any
    more): a double click."""
    model = type(run)
    with transaction.atomic():
        again = model.objects.filter(pk=run.pk, state=Run.State.FAILED).update(
            state=Run.State.QUEUED, error="", started_at=None, finished_at=None, queued_at=timezone.now()
        )
        if again:
            queue(run)
    return bool(again)


def revive(run: Run) -> Run:
    """The sweep for one run, when its page is viewed (no query unless the run is overdue);
    returns the run as it is now."""
    now = timezone.now()
    overdue = (run.state == Run.State.QUEUED and run.queued_at < now - QUEUED_TIMEOUT) or (
        run.state == Run.State.RUNNING and run.started_at is not None and run.started_at < now - DEAD_AFTER
    )
    model = type(run)
    if overdue and any(_sweep_model(model, now, model.objects.filter(pk=run.pk)).values()):
        run.refresh_from_db()
    return run


def sweep(now: datetime.datetime | None = None) -> dict[str, int]:
    """Queue again the runs whose message was lost, fail the ones whose worker died.
    Returns how many of each: {"queued": n, "failed": n}."""
    now = now or timezone.now()
    counts = {"queued": 0, "failed": 0}
    for model in run_models():
        for key, value in _sweep_model(model, now, model.objects.all()).items():
            counts[key] += value
    return counts


def _sweep_model(model: type[Run], now: datetime.datetime, runs) -> dict[str, int]:
    counts = {"queued": 0, "failed": 0}
    for pk in runs.filter(state=Run.State.QUEUED, queued_at__lt=now - QUEUED_TIMEOUT).values_list("pk", flat=True):
        try:
            _send(model.job, [str(pk)])
        except Exception:  # the broker is down: say so instead of waiting forever
            logger.exception("could not queue %s %s again", model._meta.label, pk)
            counts["failed"] += model.objects.filter(pk=pk, state=Run.State.QUEUED).update(
                state=Run.State.FAILED,
                error=_("Очередь фоновых задач недоступна: запустите ещё раз позже."),
                finished_at=now,
            )
        else:
            model.objects.filter(pk=pk, state=Run.State.QUEUED).update(queued_at=now)
            counts["queued"] += 1
    stale = runs.filter(state=Run.State.RUNNING, started_at__lt=now - DEAD_AFTER)
    with transaction.atomic():
        # A live worker holds its run's row for the whole job: skip_locked passes it by.
        dead = list(stale.select_for_update(skip_locked=True).values_list("pk", flat=True))
        counts["failed"] += model.objects.filter(pk__in=dead).update(
            state=Run.State.FAILED,
            error=_(
                "Выполнение прервалось (остановился обработчик фоновых задач); изменения не внесены. Запустите ещё раз."
            ),
            finished_at=now,
        )
    return counts
