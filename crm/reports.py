"""The report frame: a report page is a declaration on ReportView — its filter (a FilterSet, or a
form), its figures (a function of the cleaned filter), its title, its conditions as text and its
grids — and the frame answers with the page, the Excel file (?export=xlsx) or the A4 print view
(?print=1) of the same grids (crm.grids renders them). Bad filter input never stops a report: it is
said on the page and the report is built without it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django_filters import FilterSet

from crm import numbers, replica
from crm.access import role_required
from crm.grids import Grid, grid_html, grids_xlsx
from crm.xlsx import xlsx_response

PER_PAGE = 100  # lines of a paged grid on a page
PRINT_LIMIT = 2000  # a print view longer than this is a job for Excel
Param = tuple[str, str]

# --- the filter as text -------------------------------------------------------------------------------


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
        return numbers.number(value)
    choices = {str(k): str(v) for k, v in getattr(form_field, "choices", ()) if not isinstance(v, (list, tuple))}
    if isinstance(value, (list, tuple)):
        return ", ".join(choices.get(str(v), str(v)) for v in value)
    if getattr(form_field, "null_label", None) is not None and value == getattr(form_field, "null_value", None):
        return str(form_field.null_label)
    return choices.get(str(value), str(value))


def filter_conditions(filterset: FilterSet) -> list[str]:
    """The filter as lines of text («Бизнес-регион: Москва»), for the page and the xlsx file."""
    if not filterset.is_bound or not filterset.is_valid():
        return []
    lines = []
    for name, form_field in filterset.form.fields.items():
        value = filterset.form.cleaned_data.get(name)
        if value in (None, "", [], ()) or (isinstance(value, slice) and value.start is None and value.stop is None):
            continue
        lines.append(f"{form_field.label}: {_shown(value, form_field)}")
    return lines


def filter_errors(filterset: FilterSet) -> list[str]:
    """The errors of an invalid filter as lines of text («Проект: Выберите корректный вариант…»)."""
    if not filterset.is_bound or filterset.is_valid():
        return []
    lines = []
    for name, errors in filterset.errors.items():
        field_ = filterset.form.fields.get(name)
        lines += [f"{field_.label}: {error}" if field_ else str(error) for error in errors]
    return lines


def filter_params(filterset: FilterSet) -> list[Param]:
    """The parameters of a bound filter set as its list page reads them, for a drill-down's link."""
    if not filterset.is_bound:
        return []
    names = set(filterset.filters)
    suffixes = ("_min", "_max", "_after", "_before")
    result = []
    for key, values in filterset.data.lists():
        known = key in names or any(key.endswith(s) and key[: -len(s)] in names for s in suffixes)
        if known:
            result += [(key, v) for v in values if v != ""]
    return result


@dataclass
class Filtered:
    """A filter read from the request: the filter shown (with its errors), the one the report is
    built with (the same, unless the report repaired it), the rows it selects and its parameters."""

    shown: FilterSet | None
    rows: QuerySet | None = None
    params: list[Param] = field(default_factory=list)
    used: FilterSet | None = None  # None: nothing to build the report with

    @property
    def cleaned(self) -> dict:
        """The cleaned values of a valid filter; nothing of an invalid one."""
        used = self.used
        return used.form.cleaned_data if used is not None and used.is_bound and used.is_valid() else {}


def filter_data(request: HttpRequest, parameters: Sequence[str]) -> QueryDict:
    """The request's parameters less those that are not the filter's."""
    data = request.GET.copy()
    for name in parameters:
        data.pop(name, None)
    return data


def read_filter(
    data: QueryDict,
    filterset_class: type[FilterSet],
    queryset: QuerySet,
    *,
    problems: list[str],
    invalid: str,
    **kwargs,
) -> Filtered:
    """The filter of `data` and the rows of `queryset` it selects; all rows, with the message
    `invalid` in `problems`, when it is not valid."""
    filterset = filterset_class(data or None, queryset=queryset, **kwargs)
    if filterset.is_bound:
        if filterset.is_valid():
            return Filtered(filterset, filterset.qs, filter_params(filterset), filterset)
        problems.append(str(invalid))
    return Filtered(filterset, queryset, used=filterset)


# --- paging -------------------------------------------------------------------------------------------


class Counted:
    """A queryset whose length is already known (from a summary): the paginator slices it without
    counting it once more."""

    def __init__(self, queryset: QuerySet, count: int):
        self.queryset, self.count = queryset, count

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index):
        return self.queryset[index]


def query(data: QueryDict, **changes) -> str:
    """The parameters of `data` with `changes` (None drops a parameter), encoded."""
    data = data.copy()
    for name, value in changes.items():
        data.pop(name, None)
        if value is not None:
            data[name] = value
    return data.urlencode()


def paged(request: HttpRequest, rows, *, printing: bool) -> tuple[Page | None, Sequence, list[str]]:
    """The page of `rows` to show (or, to print, all of them up to PRINT_LIMIT, with a note when cut)."""
    if printing:
        shown = rows[:PRINT_LIMIT]
        notes = []
        if len(rows) > PRINT_LIMIT:
            notes.append(
                _("Напечатаны первые %(shown)s строк из %(count)s: сузьте отбор или выгрузите отчёт в Excel.")
                % {"shown": PRINT_LIMIT, "count": len(rows)}
            )
        return None, shown, notes
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return page, page.object_list, []


def pagination(request: HttpRequest, page: Page | None) -> dict | None:
    if page is None or page.paginator.num_pages < 2:
        return None
    return {
        "page": page,
        "previous": f"?{query(request.GET, page=str(page.previous_page_number()))}" if page.has_previous() else None,
        "next": f"?{query(request.GET, page=str(page.next_page_number()))}" if page.has_next() else None,
    }


def choose(data, name: str, known: dict, default: str, problems: list[str], message: str, **values) -> str:
    """The choice asked for in `name`, or the default with `message` (of the value, the default's
    label and `values`) when it is unknown."""
    value = data.get(name, default)
    if value in known:
        return value
    problems.append(str(message) % {"value": value, "default": known[default], **values})
    return default


# --- the view -----------------------------------------------------------------------------------------


@dataclass
class Report:
    """What the three outputs of a report share, and what more its page shows."""

    title: str
    sections: Sequence[tuple[str, Grid]]
    conditions: list[str]
    filename: str
    sheet: str  # the xlsx sheet's name: at most 31 characters, none of []:*?/\\
    landscape: bool = False
    context: dict = field(default_factory=dict)  # more for the page (its figures, tabs, pagination…)
    page_sections: Sequence[tuple[str, SafeString]] | None = None  # the page's, when not the grids alone


class ReportView(View):
    """A report page. A report declares its title, its filter and the rows the filter narrows, and
    builds its Report from the filter (`report`); the frame reads the filter, says what was wrong
    with it, and answers with the page, the xlsx file or the print view."""

    http_method_names = ["get"]
    roles: Sequence[str] = ()  # who may open it: any CRM role when empty
    title = ""
    filterset_class: type[FilterSet] | None = None
    parameters: Sequence[str] = ("export", "print", "page")  # the request's parameters that are not the filter's
    invalid = gettext_lazy("Отбор задан неверно (см. поля отбора): отчёт построен без отбора.")
    notes: Sequence[str] = ()
    filename = "report"
    sheet = ""
    landscape = False
    printable = True
    print_param: Param = ("print", "1")
    template_name = "crm/report.html"
    print_template_name = "crm/report_print.html"

    @classmethod
    def as_view(cls, **initkwargs):
        return role_required(*cls.roles)(super().as_view(**initkwargs))

    # --- what a report declares

    def rows(self) -> QuerySet:
        """What the filter narrows."""
        return self.filterset_class._meta.model.objects.all()

    def filter_data(self) -> QueryDict:
        return filter_data(self.request, self.parameters)

    def filterset_kwargs(self) -> dict:
        return {}

    def read_filter(self) -> Filtered:
        return read_filter(
            self.filter_data(),
            self.filterset_class,
            self.rows(),
            problems=self.problems,
            invalid=self.invalid,
            **self.filterset_kwargs(),
        )

    def settings(self) -> None:
        """Read what the report offers besides its filter (a variant, a grouping): before the filter."""

    def report(self, filtered: Filtered) -> Report:
        raise NotImplementedError

    def make(self, filtered: Filtered, sections: Sequence[tuple[str, Grid]], **more) -> Report:
        """A Report of the declared title, file and sheet names and the filter's conditions."""
        values = {
            "title": str(self.title),
            "conditions": filter_conditions(filtered.used) if filtered.used is not None else [],
            "filename": self.filename,
            "sheet": str(self.sheet),
            "landscape": self.landscape,
        }
        return Report(sections=sections, **{**values, **more})

    # --- the frame

    @property
    def exporting(self) -> bool:
        return self.request.GET.get("export") == "xlsx"

    @property
    def printing(self) -> bool:
        name, value = self.print_param
        given = self.request.GET.get(name)
        # ?print= with any value; ?export= names the file too, so only its own value prints.
        return self.printable and (given == value if name == "export" else bool(given))

    def page_of(self, rows) -> tuple[Page | None, Sequence, list[str]]:
        """The lines of `rows` the answer shows: all in the file, a page on the page, the print limit on paper."""
        if self.exporting:
            return None, getattr(rows, "queryset", rows), []
        return paged(self.request, rows, printing=self.printing)

    def url(self, **changes) -> str:
        return f"{self.request.path}?{self.query_data(**changes)}"

    def query_data(self, **changes) -> str:
        return query(self.request.GET, **changes)

    def xlsx(self, report: Report) -> HttpResponse:
        content = grids_xlsx(
            report.sections, title=report.title, conditions=report.conditions, sheet_title=report.sheet
        )
        return xlsx_response(content, f"{report.filename}.xlsx")

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        """The report, read from the replica when there is one close enough (crm.replica)."""
        with replica.reading() as source:
            if source.replica:
                self.notes = [
                    *self.notes,
                    _("Отчёт построен по копии базы данных: данные на %(time)s.")
                    % {"time": f"{source.as_of:%H:%M:%S}"},
                ]
            return self.respond(request)

    def respond(self, request: HttpRequest) -> HttpResponse:
        self.problems: list[str] = []
        self.settings()
        filtered = self.read_filter()
        report = self.report(filtered)
        if self.exporting:
            return self.xlsx(report)
        grids = [(caption, grid_html(grid)) for caption, grid in report.sections]
        print_name, print_value = self.print_param
        context = {
            "report": report,
            "title": report.title,
            "conditions": report.conditions,
            "sections": grids,
            "filter": filtered.shown,
            "problems": self.problems,
            "notes": [str(note) for note in self.notes],
            "reset_url": request.path,
            **report.context,
        }
        if self.printing:
            context.update(
                landscape=report.landscape, formed_at=timezone.localtime(), back_url=self.url(**{print_name: None})
            )
            return render(request, self.print_template_name, context)
        if report.page_sections is not None:
            context["sections"] = report.page_sections
        context["export_url"] = self.url(**{print_name: None, "page": None, "export": "xlsx"})
        if self.printable:
            context["print_url"] = self.url(**{"export": None, "page": None, print_name: print_value})
        return render(request, self.template_name, context)
