from django import template

from funnel.cards import render_cards

register = template.Library()


@register.filter
def cards(deals):
    """`{{ column.deals|cards }}`: the deals' cards on the board (funnel/cards.py)."""
    return render_cards(deals)
