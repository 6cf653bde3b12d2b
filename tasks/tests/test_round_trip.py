"""A task's «Важность», dates and «Результат выполнения» saved unchanged change nothing; two
people's changes merge by field, and a field both changed is a conflict on that field."""

import datetime

from django.urls import reverse

from crm.testing import logged_in, opened_form
from tasks.models import Task, TaskEvent


def test_a_task_saved_unchanged_changes_nothing(email_task, executor):
    Task.objects.filter(pk=email_task.pk).update(
        due_date=datetime.date(2026, 12, 10), control_date=datetime.date(2026, 12, 11), result="позвонил\nжду"
    )
    before = Task.objects.filter(pk=email_task.pk).values().get()
    browser = logged_in(executor)
    form = opened_form(browser, reverse("tasks:detail", args=[email_task.pk]), "task-essentials")

    assert browser.post(reverse("tasks:edit", args=[email_task.pk]), form).status_code == 302

    assert Task.objects.filter(pk=email_task.pk).values().get() == before
    assert not email_task.events.filter(kind=TaskEvent.Kind.EDITED).exists()


def test_task_fields_merge_and_a_field_both_changed_is_a_conflict(email_task, executor, reviewer):
    a, b = logged_in(executor), logged_in(reviewer)
    page, save = reverse("tasks:detail", args=[email_task.pk]), reverse("tasks:edit", args=[email_task.pk])
    form_a, form_b = opened_form(a, page, "task-essentials"), opened_form(b, page, "task-essentials")
    form_a["result"] = "позвонил"
    assert a.post(save, form_a).status_code == 302
    form_b["due_date"] = "20.12.2026"
    assert b.post(save, form_b).status_code == 302
    email_task.refresh_from_db()
    assert (email_task.result, email_task.due_date) == ("позвонил", datetime.date(2026, 12, 20))

    form_b = opened_form(b, page, "task-essentials")
    form_a = opened_form(a, page, "task-essentials")
    form_a["importance"] = "high"
    a.post(save, form_a)
    form_b["importance"] = "low"
    response = b.post(save, form_b)
    assert response.status_code == 409 and 'data-conflict="importance"' in response.content.decode()
    assert Task.objects.get(pk=email_task.pk).importance == "high"
