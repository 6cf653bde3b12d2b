"""The filters of the funnel reports: the funnel, a period (of what, each report says), the deal's
manager and source, and for «Повторные продажи» whether only repeat clients are listed. A filter is
always bound: the defaults (the last 12 months; for «Конверсия воронки» the active funnel with the
most deals) are filled in when not given, and a field given wrong is said and replaced by its
default, so the report is built anyway."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm import roles
from crm.forms import DateRangeWidget
from crm.reports import filter_errors
from crm.users import user_name
from funnel.forms import UNASSIGNED
from funnel.models import Deal, Funnel
from reports.base import select
from sales.filters import PeriodForm

REPORT_PARAMS = ("export", "print", "page")
PERIOD_DAYS = 365  # the default period: the last 12 months, today included
NULL = "null"  # the manager filter's «— не назначен —»
REPEAT = "repeat"


def deal_managers() -> QuerySet:
    """Whom the manager filter offers: active users with a CRM role and whoever manages a deal
    (former employees included: the reports read history)."""
    named = Exists(Deal.objects.filter(manager=OuterRef("pk")))
    staff = Q(is_active=True, groups__name__in=roles.ALL_ROLES)
    User = get_user_model()
    return User.objects.filter(pk__in=User.objects.filter(staff | named).values("pk")).order_by(
        "last_name", "first_name", "username"
    )


def default_funnel() -> Funnel | None:
    """The active funnel with the most deals (the first active one when none has deals)."""
    busiest = (
        Deal.objects.filter(funnel__is_active=True)
        .order_by()
        .values_list("funnel_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "funnel_id")
        .first()
    )
    if busiest is not None:
        return Funnel.objects.get(pk=busiest[0])
    return Funnel.objects.filter(is_active=True).first()


@dataclass
class Scope:
    """What a valid filter asks for."""

    funnel: Funnel | None
    start: datetime.date
    end: datetime.date
    manager_id: int | None = None
    unassigned: bool = False
    source: str = ""
    repeat_only: bool = False

    @property
    def moments(self) -> tuple[datetime.datetime, datetime.datetime]:
        """The period as [from, to) in time: from the start's midnight to the midnight after the end."""
        start = datetime.datetime.combine(self.start, datetime.time.min)
        end = datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time.min)
        return timezone.make_aware(start), timezone.make_aware(end)

    def deals(self, deals: QuerySet[Deal], period: str | None) -> QuerySet[Deal]:
        """`deals` of the funnel, manager and source, and with `period` (a Deal field) in the period."""
        if self.funnel is not None:
            deals = deals.filter(funnel=self.funnel)
        if self.unassigned:
            deals = deals.filter(manager__isnull=True)
        elif self.manager_id:
            deals = deals.filter(manager_id=self.manager_id)
        if self.source:
            deals = deals.filter(source__iexact=self.source)
        if period:
            start, end = self.moments
            deals = deals.filter(**{f"{period}__gte": start, f"{period}__lt": end})
        return deals

    def board_url(self, manager_id: int | None) -> str:
        """funnel:board with this filter for one manager (None: the deals without one)."""
        params = [("funnel", self.funnel.pk)] if self.funnel else []
        params += [
            ("manager", manager_id or UNASSIGNED),
            ("created_from", self.start.isoformat()),
            ("created_to", self.end.isoformat()),
        ]
        if self.source:
            params.append(("source", self.source))
        return f"{reverse('funnel:board')}?{urlencode(params)}"


class FunnelReportFilterSet(django_filters.FilterSet):
    """The report applies the filter itself (Scope.deals): the filters here only read it."""

    funnel = django_filters.ModelChoiceFilter(
        queryset=Funnel.objects.order_by("name"),
        label=gettext_lazy("Воронка"),
        empty_label=gettext_lazy("Все воронки"),
        method="given",
        widget=select(),
    )
    period = django_filters.DateFromToRangeFilter(
        label=gettext_lazy("Период"), method="given", widget=DateRangeWidget()
    )
    manager = django_filters.ModelChoiceFilter(
        queryset=deal_managers(),
        label=gettext_lazy("Менеджер"),
        empty_label=gettext_lazy("Все"),
        null_label=gettext_lazy("— не назначен —"),
        null_value=NULL,
        method="given",
        widget=select(),
    )
    source = django_filters.CharFilter(
        label=gettext_lazy("Источник"),
        method="given",
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )

    period_label = gettext_lazy("Период")
    funnel_required = False

    class Meta:
        model = Deal
        fields = ["funnel", "period", "manager", "source"]
        form = PeriodForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["manager"].field.label_from_instance = user_name
        self.filters["period"].field.label = self.period_label
        if self.funnel_required:
            self.filters["funnel"].field.required = True
            self.filters["funnel"].field.empty_label = None

    def given(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset

    def scope(self) -> Scope:
        data = self.form.cleaned_data
        period = data.get("period")
        today = timezone.localdate()
        manager = data.get("manager")
        return Scope(
            funnel=data.get("funnel"),
            start=period.start.date() if period and period.start else today - datetime.timedelta(days=PERIOD_DAYS - 1),
            end=period.stop.date() if period and period.stop else today,
            manager_id=getattr(manager, "pk", None),
            unassigned=manager == NULL,
            source=(data.get("source") or "").strip(),
            repeat_only=data.get("clients") == REPEAT,
        )


class ConversionFilterSet(FunnelReportFilterSet):
    period_label = gettext_lazy("Период (создание сделки)")
    funnel_required = True


class TimeInStageFilterSet(FunnelReportFilterSet):
    period_label = gettext_lazy("Период (переход на этап)")


class ManagersFilterSet(FunnelReportFilterSet):
    period_label = gettext_lazy("Период (создание сделки)")

    class Meta(FunnelReportFilterSet.Meta):
        fields = ["funnel", "period", "source"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.filters["manager"]


class RepeatSalesFilterSet(FunnelReportFilterSet):
    period_label = gettext_lazy("Период (дата выигрыша)")
    clients = django_filters.ChoiceFilter(
        label=gettext_lazy("Клиенты"),
        choices=[(REPEAT, gettext_lazy("Только повторные (2 и более)"))],
        empty_label=gettext_lazy("Все"),
        method="given",
        widget=select(),
    )

    class Meta(FunnelReportFilterSet.Meta):
        fields = ["funnel", "period", "manager", "clients"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.filters["source"]


# The parameters a filter field is given in.
FIELD_PARAMS = {"period": ("period_after", "period_before")}


def _with_defaults(data: QueryDict, filterset_class: type[FunnelReportFilterSet]) -> QueryDict:
    if not data.get("period_after") and not data.get("period_before"):
        today = timezone.localdate()
        data["period_after"] = (today - datetime.timedelta(days=PERIOD_DAYS - 1)).isoformat()
        data["period_before"] = today.isoformat()
    if filterset_class.funnel_required and not data.get("funnel"):
        funnel = default_funnel()
        if funnel is not None:
            data["funnel"] = str(funnel.pk)
    return data


def read_filter(
    request: HttpRequest, filterset_class: type[FunnelReportFilterSet], problems: list[str]
) -> tuple[FunnelReportFilterSet, FunnelReportFilterSet | None]:
    """The filter as given (to show, with its errors) and the filter the report is built with: the
    same one, or — when some fields were wrong — one with those fields at their defaults, the errors
    added to `problems`. The second is None when there is nothing to build (no funnel at all)."""
    data = request.GET.copy()
    for name in REPORT_PARAMS:
        data.pop(name, None)
    data = _with_defaults(data, filterset_class)
    shown = filterset_class(data, queryset=Deal.objects.none())
    if filterset_class.funnel_required and not data.get("funnel"):
        problems.append(_("Нет ни одной воронки продаж: отчёт строить не по чему."))
        return shown, None
    used = shown
    if not shown.is_valid():
        problems.append(_("Отбор задан неверно — вместо неверных значений взяты значения по умолчанию:"))
        problems += filter_errors(shown)
        repaired = data.copy()
        for name in shown.errors:
            for param in FIELD_PARAMS.get(name, (name,)):
                repaired.pop(param, None)
        used = filterset_class(_with_defaults(repaired, filterset_class), queryset=Deal.objects.none())
        if not used.is_valid():
            return shown, None
    return shown, used
