import datetime
import re

from django.urls import reverse
from django.utils import timezone

from clients.tests import factories
from quality.models import WizardRun

START = reverse("quality:contact_info_wizard")


def step(run, n) -> str:
    return reverse("quality:run_step", args=[run.pk, n])


def test_only_supervisors_and_administrators_run_the_wizards(client, anna, boss):
    client.force_login(anna)
    assert client.get(START).status_code == 403
    assert client.get(reverse("quality:properties_wizard")).status_code == 403
    client.force_login(boss)
    page = client.get(START).content.decode()
    assert "Что проверять" in page and "Email" in page
    assert "Контроль заполнения свойств клиентов" in client.get(reverse("service")).content.decode()


def test_nothing_chosen_in_step_one_is_refused(client, boss):
    client.force_login(boss)
    response = client.post(START, {})
    assert response.status_code == 400
    assert "без этого проверять нечего" in response.content.decode()
    assert not WizardRun.objects.exists()


def test_the_steps_keep_what_was_chosen(client, boss, base, email, django_capture_on_commit_callbacks):
    client.force_login(boss)
    response = client.post(START, {"client_kinds": [email.pk], "contact_kinds": [email.pk]})
    run = WizardRun.objects.get()
    assert response.url == step(run, 2)
    response = client.post(step(run, 2), {"abc_class": ["A"], "contact_name": "", "kind": ""})
    assert response.url == step(run, 3)
    run.refresh_from_db()
    assert run.filter_query == "abc_class=A"
    page = client.get(step(run, 3)).content.decode()
    assert "Бета" in page and "Гамма" in page and "Дельта" not in page
    # untick Гамма; the list remembers it
    assert client.post(reverse("quality:run_tick", args=[run.pk]), {"key": f"c{base['gamma'].pk}"}).status_code == 200
    run.refresh_from_db()
    assert run.excluded == [f"c{base['gamma'].pk}"]
    assert "Снято отметок: 1" in client.get(step(run, 3)).content.decode()
    # going back shows the choices again
    assert re.search(r'value="A"[^>]*checked', client.get(step(run, 2)).content.decode())

    today = timezone.localdate()
    data = {
        "distribution": "responsible",
        "reviewer": boss.pk,
        "due_date": (today - datetime.timedelta(days=1)).isoformat(),
        "control_date": "",
    }
    response = client.post(step(run, 4), data)
    assert response.status_code == 400
    assert "Дата исполнения уже прошла" in response.content.decode()
    data.update(due_date=(today + datetime.timedelta(days=7)).isoformat(), control_date=today.isoformat())
    response = client.post(step(run, 4), data)
    assert "Дата контроля не может быть раньше даты исполнения" in response.content.decode()
    data["control_date"] = ""
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(step(run, 4), data)
        assert response.url == run.get_absolute_url()
        # a double submit (or a refresh) lands on the same run page and queues nothing more
        assert client.post(step(run, 4), data).url == run.get_absolute_url()
    assert len(callbacks) == 1
    run.refresh_from_db()
    assert (run.state, run.reviewer, run.excluded) == ("queued", boss, [f"c{base['gamma'].pk}"])
    assert "Создание задач ждёт очереди" in client.get(run.get_absolute_url()).content.decode()


def test_executors_must_be_chosen_and_a_group_must_not_be_empty(client, boss, base, email_run):
    from django.contrib.auth.models import Group

    client.force_login(boss)
    response = client.post(step(email_run, 4), {"distribution": "executors"})
    assert response.status_code == 400
    assert "Выберите исполнителей или группу" in response.content.decode()
    empty = Group.objects.create(name="Пустая группа")
    response = client.post(step(email_run, 4), {"distribution": "executors", "executor_group": empty.pk})
    assert "В группе «Пустая группа» нет пользователей" in response.content.decode()
    response = client.post(step(email_run, 4), {"distribution": "responsible"})
    assert response.status_code == 400
    assert "нет ответственного менеджера" in response.content.decode()
    assert WizardRun.objects.get(pk=email_run.pk).state == "draft"


def test_a_filter_that_matches_nobody_says_everything_is_filled(client, boss, base, email_run):
    client.force_login(boss)
    client.post(step(email_run, 2), {"q": "Нет такого клиента"})
    page = client.get(step(email_run, 3)).content.decode()
    assert "Всё заполнено" in page
    assert 'id="wizard-next"' not in page


def test_bad_filter_values_are_reported(client, boss, base, email_run):
    field = factories.ExtraFieldFactory(name="Оборот", value_type="number")
    client.force_login(boss)
    response = client.post(step(email_run, 2), {f"extra_{field.pk}_min": "много"})
    assert response.status_code == 400
    assert "Введите число" in response.content.decode()
    assert WizardRun.objects.get(pk=email_run.pk).filter_query == ""


def test_step_three_reads_a_constant_number_of_queries(client, boss, email_run, django_assert_max_num_queries):
    for n in range(60):
        c = factories.ClientFactory(name=f"Клиент {n:02}")
        factories.ContactPersonFactory(client=c)
    client.force_login(boss)
    with django_assert_max_num_queries(16):
        response = client.get(step(email_run, 3))
    assert len(response.context["rows"]) == 100  # 50 clients of page 1 and their contact persons


def test_the_properties_wizard_from_choice_to_accepted_task(client, boss, anna, base):
    """The same story at view level for «Контроль заполнения свойств клиентов»: ИНН and a list
    field; the manager fills one client; the reviewer returns, then accepts."""
    from clients import services as client_services
    from quality import services
    from tasks import services as task_services
    from tasks.models import Task

    loyalty = factories.list_field("Лояльность", ["Высокая", "Низкая"])
    for name in ("alfa", "beta"):
        base[name].inn = ""
        base[name].save()
    client.force_login(boss)
    response = client.post(
        reverse("quality:properties_wizard"), {"client_properties": ["prop:inn", f"extra:{loyalty.pk}"]}
    )
    run = WizardRun.objects.get()
    assert response.url == step(run, 2)
    client.post(step(run, 2), {"responsible": anna.pk})
    page = client.get(step(run, 3)).content.decode()
    assert "Альфа" in page and "Бета" in page and "ИНН, Лояльность" in page and "Гамма" not in page
    response = client.post(step(run, 4), {"distribution": "responsible", "reviewer": boss.pk})
    assert response.url == run.get_absolute_url()
    run = services.generate_tasks(run.pk)
    task = Task.objects.get(origin=run.origin)
    assert (task.executor, task.kind) == (anna, "properties")
    assert task.title == "Заполнить свойства клиентов: ИНН, Лояльность — клиентов: 2"
    assert task_services.progress(task) == (0, 2)

    base["beta"].inn = "7707083893"
    base["beta"].save()
    client_services.set_extra_values({loyalty: factories.option(loyalty, "Высокая")}, client=base["beta"])
    assert task_services.progress(task) == (1, 2)
    client.force_login(anna)
    assert "Заполнено 1 из 2, 50 %" in client.get(task.get_absolute_url()).content.decode()
    client.post(reverse("tasks:action", args=[task.pk, "complete"]))
    client.force_login(boss)
    client.post(reverse("tasks:action", args=[task.pk, "return"]), {"comment": "У Альфы нет ИНН"})
    client.force_login(anna)
    client.post(reverse("tasks:action", args=[task.pk, "complete"]))
    client.force_login(boss)
    client.post(reverse("tasks:action", args=[task.pk, "accept"]))
    task.refresh_from_db()
    assert (task.state, task.iteration) == ("accepted", 2)


def test_a_nul_character_in_the_contact_name_is_refused_with_a_message(client, boss, email_run):
    """Found by the generated input: step 2 stored «Контактное лицо» as sent, and PostgreSQL refused
    the NUL with a 500."""
    client.force_login(boss)
    response = client.post(step(email_run, 2), {"abc_class": ["A"], "contact_name": "Иван\x00ов"})
    assert response.status_code == 400
    assert "Проверьте условия отбора" in response.content.decode()
    email_run.refresh_from_db()
    assert (email_run.filter_query, email_run.contact_name) == ("", "")
