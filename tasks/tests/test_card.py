"""The client card's «Задачи»: the tasks not yet accepted that name the client or its contact
persons, as far as the user may open them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients import completeness
from clients.tests import factories as client_factories
from tasks import services


def card(client_card) -> str:
    return reverse("clients:detail", args=[client_card.pk])


def task_for(title, executor, reviewer, *items, **fields):
    return services.create_task(
        title=title, kind="general", executor=executor, reviewer=reviewer, author=reviewer, items=items, **fields
    )


def test_the_card_lists_the_open_tasks_that_name_the_client_or_its_contacts(client, executor, reviewer, stranger):
    romashka = client_factories.ClientFactory(name="ООО «Ромашка»", responsible=executor)
    contact = client_factories.ContactPersonFactory(client=romashka, name="Петров")
    other = client_factories.ClientFactory(name="Другой")
    task_for("Позвонить в Ромашку", executor, reviewer, completeness.Item(romashka.pk, None, []))
    task_for("Уточнить должность Петрова", executor, reviewer, completeness.Item(romashka.pk, contact.pk, []))
    done = task_for("Уже принята", executor, reviewer, completeness.Item(romashka.pk, None, []))
    services.transition(done, executor, "complete")
    services.transition(done, reviewer, "accept")
    task_for("Про другого", executor, reviewer, completeness.Item(other.pk, None, []))
    task_for("Чужая", stranger, reviewer, completeness.Item(romashka.pk, None, []))

    client.force_login(executor)
    page = client.get(card(romashka)).content.decode()
    section = page.split('id="client-tasks"')[1].split("</section>")[0]
    assert "Позвонить в Ромашку" in section and "Уточнить должность Петрова" in section
    assert "Уже принята" not in section and "Про другого" not in section
    assert "Чужая" not in section  # not the executor's, reviewer's or author's: they may not open it

    client.force_login(reviewer)  # a supervisor opens every task
    section = client.get(card(romashka)).content.decode().split('id="client-tasks"')[1].split("</section>")[0]
    assert "Чужая" in section


def test_a_card_without_tasks_has_no_section(client, executor):
    lonely = client_factories.ClientFactory(name="Без задач", responsible=executor)
    client.force_login(executor)
    assert 'id="client-tasks"' not in client.get(card(lonely)).content.decode()


@pytest.mark.parametrize("count", [1, 12])
def test_the_tasks_cost_the_card_one_query(client, executor, reviewer, count):
    romashka = client_factories.ClientFactory(name="ООО «Ромашка»", responsible=executor)
    for n in range(count):
        task_for(f"Задача {n}", executor, reviewer, completeness.Item(romashka.pk, None, []))
    client.force_login(executor)
    client.get(card(romashka))
    with CaptureQueriesContext(connection) as queries:
        page = client.get(card(romashka)).content.decode()
    assert len([q for q in queries.captured_queries if '"tasks_task"' in q["sql"]]) == 1 + 1  # + the top bar's counters
    assert page.count("data-task=") == min(count, 10)
    assert ("Показаны 10 ближайших по сроку." in page) == (count > 10)
