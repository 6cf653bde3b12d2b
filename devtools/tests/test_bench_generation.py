"""Task generation through a real Celery worker."""

import io

from django.core.management import call_command

from quality.models import WizardRun
from tasks.models import Task


def test_bench_generation_times_a_run_through_the_worker_and_cleans_up(celery_worker, reference_data):
    call_command("seed_demo", size="XS", verbosity=0)
    tasks_before, runs_before = Task.objects.count(), WizardRun.objects.count()
    out = io.StringIO()
    call_command("bench_generation", clients=10, executors=2, stdout=out)
    assert "Готово: 2 tasks" in out.getvalue()
    assert "from submit to done" in out.getvalue()
    assert (Task.objects.count(), WizardRun.objects.count()) == (tasks_before, runs_before)
