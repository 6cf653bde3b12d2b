"""{% load paging %}: {{ table.paginator|found }} → the count of a list, «около 1 000 000» when it is
the planner's estimate (crm/paging.py), the number itself otherwise."""

from django import template
from django.utils.translation import gettext as _

from crm import numbers

register = template.Library()


@register.filter
def found(paginator):
    count = paginator.count
    if getattr(count, "estimated", False):
        return _("около %(count)s") % {"count": numbers.number(count)}
    return count
