"""Celery entry points for client operations: thin wrappers over clients.services."""

from celery import shared_task

from clients import completeness, services
from clients.services import duplicates


@shared_task(name="clients.bulk_edit_clients")
def bulk_edit_clients(run_id: int) -> int | None:
    """Do a stored «Изменить выделенные» run. A duplicated or retried job finds the run taken or
    finished and does nothing. Returns how many clients changed, None if another job did it."""
    run = services.execute_bulk_edit_run(run_id)
    return run.changed if run is not None else None


@shared_task(name="clients.recompute_completeness")
def recompute_completeness() -> int:
    """Recompute every client's «Заполненность» after what is required changed."""
    return completeness.recompute()


@shared_task(name="clients.export_clients")
def export_clients(export_id: int) -> int | None:
    """Write a large «Excel» of the client list; None if another job did it."""
    export = services.execute_export(export_id)
    return export.rows if export is not None else None


@shared_task(name="clients.remove_old_exports")
def remove_old_exports() -> int:
    """Daily: delete the files of large exports older than CLIENTS_EXPORT_KEEP_DAYS."""
    return services.remove_old_exports()


@shared_task(name="clients.recheck_counterparties")
def recheck_counterparties() -> int:
    """Weekly (CLIENTS_RECHECK_EVERY_DAYS): «Проверка по ИНН» — a new run, or the failed one
    continued. Returns the run's id."""
    return services.start_recheck().pk


@shared_task(name="clients.recheck_run")
def recheck_run(run_id: int) -> int | None:
    """Do a stored «Проверка по ИНН» from its position; None if another job has it."""
    run = services.execute_recheck_run(run_id)
    return run.asked if run is not None else None


@shared_task(name="clients.find_duplicates")
def find_duplicates(search_id: int) -> int | None:
    """«Найти дубли»: a stored search over the whole base; None if another job did it."""
    search = duplicates.execute_search(search_id)
    return search.groups if search is not None else None
