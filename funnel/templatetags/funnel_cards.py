from django import template

from funnel.board_cards import render_cards

register = template.Library()


@register.filter
def cards(deals):
    """`{{ column.deals|cards }}`: the deals' cards on the board (funnel/board_cards.py)."""
    return render_cards(deals)
