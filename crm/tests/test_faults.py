"""Faults of the real services, survived: a database connection that died, the PostgreSQL server restarted."""

import psycopg2
import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, transaction
from django.test import RequestFactory

from clients import services
from clients.models import BulkEditRun, Client
from clients.tests import factories
from crm import runs
from crm.models import Run
from crm.tests.processes import restart_postgres, wait_for


def served(path: str, session: str) -> int:
    """The status of a GET through Django's own WSGI handler, as gunicorn calls it (the test
    client skips the connection checks that run at the start and end of a real request)."""
    environ = RequestFactory()._base_environ(
        PATH_INFO=path, REQUEST_METHOD="GET", HTTP_COOKIE=f"{settings.SESSION_COOKIE_NAME}={session}"
    )
    statuses = []
    response = WSGIHandler()(environ, lambda status, headers: statuses.append(status))
    response.close()
    return int(statuses[0].split()[0])


def logged_in_session(user) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


@pytest.mark.django_db(transaction=True)
def test_a_database_restart_costs_no_request_a_500(monkeypatch, django_user_model):
    """The probe: after a PostgreSQL restart the first request on each gunicorn worker answered 500."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)  # kept connections, as in production
    # A superuser: the role groups of the data migrations are gone after another transactional test.
    session = logged_in_session(django_user_model.objects.create_superuser("olga", password="not-used-here"))
    try:
        assert served("/service/", session) == 200
        assert connection.connection is not None, "the connection should be kept between requests"
        with psycopg2.connect(**connection.get_connection_params()) as admin, admin.cursor() as cursor:
            # What a restart does to every kept connection.
            cursor.execute("SELECT pg_terminate_backend(%s)", [connection.connection.get_backend_pid()])
        assert served("/service/", session) == 200
    finally:
        connection.close()


@pytest.mark.alone  # every connection to the server is cut, other tests' too
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_postgresql_restart_loses_no_request_and_no_job(worker, monkeypatch, django_user_model):
    """The server itself restarted (bin/test's own), with a page's and a worker's connections kept."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    session = logged_in_session(django_user_model.objects.create_superuser("olga", password="not-used-here"))
    boss = django_user_model.objects.get(username="olga")
    clients = factories.ClientFactory.create_batch(3, abc_class="")
    worker.start()

    def bulk_edit(abc_class: str) -> BulkEditRun:
        with transaction.atomic():
            run = services.create_bulk_edit_run(
                [c.pk for c in clients], services.BulkChanges(builtin={"abc_class": abc_class}), user=boss
            )
            runs.queue(run)
        wait_for(lambda: BulkEditRun.objects.get(pk=run.pk).finished, 60, "the bulk edit")
        return BulkEditRun.objects.get(pk=run.pk)

    try:
        assert bulk_edit("A").state == Run.State.DONE  # the worker now keeps a connection too
        assert served("/service/", session) == 200
        restart_postgres()
        assert served("/service/", session) == 200
        assert bulk_edit("B").state == Run.State.DONE
        assert Client.objects.filter(abc_class="B").count() == 3
    finally:
        connection.close()
