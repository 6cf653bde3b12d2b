"""Segments as client-list filters: `segments=<id>` on the client list — and so in every place
that filters clients as the list does (the wizard's «Настройка отбора», «Анализ клиентской базы»,
«Excel», «Изменить выделенные», «Рассылка») — means «in this segment», for both kinds.

A hand-picked segment's clients are those filed under it on their cards; a dynamic segment's are
those its stored filter (the client list's query string, extra fields included) finds now. A
dynamic segment's filter may name hand-picked segments, never a dynamic one: that is refused with
a message, so evaluating a segment never recurses. A manager sees a segment's clients they work
with (clients.access), nobody else's."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _

from clients import access
from clients import extra_fields as extra
from clients.models import Client, Segment
from crm import roles

if TYPE_CHECKING:
    from clients.filters import ClientFilterSet

# Who sees every client of a segment (and sends a mailing to any): a manager sees their own and the
# unassigned ones, as on their cards.
SEE_ALL = (*access.MANAGE_ALL, roles.SALES_HEAD)
# List parameters that are not part of the filter: paging, sorting, columns, the panel's request.
NOT_FILTER = ("page", "after", "before", "sort", "per_page", "columns", "extra_filters", "format")


def filter_query(params: QueryDict) -> str:
    """The list's query string without paging, sorting and columns."""
    query = params.copy()
    for name in NOT_FILTER:
        query.pop(name, None)
    return query.urlencode()


def stored_filter(query: str, *, nested: bool = True) -> ClientFilterSet:
    """The client filter a dynamic segment stores, as a bound ClientFilterSet (not yet checked).
    `nested`: it is a segment's own filter, which may not name a dynamic segment."""
    from clients.filters import ClientFilterSet  # the filter asks this module what a segment holds

    data = QueryDict(query)
    fields = extra.client_definitions(options=True)
    return ClientFilterSet(data or None, queryset=Client.objects.all(), extra_fields=fields, nested=nested)


def query_problem(query: str) -> str | None:
    """What is wrong with a dynamic segment's filter text, for the user; None when it is right."""
    return _problem_of(stored_filter(query))


def _problem_of(filterset: ClientFilterSet) -> str | None:
    if not filterset.is_bound or filterset.is_valid():
        return None
    form = filterset.form
    problems = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        problems.append(f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return "; ".join(problems)


def _checked_filter(segment: Segment) -> ClientFilterSet:
    """The dynamic segment's filter, checked once per segment object."""
    cached = getattr(segment, "_checked_filter", None)
    if cached is None:
        cached = stored_filter(segment.query)
        cached.is_valid()
        segment._checked_filter = cached
    return cached


def segment_problem(segment: Segment) -> str | None:
    """Why the segment cannot be evaluated now (a dynamic one whose filter went wrong, e.g. a value
    it names was deleted), as a message naming it; None when it can."""
    if segment.kind != Segment.Kind.DYNAMIC:
        return None
    problem = _problem_of(_checked_filter(segment))
    if problem is None:
        return None
    return _("Отбор сегмента «%(name)s» задан неверно: %(problem)s") % {"name": segment.name, "problem": problem}


def in_segment(queryset: QuerySet[Client], segment: Segment, user=None) -> QuerySet[Client]:
    """`queryset` narrowed to the segment's clients (none when its filter is wrong), and to those
    `user` works with when a user is given."""
    if segment.kind == Segment.Kind.DYNAMIC:
        filterset = _checked_filter(segment)
        if not filterset.is_bound:
            pass  # an empty filter: every client
        elif filterset.is_valid():
            queryset = filterset.filter_queryset(queryset)
        else:
            queryset = queryset.none()
    else:
        queryset = queryset.filter(pk__in=_members(segment))
    return queryset if user is None else access.worked(queryset, user, everyone=SEE_ALL)


def _members(segment: Segment) -> QuerySet:
    return Client.segments.through.objects.filter(segment_id=segment.pk).values("client_id")


def clients_in(segment: Segment, user=None) -> QuerySet[Client]:
    """The segment's clients now (those `user` works with, when given): the one answer every page
    and file uses."""
    return in_segment(Client.objects.all(), segment, user)


def counts(segments: Iterable[Segment], user) -> dict[int, int]:
    """{segment id: how many of its clients `user` works with now}, in one query; a segment whose
    filter is wrong is left out."""
    wanted = {}
    for segment in segments:
        if segment_problem(segment) is None:
            members = clients_in(segment).order_by().values("pk")
            wanted[f"s{segment.pk}"] = Count("pk", filter=Q(pk__in=members))
    if not wanted:
        return {}
    found = access.clients_of(user, everyone=SEE_ALL).order_by().aggregate(**wanted)
    return {int(key[1:]): value for key, value in found.items()}


def referring_segments(segment: Segment) -> list[Segment]:
    """The dynamic segments whose filter names `segment` (a hand-picked one)."""
    pattern = rf"(^|&)segments={segment.pk}(&|$)"
    return list(Segment.objects.filter(kind=Segment.Kind.DYNAMIC, query__regex=pattern))
