import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from clients.completeness import extra_check, property_check
from clients.tests import factories
from crm import runs
from crm.models import Project
from quality import services
from quality.models import WizardRun
from quality.services import WizardError
from tasks.models import Task, TaskItem


def names(rows) -> list[tuple[str, str]]:
    return [(r.client.name, r.contact.name if r.contact else "") for r in rows]


def test_step3_lists_who_lacks_the_email_client_by_client(base, email_run, django_assert_max_num_queries):
    clients = list(services.clients_in_selection(email_run))
    assert [c.name for c in clients] == ["Альфа", "Бета", "Гамма", "Дельта"]
    with django_assert_max_num_queries(5):
        rows = services.rows_of_page(email_run, clients)
    # Альфа has its e-mail: only its contact person is listed
    assert names(rows) == [("Альфа", "Петров Пётр"), ("Бета", ""), ("Гамма", ""), ("Дельта", "")]
    assert all(r.missing == ["Email"] and r.ticked for r in rows)


def test_the_filter_narrows_the_base(base, email_run):
    email_run.filter_query = "abc_class=A"
    assert [c.name for c in services.clients_in_selection(email_run)] == ["Бета", "Гамма"]
    email_run.filter_query = ""
    email_run.contact_name = "петров"
    assert [c.name for c in services.clients_in_selection(email_run)] == ["Альфа"]


def test_properties_and_extra_fields_respect_the_kind_of_client(db, boss):
    company = factories.ClientFactory(name="ООО Ромашка", kind="company", inn="7707083893", kpp="")
    person = factories.ClientFactory(name="Иванов", kind="individual", inn="500100732259", kpp="")
    staff = factories.ExtraFieldFactory(name="Штат", value_type="number", applies_to="companies")
    run = WizardRun.objects.create(
        kind="properties", author=boss, client_checks=[property_check("kpp"), extra_check(staff)]
    )
    # КПП and a companies-only field: the individual lacks nothing
    assert list(services.clients_in_selection(run)) == [company]
    rows = services.rows_of_page(run, [company])
    assert rows[0].missing == ["КПП", "Штат"]
    assert person not in services.clients_in_selection(run)


def test_distribution_by_responsible_needs_a_fallback_for_clients_without_one(base, email_run, boss):
    with pytest.raises(WizardError, match="нет ответственного"):
        services.check_distribution(email_run)
    email_run.fallback_executor = boss
    shares = services.distribute(email_run, services.selection(email_run))
    anna, boris = base["alfa"].responsible, base["gamma"].responsible
    clients_of = {e: sorted({i.client_id for i in items}) for e, items in shares.items()}
    assert clients_of == {
        anna.pk: sorted([base["alfa"].pk, base["beta"].pk]),
        boris.pk: [base["gamma"].pk],
        boss.pk: [base["delta"].pk],
    }


def test_distribution_by_executors_shares_clients_equally_and_keeps_contacts_with_them(db, boss, anna, boris, email):
    for n in range(6):
        client = factories.ClientFactory(name=f"Клиент {n}")
        factories.ContactPersonFactory(client=client, name=f"Контакт {n}")
    check = f"info:{email.pk}"
    run = WizardRun.objects.create(
        kind="contact_info", author=boss, client_checks=[check], contact_checks=[check], distribution="executors"
    )
    group = Group.objects.create(name="Отдел продаж Север")
    with pytest.raises(WizardError, match="ни один исполнитель"):
        services.distribute(run, services.selection(run))
    run.executor_group = group
    with pytest.raises(WizardError, match="ни один исполнитель"):
        services.check_distribution(run)  # an empty group
    group.user_set.add(anna, boris)
    shares = services.distribute(run, services.selection(run))
    assert sorted(len({i.client_id for i in items}) for items in shares.values()) == [3, 3]
    for items in shares.values():
        clients = {i.client_id for i in items}
        assert all(i.client_id in clients for i in items if i.contact_id)
        assert len(items) == 6  # three clients and their three contact persons


def test_a_wizards_task_says_how_many_clients_and_belongs_to_the_project(base, email_run, boss):
    email_run.fallback_executor = boss
    email_run.project = Project.objects.create(name="Весна")
    email_run.state = WizardRun.State.QUEUED
    email_run.save()
    run = services.generate_tasks(email_run.pk)
    tasks = {t.executor.username: t for t in Task.objects.filter(origin=run.origin).select_related("project")}
    assert tasks["anna"].title == "Заполнить контактную информацию: Email — клиентов: 2"
    assert tasks["anna"].project.name == "Весна"


def test_generation_makes_one_task_per_executor_once(base, email_run, boss):
    email_run.fallback_executor = boss
    email_run.reviewer = boss
    email_run.due_date = timezone.localdate() + datetime.timedelta(days=5)
    email_run.state = WizardRun.State.QUEUED
    email_run.save()
    run = services.generate_tasks(email_run.pk)
    assert (run.state, run.tasks_count, run.clients_count, run.contacts_count) == ("done", 3, 4, 1)
    tasks = {t.executor.username: t for t in Task.objects.filter(origin=run.origin)}
    assert set(tasks) == {"anna", "boris", "boss"}
    anna_task = tasks["anna"]
    assert anna_task.title == "Заполнить контактную информацию: Email — клиентов: 2"
    assert (anna_task.reviewer, anna_task.kind, anna_task.due_date) == (boss, "contact_info", email_run.due_date)
    assert sorted(anna_task.items.values_list("client__name", "contact__name")) == [
        ("Альфа", "Петров Пётр"),
        ("Бета", None),
    ]
    # a second job for the same run does nothing; a retried one finds its tasks and items
    assert services.generate_tasks(run.pk) is None
    WizardRun.objects.filter(pk=run.pk).update(state=WizardRun.State.RUNNING)
    again = services.generate_tasks(run.pk)
    assert again.tasks_count == 3
    assert Task.objects.filter(origin=run.origin).count() == 3
    assert TaskItem.objects.filter(task__origin=run.origin).count() == 4


def test_unticked_rows_get_no_task(base, email_run, boss):
    services.set_ticked(email_run, [f"c{base['delta'].pk}", f"p{base['petrov'].pk}"], ticked=False)
    email_run.refresh_from_db()
    assert services.lacking_without_responsible(email_run) is False  # Дельта was the only one
    services.set_ticked(email_run, [f"p{base['petrov'].pk}"], ticked=True)
    email_run.refresh_from_db()
    items = services.selection(email_run).items
    assert {(i.client_id, i.contact_id) for i in items} == {
        (base["alfa"].pk, base["petrov"].pk),
        (base["beta"].pk, None),
        (base["gamma"].pk, None),
    }


def test_submit_queues_the_run_once(base, email_run, boss, django_capture_on_commit_callbacks, monkeypatch):
    email_run.fallback_executor = boss
    email_run.save()
    sent = []
    monkeypatch.setattr(runs, "_send", lambda name, args: sent.append((name, args)))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.submit(email_run) is True
        assert services.submit(email_run) is False
    assert sent == [("quality.generate_tasks", [str(email_run.pk)])]
    assert WizardRun.objects.get(pk=email_run.pk).state == WizardRun.State.QUEUED


def test_a_run_whose_rows_were_all_unticked_makes_no_empty_task(base, email_run, boss):
    keys = [f"c{base[n].pk}" for n in ("beta", "gamma", "delta")] + [f"p{base['petrov'].pk}"]
    services.set_ticked(email_run, keys, ticked=False)
    WizardRun.objects.filter(pk=email_run.pk).update(state=WizardRun.State.QUEUED)
    run = services.generate_tasks(email_run.pk)
    assert (run.state, run.tasks_count) == (WizardRun.State.DONE, 0)
    assert not Task.objects.filter(origin=run.origin).exists()
