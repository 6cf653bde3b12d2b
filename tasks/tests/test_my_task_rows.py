"""`{{ tasks|my_task_rows }}` draws the rows of «Мои дела» as the template's loop drew them."""

import datetime

from django.template import Context, Template
from django.utils import timezone, translation

from tasks.models import Task
from tasks.tests import factories

REPLACED = Template(
    "{% load i18n users %}{% for task in tasks %}\n"
    '        <tr{% if task.is_overdue %} class="table-danger"{% endif %}>\n'
    '          <td><a href="{{ task.get_absolute_url }}">{{ task.title }}</a>{% if task.project %} '
    '<span class="text-muted small">· {{ task.project }}</span>{% endif %}{% if task.is_postponed %} '
    '<span class="badge text-bg-secondary" title="{% translate \'Отложена до\' %} '
    '{{ task.postponed_until|date:\'d.m.Y H:i\' }}">{% translate "отложена" %}</span>{% endif %}</td>\n'
    '          <td>{% if task.importance == "high" %}<span class="badge text-bg-danger">'
    "{{ task.get_importance_display }}</span>{% else %}{{ task.get_importance_display }}{% endif %}</td>\n"
    '          <td>{{ task.due_date|date:"d.m.Y"|default:"—" }}{% if task.is_overdue %} '
    '<span class="small text-danger">{% translate "просрочена" %}</span>{% endif %}</td>\n'
    "          <td>{{ task.get_state_display }}</td>\n"
    "          <td>{{ task.iteration }}</td>\n"
    "          <td>{{ task.reviewer|user_name }}</td>\n"
    "        </tr>\n"
    "      {% endfor %}"
)


def test_the_rows_are_those_the_template_drew(executor, reviewer):
    today = timezone.localdate()
    project = factories.ProjectFactory(name="Проект <«А» & Б>")
    factories.TaskFactory(executor=executor, reviewer=reviewer, title='Позвонить "<b>"', project=project)
    factories.TaskFactory(executor=executor, due_date=today - datetime.timedelta(days=3), importance="high")
    factories.TaskFactory(
        executor=executor,
        reviewer=reviewer,
        due_date=today + datetime.timedelta(days=30),
        postponed_until=timezone.now() + datetime.timedelta(days=2, hours=5),
        state=Task.State.RETURNED,
        iteration=12,
    )
    factories.TaskFactory(executor=executor, reviewer=reviewer, state=Task.State.DONE, importance="low")
    tasks = list(Task.objects.select_related("project", "reviewer").order_by("pk"))
    tag = Template("{% load my_tasks %}{{ tasks|my_task_rows }}")
    for language in ("ru", "en"):
        with translation.override(language):
            assert tag.render(Context({"tasks": tasks})) == REPLACED.render(Context({"tasks": tasks}))
    assert 'class="table-danger"' in tag.render(Context({"tasks": tasks}))
