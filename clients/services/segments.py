"""Segments kept by supervisors: a hand-picked one (clients are filed under it on their cards or by
«Изменить выделенные») or a dynamic one (a saved filter of the client list, clients.segments)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from clients import segments as segment_rules
from clients.models import Segment


class SegmentRefused(Exception):
    """The segment cannot be saved or deleted as asked; the message is for the user."""


def _checked(segment: Segment, name: str, query: str) -> None:
    name = name.strip()
    if not name:
        raise SegmentRefused(_("Укажите наименование сегмента."))
    segment.name = name
    if segment.kind == Segment.Kind.DYNAMIC:
        query = query.strip().lstrip("?")
        problem = segment_rules.query_problem(query)
        if problem:
            raise SegmentRefused(_("Отбор задан неверно: %(problem)s") % {"problem": problem})
        segment.query = query
    else:
        segment.query = ""


def _save(segment: Segment) -> Segment:
    try:
        with transaction.atomic():
            segment.save()
    except IntegrityError:
        raise SegmentRefused(_("Сегмент «%(name)s» уже есть.") % {"name": segment.name}) from None
    return segment


def create_segment(*, name: str, kind: str, query: str = "") -> Segment:
    segment = Segment(kind=kind)
    _checked(segment, name, query)
    return _save(segment)


def update_segment(segment: Segment, *, name: str, query: str = "") -> Segment:
    """A new name, and for a dynamic segment a new filter; its kind stays."""
    _checked(segment, name, query)
    return _save(segment)


@transaction.atomic
def delete_segment(segment: Segment) -> None:
    """Refused while a dynamic segment's filter names it."""
    referring = segment_rules.referring_segments(segment)
    if referring:
        names = ", ".join(f"«{s.name}»" for s in referring)
        raise SegmentRefused(
            _("Сегмент нельзя удалить: его называет отбор динамических сегментов %(names)s.") % {"names": names}
        )
    segment.delete()
