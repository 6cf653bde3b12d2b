"""{% load paging %}: {{ table.paginator|found }} → the count of a list as crm.paging.count_text
shows it: «около 1 000 000» when it is the planner's estimate, «более 10 000» when it is a bound, the
number itself otherwise."""

from django import template

from crm.paging import count_text

register = template.Library()


@register.filter
def found(paginator):
    return count_text(paginator.count)
