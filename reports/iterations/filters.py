"""The filter of «Итерации задач»: period, project, reviewer and kind of task."""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from crm.forms import DateRangeWidget
from crm.users import user_name
from reports.base import select
from sales.filters import DocumentFilterSet, PeriodForm
from tasks.models import Task


class TaskPeriodForm(PeriodForm):
    period_field = "created"


class TaskIterationsFilterSet(django_filters.FilterSet):
    """The period is the task's creation date, as the «Дата» of a task in 1C: the report shows the
    tasks given in the period, in whatever state they are now."""

    created = django_filters.DateFromToRangeFilter(
        field_name="created_at",
        label=_("Период (дата создания задачи)"),
        widget=DateRangeWidget(),
    )
    project = DocumentFilterSet.declared_filters["project"]
    reviewer = django_filters.ModelChoiceFilter(
        # Whoever reviews tasks, former employees included: the report reads history.
        queryset=get_user_model()
        .objects.filter(Exists(Task.objects.filter(reviewer=OuterRef("pk"))))
        .order_by("last_name", "first_name", "username"),
        label=_("Проверяющий"),
        empty_label=_("Все"),
        null_label=_("— без проверяющего —"),
        widget=select(),
    )
    kind = django_filters.ChoiceFilter(
        choices=Task.Kind.choices, label=_("Вид задачи"), empty_label=_("Все"), widget=select()
    )

    class Meta:
        model = Task
        fields = ["created", "project", "reviewer", "kind"]
        form = TaskPeriodForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["reviewer"].field.label_from_instance = user_name
