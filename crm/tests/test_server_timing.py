"""The Server-Timing header (crm.middleware.ServerTimingMiddleware): off by default; on, every
answer carries what it cost — the process's CPU, the database's time and the statements run."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.tests.factories import ClientFactory, manager

TIMING = re.compile(r'^cpu;dur=(\d+\.\d), sql;dur=(\d+\.\d);desc="(\d+)"$')


@pytest.mark.django_db
def test_answers_carry_no_timing_unless_it_is_turned_on(client):
    client.force_login(manager())
    assert "Server-Timing" not in client.get(reverse("clients:list"))


@pytest.mark.django_db
def test_a_page_says_its_cpu_its_database_time_and_every_statement_it_ran(client):
    user = manager()
    ClientFactory.create_batch(3, responsible=user)
    client.force_login(user)
    with override_settings(MIDDLEWARE=["crm.middleware.ServerTimingMiddleware", *settings.MIDDLEWARE]):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("clients:list"))

    assert response.status_code == 200
    cpu, sql, statements = TIMING.match(response["Server-Timing"]).groups()
    assert int(statements) == len(queries) > 5
    assert float(cpu) > 0 and float(sql) > 0
