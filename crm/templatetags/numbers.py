"""{% load numbers %}: {{ amount|money }} → «150 000,00», {{ quantity|number }} → «2,5»,
{{ share|number:1 }} → «−6,7» (crm.numbers)."""

from django import template

from crm import numbers

register = template.Library()


@register.filter
def money(value) -> str:
    return numbers.money(value)


@register.filter
def number(value, places=None) -> str:
    return numbers.number(value, None if places in (None, "") else int(places))
