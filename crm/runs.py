"""The background-run protocol (crm.models.Run): a job claims its run atomically, so a duplicated
or redelivered message does nothing; a failure is stored with a message for the user; and a sweep
(a beat job every few minutes) takes care of runs whose queue message or worker was lost:

- a run still «В очереди» after QUEUED_TIMEOUT is queued again (the claim keeps it to one
  worker), or failed with a message when the queue cannot be reached;
- a run «Выполняется» for longer than RUNNING_TIMEOUT whose row no transaction holds (its worker
  died; its changes were rolled back) is failed with a message, so it does not stay «Выполняется»
  until the broker redelivers it an hour later (the claim then refuses the late message).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Sequence

from django.apps import apps
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Run

logger = logging.getLogger(__name__)
QUEUED_TIMEOUT = datetime.timedelta(minutes=5)
RUNNING_TIMEOUT = datetime.timedelta(minutes=15)


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
    except refusals as error:
        message = str(error)
    except Exception:
        logger.exception("%s %s failed", model._meta.label, pk)
        message = failure
    fail(model, pk, message)
    return model.objects.get(pk=pk)


def _progress_key(model: type[Run], pk) -> str:
    return f"run-progress:{model._meta.label_lower}:{pk}"


def report_progress(model: type[Run], pk, done: int) -> None:
    """How much of a running run is done, for its page: the run's own row says nothing until the
    job's transaction commits."""
    cache.set(_progress_key(model, pk), done, timeout=3600)


def progress(run: Run) -> int:
    return cache.get(_progress_key(type(run), run.pk), 0)


def queue(run: Run) -> None:
    """Send the run's job, once the transaction that made the run has committed."""
    from crm.celery import app

    pk = str(run.pk)
    transaction.on_commit(lambda: app.send_task(run.job, args=[pk]))


def sweep(now: datetime.datetime | None = None) -> dict[str, int]:
    """Queue again the runs whose message was lost, fail the ones whose worker died.
    Returns how many of each: {"queued": n, "failed": n}."""
    from crm.celery import app

    now = now or timezone.now()
    counts = {"queued": 0, "failed": 0}
    for model in run_models():
        for pk in model.objects.filter(state=Run.State.QUEUED, created_at__lt=now - QUEUED_TIMEOUT).values_list(
            "pk", flat=True
        ):
            try:
                app.send_task(model.job, args=[str(pk)])
            except Exception:  # the broker is down: say so instead of waiting forever
                logger.exception("could not queue %s %s again", model._meta.label, pk)
                model.objects.filter(pk=pk, state=Run.State.QUEUED).update(
                    state=Run.State.FAILED,
                    error=_("Очередь фоновых задач недоступна: запустите ещё раз позже."),
                    finished_at=now,
                )
                counts["failed"] += 1
            else:
                counts["queued"] += 1
        stale = model.objects.filter(state=Run.State.RUNNING, started_at__lt=now - RUNNING_TIMEOUT)
        with transaction.atomic():
            # A live worker holds its run's row for the whole job: skip_locked passes it by.
            dead = list(stale.select_for_update(skip_locked=True).values_list("pk", flat=True))
            counts["failed"] += model.objects.filter(pk__in=dead).update(
                state=Run.State.FAILED,
                error=_(
                    "Выполнение прервалось (остановился обработчик фоновых задач); изменения не внесены. "
                    "Запустите ещё раз."
                ),
                finished_at=now,
            )
    return counts
