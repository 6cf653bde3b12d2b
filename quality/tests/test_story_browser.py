"""The story of issue 4 in Chromium, with a real Celery worker: a supervisor runs «Контроль
заполнения контактной информации»; the manager fills part of it and reports it done; the reviewer
returns it; the manager finishes; the reviewer accepts; the task shows two iterations."""

import datetime

import pytest
from django.utils import timezone

from clients.tests import factories
from tasks.models import Task

pytestmark = pytest.mark.browser


def log_out(page):
    page.click("#user-menu")
    page.get_by_role("button", name="Выйти").click()


def test_from_a_gap_in_the_base_to_an_accepted_task(page, live_server, login, celery_worker, reference_data):
    factories.supervisor(username="boss", first_name="Ольга", last_name="Руководова")
    anna = factories.manager(username="anna", first_name="Анна", last_name="Аверина")
    factories.manager(username="boris", first_name="Борис", last_name="Бобров")
    beta = factories.ClientFactory(name="ООО «Бета»", responsible=anna, abc_class="A")
    factories.ContactPersonFactory(client=beta, name="Сидоров Семён")
    factories.ClientFactory(name="ООО «Гамма»", responsible=None, abc_class="A")
    factories.ClientFactory(name="ООО «Дельта»", responsible=anna, abc_class="C")
    due = timezone.localdate() + datetime.timedelta(days=7)

    # The supervisor: Сервис → the wizard, five steps.
    login(page, live_server, "boss", "secret-pass-1")
    page.get_by_role("link", name="Сервис").click()
    page.click("#contact-info-wizard")
    page.locator("fieldset", has_text="У клиентов").get_by_label("Email").check()
    page.locator("fieldset", has_text="У контактных лиц").get_by_label("Email").check()
    page.click("#wizard-next")
    page.locator("#wizard-step2").get_by_label("A", exact=True).check()
    page.click("#wizard-next")
    selection = page.locator("#selection").inner_text()
    assert "ООО «Бета»" in selection and "Сидоров Семён" in selection and "ООО «Гамма»" in selection
    assert "ООО «Дельта»" not in selection
    page.click("#wizard-next")
    page.get_by_label("Распределение по ответственным менеджерам").check()
    page.select_option("#id_fallback_executor", label="Борис Бобров")
    page.select_option("#id_reviewer", label="Ольга Руководова")
    page.fill("#id_due_date", due.isoformat())
    page.click("#wizard-finish")
    page.wait_for_selector("#wizard-run[data-state='done']", timeout=30_000)
    assert "Создано задач: 2" in page.locator("#run-result").inner_text()
    assert "Анна Аверина" in page.locator("#run-tasks").inner_text()
    log_out(page)

    # The manager: «Мои дела» → the task; fills the client's e-mail, not the contact's.
    login(page, live_server, "anna", "secret-pass-1")
    page.click("#nav-my-tasks")
    page.get_by_role("link", name="Заполнить контактную информацию: Email").click()
    assert "Заполнено 0 из 2, 0 %" in page.locator("#task-progress").inner_text()
    page.locator("#task-items tr", has_text="ООО «Бета»").filter(has_not_text="Сидоров").get_by_role(
        "link", name="Заполнить"
    ).click()
    page.select_option("select[name='info-0-kind']", label="Email")
    page.fill("input[name='info-0-value']", "office@beta.ru")
    page.click("#save-client")
    page.wait_for_url("**/tasks/*/")
    assert "Заполнено 1 из 2, 50 %" in page.locator("#task-progress").inner_text()
    page.click("#action-complete")
    page.wait_for_url("**/tasks/*/")
    assert "Выполнена, на проверке" in page.locator("#task-state").inner_text()
    log_out(page)

    # The reviewer sees it in «Напоминания» with its progress and returns it.
    login(page, live_server, "boss", "secret-pass-1")
    page.click("#nav-my-tasks")
    reminders = page.locator("#reminders")
    assert "1 из 2" in reminders.inner_text()
    reminders.get_by_role("link", name="Заполнить контактную информацию: Email").click()
    page.fill("#id_comment", "Нет e-mail у Сидорова")
    page.click("#action-return")
    page.wait_for_url("**/tasks/")
    log_out(page)

    # The manager finds it back in «Мои дела», second round, and reports it done.
    login(page, live_server, "anna", "secret-pass-1")
    page.click("#nav-my-tasks")
    row = page.locator("#my-tasks tr", has_text="Заполнить контактную информацию: Email")
    assert "Возвращена на доработку" in row.inner_text()
    row.get_by_role("link").click()
    assert "Итерации: 2" in page.locator("#task-iteration").inner_text()
    assert "Нет e-mail у Сидорова" in page.locator("#task-history").text_content()  # on the «История» tab
    page.click("#action-complete")
    page.wait_for_url("**/tasks/*/")
    log_out(page)

    # The reviewer accepts: two iterations on the task.
    login(page, live_server, "boss", "secret-pass-1")
    page.click("#nav-my-tasks")
    page.locator("#reminders").get_by_role("link", name="Заполнить контактную информацию: Email").click()
    page.click("#action-accept")
    page.wait_for_url("**/tasks/")
    task = Task.objects.get(executor=anna)
    assert (task.state, task.iteration) == (Task.State.ACCEPTED, 2)
    page.goto(f"{live_server.url}{task.get_absolute_url()}")
    assert "Принята" in page.locator("#task-state").inner_text()
    assert "Итерации: 2" in page.locator("#task-iteration").inner_text()
    history = page.locator("#task-history").text_content()
    assert "Нет e-mail у Сидорова" in history and history.count("Выполнена") == 2
