"""Reports read from a real streaming replica (bin/test starts one beside its PostgreSQL, made with
pg_basebackup): within the lag bound they read the replica and say so; past it, or with the replica
down, they read the primary (crm/replica.py)."""

import os
import time

import psycopg2
import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.tests import factories
from crm import replica
from crm.tests.processes import free_port, wait_for

URL = reverse("reports:completeness_by_manager")
FROM_REPLICA = "Отчёт построен по копии базы данных"

# `alone`: one of them pauses the replica's replay, which every other reader of it would see.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data"), pytest.mark.alone]


@pytest.fixture
def replica_db():
    """The `replica` alias, as REPLICA_DATABASE_URL makes it in production, at bin/test's replica."""
    port = os.environ.get("CRM_TEST_REPLICA_PORT")
    if not port:
        pytest.skip("no replica: the tests were given a PostgreSQL server of someone else's")
    primary = connections["default"]
    # A connection made here, not an alias of the settings: pytest-django's database guard lets
    # only connections it did not know of at the test's start through.
    standby = type(primary)({**primary.settings_dict, "PORT": port}, alias=replica.REPLICA)
    connections[replica.REPLICA] = standby
    try:
        yield standby
    finally:
        standby.close()
        del connections[replica.REPLICA]


def _replay(paused: bool) -> None:
    params = connections[replica.REPLICA].get_connection_params()
    with psycopg2.connect(**params) as standby, standby.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()")
    standby.close()


def _caught_up(standby) -> bool:
    """Whether the replica has replayed everything the primary has written so far (a replica that
    has replayed all it *received* may still be waiting for the last commit to arrive)."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        written = cursor.fetchone()[0]
    with standby.cursor() as cursor:
        cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [written])
        return cursor.fetchone()[0]


def _clients_in_report(http) -> tuple[int, str]:
    response = http.get(URL)
    assert response.status_code == 200
    return response.context["table"].total.clients, response.content.decode()


def test_a_report_reads_the_replica_within_the_lag_bound_and_the_primary_beyond(client, replica_db, settings):
    boss = factories.UserFactory(username="boss", is_superuser=True)
    manager = factories.manager(username="anna")
    factories.ClientFactory.create_batch(3, responsible=manager)
    client.force_login(boss)
    wait_for(lambda: _caught_up(replica_db), 30, "the replica to replay what the primary wrote")
    assert replica.lag_seconds() == 0

    with CaptureQueriesContext(replica_db) as on_replica, CaptureQueriesContext(connections["default"]) as on_primary:
        count, page = _clients_in_report(client)
    assert count == 3 and FROM_REPLICA in page
    assert len(on_replica.captured_queries) > 1  # the lag, then the report's own queries
    assert not any("clients_client" in q["sql"] for q in on_primary.captured_queries)

    # The replica stops replaying: a new card reaches the primary only. Within the bound the report
    # shows the replica's (older) figures — proof that it reads there — and says how old they are.
    _replay(paused=True)
    try:
        factories.ClientFactory(responsible=manager)
        time.sleep(1.2)
        count, page = _clients_in_report(client)
        assert count == 3 and FROM_REPLICA in page
        settings.REPLICA_MAX_LAG_SECONDS = 1
        count, page = _clients_in_report(client)  # more than a second behind now: the primary's
        assert count == 4 and FROM_REPLICA not in page
    finally:
        _replay(paused=False)


def test_with_the_replica_down_reports_read_the_primary(client, replica_db):
    replica_db.close()
    replica_db.settings_dict["PORT"] = str(free_port())  # nobody listens there
    factories.ClientFactory.create_batch(2, responsible=factories.manager(username="anna"))
    client.force_login(factories.UserFactory(username="boss", is_superuser=True))
    count, page = _clients_in_report(client)
    assert count == 2 and FROM_REPLICA not in page
