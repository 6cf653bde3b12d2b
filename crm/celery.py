import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")

# DjangoTask adds delay_on_commit(): a job is queued only once the transaction that asked for it
# has committed, so a worker never sees rows that are not there yet.
app = Celery("crm", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(related_name="jobs")
