"""Step 3's count (services.selection_count) with its thresholds lowered: exact while the base is no
bigger than the sample or few lack, estimated from the sample beyond and said so («около»); the
pages and the tasks made are the same either way."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.urls import reverse

from clients.models import Client
from clients.tests import factories
from quality import services, views
from quality.models import WizardRun

CLIENTS = 12


@pytest.fixture
def thresholds(settings):
    settings.WIZARD_COUNT_SAMPLE = 4
    settings.WIZARD_EXACT_COUNT_UP_TO = 3
    return settings


def twelve(email, lacking: set[int]) -> list[Client]:
    """Twelve clients made in this order (the sample is the first four by id); those numbered in
    `lacking` have no e-mail, the others have one. The table is analysed: the planner's count is 12."""
    made = []
    for n in range(CLIENTS):
        client = factories.ClientFactory(name=f"Клиент {n:02d}", responsible=None)
        if n not in lacking:
            factories.ContactInfoFactory(client=client, kind=email, value=f"c{n}@example.ru")
        made.append(client)
    with connection.cursor() as cursor:
        cursor.execute(f'ANALYZE "{Client._meta.db_table}"')
    return made


@pytest.fixture
def client_run(boss, email):
    return WizardRun.objects.create(kind="contact_info", author=boss, client_checks=[f"info:{email.pk}"])


def test_the_count_is_exact_when_the_sample_holds_the_whole_base(client_run, email, settings):
    twelve(email, lacking={0, 2, 4, 6, 8, 9, 10, 11, 1})
    settings.WIZARD_COUNT_SAMPLE = CLIENTS + 1
    count = services.selection_count(client_run)
    assert count == 9 and not getattr(count, "estimated", False)


def test_many_lacking_in_a_large_base_are_estimated_from_the_sample(client_run, email, thresholds):
    twelve(email, lacking={0, 1, 2, 4, 5, 6, 8, 9, 10})  # three of the first four
    count = services.selection_count(client_run)
    assert count.estimated and count == 9  # 3 of 4 sampled × 12 in the base


def test_few_lacking_are_counted_exactly_even_in_a_large_base(client_run, email, thresholds):
    twelve(email, lacking={10, 11})  # none in the sample: the estimate is small
    count = services.selection_count(client_run)
    assert count == 2 and not getattr(count, "estimated", False)
    # more than the exact limit, though the sample saw none: the count says so
    thresholds.WIZARD_EXACT_COUNT_UP_TO = 1
    count = services.selection_count(client_run)
    assert count.estimated and count == 2


def test_step3_with_an_estimate_pages_through_the_same_clients(
    client, boss, client_run, email, thresholds, monkeypatch
):
    made = twelve(email, lacking={0, 1, 2, 4, 5, 6, 8, 9, 10})
    monkeypatch.setattr(views, "CLIENTS_PER_PAGE", 4)
    client.force_login(boss)
    url = reverse("quality:run_step", args=[client_run.pk, 3])
    page = client.get(url).content.decode()
    assert re.search(r"не заполнено \(у них самих или у их контактных лиц\): около 9\.", page)
    assert "Страница 1 из около 3" in page
    shown, number = [], 1
    while True:
        shown += re.findall(r'data-key="c(\d+)"', page)
        if 'id="next-page"' not in page:
            break
        number += 1
        page = client.get(url, {"page": number}).content.decode()
    lacking = [c for n, c in enumerate(made) if n in {0, 1, 2, 4, 5, 6, 8, 9, 10}]
    assert [int(pk) for pk in shown] == [c.pk for c in lacking]
    # a page past the real end gives the first one, not «Всё заполнено»
    assert 'data-key="c' in client.get(url, {"page": 99}).content.decode()
    # the tasks are made for every client that lacks, whatever step 3 showed
    assert services.selection(client_run).clients == 9
