"""`{{ field|card_field }}`, `{{ info_form|info_row }}`: the card's edit form drawn in Python
(clients/forms/drawn.py)."""

from django import template

from clients.forms import drawn

register = template.Library()
register.filter("card_field", drawn.card_field)
register.filter("info_row", drawn.info_row)
