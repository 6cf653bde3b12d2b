import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from clients import completeness
from clients.tests import factories as client_factories
from tasks import services
from tasks.models import Task
from tasks.tests import factories


def detail(task) -> str:
    return reverse("tasks:detail", args=[task.pk])


def act(task, action) -> str:
    return reverse("tasks:action", args=[task.pk, action])


def test_my_tasks_shows_mine_to_do_and_hides_postponed_ones(client, executor, stranger):
    today = timezone.localdate()
    late = factories.TaskFactory(executor=executor, title="Просроченная", due_date=today - datetime.timedelta(days=2))
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    factories.TaskFactory(executor=executor, title="Отложенная", postponed_until=tomorrow)
    factories.TaskFactory(executor=executor, title="Принятая", state=Task.State.ACCEPTED)
    factories.TaskFactory(executor=stranger, title="Чужая")
    client.force_login(executor)
    page = client.get(reverse("tasks:my")).content.decode()
    assert "Просроченная" in page and "просрочена" in page
    assert "Отложенная" not in page and "Принятая" not in page and "Чужая" not in page
    assert 'id="my-tasks-count"' in page  # the top bar counts the one task to do now
    page = client.get(reverse("tasks:my"), {"postponed": "1"}).content.decode()
    assert "Отложенная" in page
    page = client.get(reverse("tasks:my"), {"state": "accepted"}).content.decode()
    assert "Принятая" in page and late.title not in page


def test_reminders_show_done_tasks_waiting_for_my_review_with_progress(client, email_task, executor, reviewer):
    services.transition(email_task, executor, "complete")
    client.force_login(reviewer)
    response = client.get(reverse("tasks:my"))
    reminders = response.context["reminders"]
    assert [t.pk for t in reminders] == [email_task.pk]
    assert reminders[0].progress == (0, 2)
    assert 'id="my-reminders-count"' in response.content.decode()


def test_reminders_come_newest_first(client, executor, reviewer):
    older, newer = (services.create_task(title=t, executor=executor, reviewer=reviewer) for t in ("Раньше", "Позже"))
    services.transition(older, executor, "complete")
    Task.objects.filter(pk=older.pk).update(done_at=timezone.now() - datetime.timedelta(hours=3))
    services.transition(newer, executor, "complete")
    client.force_login(reviewer)
    assert [t.title for t in client.get(reverse("tasks:my")).context["reminders"]] == ["Позже", "Раньше"]


def test_the_task_page_shows_items_with_what_they_lack_and_the_progress(client, email_task, executor):
    item = email_task.items.get(contact=None)
    client_factories.ContactInfoFactory(client=item.client, kind=client_factories.kind("Email"), value="a@b.ru")
    client.force_login(executor)
    page = client.get(detail(email_task)).content.decode()
    assert "Заполнено 1 из 2, 50 %" in page
    assert "Петров Иван" in page and "Email" in page
    assert f"{reverse('clients:edit', args=[item.client_id])}?next=" in page


def test_only_people_on_the_task_and_supervisors_see_it(client, email_task, stranger):
    client.force_login(stranger)
    assert client.get(detail(email_task)).status_code == 404
    assert client.post(act(email_task, "complete")).status_code == 404
    client.force_login(client_factories.supervisor(username="boss"))
    assert client.get(detail(email_task)).status_code == 200


def test_the_round_trip_through_the_pages(client, email_task, executor, reviewer):
    client.force_login(executor)
    assert client.post(act(email_task, "complete")).status_code == 302
    client.force_login(reviewer)
    response = client.post(act(email_task, "return"), {"comment": ""})
    assert response.status_code == 409
    assert "без комментария задачу не вернуть" in response.content.decode()
    client.post(act(email_task, "return"), {"comment": "Нет e-mail у Петрова"})
    email_task.refresh_from_db()
    assert (email_task.state, email_task.iteration) == (Task.State.RETURNED, 2)
    client.force_login(executor)
    page = client.get(detail(email_task)).content.decode()
    assert "Нет e-mail у Петрова" in page and "Итерации: 2" in page
    client.post(act(email_task, "complete"))
    client.force_login(reviewer)
    client.post(act(email_task, "accept"))
    email_task.refresh_from_db()
    assert (email_task.state, email_task.iteration) == (Task.State.ACCEPTED, 2)


def test_a_decision_by_someone_else_is_refused_with_a_message(client, email_task, executor):
    services.transition(email_task, executor, "complete")
    client.force_login(executor)
    response = client.post(act(email_task, "accept"))
    assert response.status_code == 409
    assert "может сделать только проверяющий" in response.content.decode()
    assert client.post(act(email_task, "nonsense")).status_code == 404


def test_bad_dates_are_reported_on_the_form(client, email_task, executor):
    client.force_login(executor)
    today = timezone.localdate()
    data = {"importance": "high", "due_date": today.isoformat(), "control_date": "2000-01-01", "result": "звонил"}
    response = client.post(reverse("tasks:edit", args=[email_task.pk]), data)
    assert response.status_code == 400
    assert "Дата контроля не может быть раньше даты исполнения" in response.content.decode()
    response = client.post(reverse("tasks:edit", args=[email_task.pk]), {**data, "due_date": "31.02.2026"})
    assert response.status_code == 400
    assert "звонил" in response.content.decode()  # what was typed stays
    email_task.refresh_from_db()
    assert (email_task.importance, email_task.result) == ("normal", "")
    response = client.post(reverse("tasks:edit", args=[email_task.pk]), {**data, "control_date": ""})
    assert response.status_code == 302
    email_task.refresh_from_db()
    assert (email_task.importance, email_task.result) == ("high", "звонил")


def test_postpone_for_a_day_and_refuse_the_past(client, email_task, executor):
    client.force_login(executor)
    response = client.post(reverse("tasks:postpone", args=[email_task.pk]), {"until": "2001-01-01T10:00"})
    assert response.status_code == 409
    assert "в будущем" in response.content.decode()
    response = client.post(reverse("tasks:postpone", args=[email_task.pk]), {"until": "завтра"})
    assert response.status_code == 400
    assert client.post(reverse("tasks:postpone", args=[email_task.pk]), {"period": "day"}).status_code == 302
    email_task.refresh_from_db()
    assert email_task.is_postponed
    assert email_task.title not in client.get(reverse("tasks:my")).content.decode()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_attachments_upload_within_limits_and_download_only_for_the_task_people(
    client, email_task, executor, stranger, media, settings
):
    settings.TASK_ATTACHMENT_MAX_BYTES = 1024
    upload = reverse("tasks:attachment_upload", args=[email_task.pk])
    client.force_login(executor)
    response = client.post(upload, {"file": SimpleUploadedFile("список.xlsx", b"PK" + b"x" * 100)})
    assert response.status_code == 302
    attachment = email_task.attachments.get()
    assert (attachment.name, attachment.size) == ("список.xlsx", 102)
    response = client.post(upload, {"file": SimpleUploadedFile("big.pdf", b"x" * 2048)})
    assert response.status_code == 400
    assert "Файл больше" in response.content.decode()
    response = client.post(upload, {"file": SimpleUploadedFile("run.exe", b"MZ")})
    assert response.status_code == 400
    assert "Файлы «.exe» не принимаются" in response.content.decode()
    assert email_task.attachments.count() == 1

    download = reverse("tasks:attachment", args=[attachment.pk])
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"PK")
    assert "attachment" in response["Content-Disposition"]
    client.force_login(stranger)
    assert client.get(download).status_code == 404
    assert client.post(upload, {"file": SimpleUploadedFile("a.txt", b"a")}).status_code == 404


def test_an_unwritable_file_store_is_said_and_nothing_is_half_saved(client, email_task, executor, settings, tmp_path):
    """The probe: an unwritable media folder answered a bare «Server Error». A file where the
    folder should be fails as a full or read-only disk does (and for root too)."""
    blocker = tmp_path / "media"
    blocker.write_text("not a folder")
    settings.MEDIA_ROOT = blocker
    upload = reverse("tasks:attachment_upload", args=[email_task.pk])
    client.force_login(executor)
    response = client.post(upload, {"file": SimpleUploadedFile("список.txt", b"text")})
    assert response.status_code == 503
    assert "Файл не сохранён: хранилище файлов на сервере недоступно" in response.content.decode()
    assert not email_task.attachments.exists()
    assert not email_task.events.filter(kind="attached").exists()


def test_pages_make_a_constant_number_of_queries(client, executor, reviewer, django_assert_max_num_queries):
    clients = [client_factories.ClientFactory(responsible=executor) for _ in range(30)]
    email = client_factories.kind("Email")
    checks = [completeness.info_check(email), completeness.property_check("inn")]
    items = [completeness.Item(c.pk, None, checks) for c in clients]
    task = services.create_task(title="Много", executor=executor, reviewer=reviewer, items=items)
    for n in range(30):
        done = services.create_task(title=f"На проверке {n}", executor=executor, reviewer=reviewer, items=items[:3])
        services.transition(done, executor, "complete")
        factories.TaskFactory(executor=executor, title=f"Ещё {n}")
    client.force_login(executor)
    with django_assert_max_num_queries(12):
        assert client.get(detail(task)).status_code == 200
    client.force_login(reviewer)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("tasks:my"))
    assert len(response.context["reminders"]) == 30


def test_my_tasks_take_any_page_number_without_an_error(client, executor):
    factories.TaskFactory(executor=executor, title="Моя")
    client.force_login(executor)
    for page in ["abc", "-1", "0", "99999999999999999999", "1e3"]:
        response = client.get(reverse("tasks:my"), {"page": page})
        assert response.status_code == 200, page
        assert "Моя" in response.content.decode(), page
