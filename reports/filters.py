"""The filters of the reports: period, project, reviewer and kind of task for the task reports; the
client list's own filters for «Заполненность карточек по менеджерам»."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from clients.filters import ClientFilterSet
from clients.models import Client
from crm.forms import DateRangeWidget
from crm.models import Project
from crm.users import user_name
from tasks.models import Task


def _select() -> forms.Select:
    return forms.Select(attrs={"class": "form-select form-select-sm"})


class TaskPeriodForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        period = cleaned.get("created")
        if period and period.start and period.stop and period.start > period.stop:
            self.add_error("created", _("Конец периода раньше его начала."))
        return cleaned


class TaskIterationsFilterSet(django_filters.FilterSet):
    """The period is the task's creation date, as the «Дата» of a task in 1C: the report shows the
    tasks given in the period, in whatever state they are now."""

    created = django_filters.DateFromToRangeFilter(
        field_name="created_at",
        label=_("Период (дата создания задачи)"),
        widget=DateRangeWidget(),
    )
    project = django_filters.ModelChoiceFilter(
        queryset=Project.objects.order_by("name"),
        label=_("Проект"),
        empty_label=_("Все"),
        null_label=_("— без проекта —"),
        widget=_select(),
    )
    reviewer = django_filters.ModelChoiceFilter(
        # Whoever reviews tasks, former employees included: the report reads history.
        queryset=get_user_model()
        .objects.filter(Exists(Task.objects.filter(reviewer=OuterRef("pk"))))
        .order_by("last_name", "first_name", "username"),
        label=_("Проверяющий"),
        empty_label=_("Все"),
        null_label=_("— без проверяющего —"),
        widget=_select(),
    )
    kind = django_filters.ChoiceFilter(
        choices=Task.Kind.choices, label=_("Вид задачи"), empty_label=_("Все"), widget=_select()
    )

    class Meta:
        model = Task
        fields = ["created", "project", "reviewer", "kind"]
        form = TaskPeriodForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["reviewer"].field.label_from_instance = user_name


class CompletenessFilterSet(django_filters.FilterSet):
    """The client list's own filters of business region, segment, kind and ABC class, under the
    list's names: a count's link to the list carries the report's filter as it is."""

    business_region = ClientFilterSet.declared_filters["business_region"]
    segments = ClientFilterSet.declared_filters["segments"]
    kind = ClientFilterSet.declared_filters["kind"]
    abc_class = ClientFilterSet.declared_filters["abc_class"]
    by_class = ClientFilterSet.by_class  # the method abc_class names

    class Meta:
        model = Client
        fields = ["business_region", "segments", "kind", "abc_class"]
