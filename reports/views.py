from __future__ import annotations

from datetime import date, datetime

from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import date_format, number_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from clients import extra_fields as extra
from clients.filters import ClientFilterSet
from clients.models import Client
from crm.access import role_required
from reports import analysis, exports, tables

REPORT_PARAMS = ("rows", "columns", "export")


@require_GET
@role_required()
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/index.html")


def _choose(data, name: str, default: str, known: dict, problems: list[str], *, allow_none: bool = False) -> str:
    """The dimension key asked for in `name`, or the default with a message when it is unknown."""
    value = data.get(name, default)
    if value in known or (allow_none and value == analysis.NO_COLUMNS):
        return value
    problems.append(
        _("Нет группировки «%(value)s»: %(axis)s сгруппированы по полю «%(default)s».")
        % {"value": value, "axis": _("строки") if name == "rows" else _("колонки"), "default": known[default].label}
    )
    return default


def _shown(value, form_field) -> str:
    """A cleaned filter value as the user chose it."""
    if isinstance(value, Model):
        label_from_instance = getattr(form_field, "label_from_instance", str)
        return str(label_from_instance(value))
    if isinstance(value, slice):
        ends = [_shown(v, form_field) if v is not None else "…" for v in (value.start, value.stop)]
        return " – ".join(ends)
    if isinstance(value, datetime):
        return date_format(localtime(value) if value.tzinfo else value, "d.m.Y")
    if isinstance(value, date):
        return date_format(value, "d.m.Y")
    if isinstance(value, (int, float)) or hasattr(value, "as_tuple"):
        return number_format(value)
    choices = {str(k): str(v) for k, v in getattr(form_field, "choices", ()) if not isinstance(v, (list, tuple))}
    if isinstance(value, (list, tuple)):
        return ", ".join(choices.get(str(v), str(v)) for v in value)
    if getattr(form_field, "null_label", None) is not None and value == getattr(form_field, "null_value", None):
        return str(form_field.null_label)
    return choices.get(str(value), str(value))


def filter_conditions(filterset: ClientFilterSet) -> list[str]:
    """The filter as lines of text («Бизнес-регион: Москва»), for the xlsx file."""
    if not filterset.is_bound or not filterset.is_valid():
        return []
    lines = []
    for name, form_field in filterset.form.fields.items():
        value = filterset.form.cleaned_data.get(name)
        if value in (None, "", [], ()) or (isinstance(value, slice) and value.start is None and value.stop is None):
            continue
        lines.append(f"{form_field.label}: {_shown(value, form_field)}")
    return lines


@require_GET
@role_required()
def client_analysis(request: HttpRequest) -> HttpResponse:
    """«Анализ клиентской базы»: clients counted by two dimensions, filtered like the client list."""
    fields = [f for f in extra.definitions() if not f.for_contacts]
    dimensions = analysis.dimensions(fields)
    problems: list[str] = []
    rows_key = _choose(request.GET, "rows", analysis.DEFAULT_ROWS, dimensions, problems)
    columns_key = _choose(request.GET, "columns", analysis.DEFAULT_COLUMNS, dimensions, problems, allow_none=True)
    if columns_key == rows_key:
        problems.append(_("Строки и колонки сгруппированы по одному полю: колонки убраны."))
        columns_key = analysis.NO_COLUMNS

    data = request.GET.copy()
    for name in REPORT_PARAMS:
        data.pop(name, None)
    filterset = ClientFilterSet(data or None, queryset=Client.objects.all(), extra_fields=fields)
    clients, base_params = Client.objects.all(), []
    if filterset.is_bound:
        if filterset.is_valid():
            clients, base_params = filterset.qs, analysis.drill_down_base(filterset)
        else:
            problems.append(_("Отбор задан неверно (см. поля отбора): отчёт построен по всем клиентам."))

    table = analysis.count_table(
        clients,
        dimensions[rows_key],
        dimensions.get(columns_key),
        filterset,
        base_params=base_params,
    )
    title = _("Анализ клиентской базы")
    if request.GET.get("export") == "xlsx":
        content = exports.client_analysis_xlsx(table, title=title, conditions=filter_conditions(filterset))
        response = HttpResponse(content, content_type=exports.XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = 'attachment; filename="client-analysis.xlsx"'
        return response

    export_query = request.GET.copy()
    export_query["export"] = "xlsx"
    context = {
        "title": title,
        "filter": filterset,
        "table": table,
        "table_html": tables.count_table_html(table),
        "dimension_choices": [(key, d.label) for key, d in dimensions.items()],
        "rows_key": rows_key,
        "columns_key": columns_key,
        "no_columns": analysis.NO_COLUMNS,
        "problems": problems,
        "export_url": f"{request.path}?{export_query.urlencode()}",
    }
    return render(request, "reports/client_analysis.html", context)
