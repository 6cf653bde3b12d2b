"""Pieces of crm/_list_table.html drawn in Python: «Колонки» offers every column of a list (forty
with a base's extra fields), and a template loop over them cost a millisecond a page."""

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def column_checks(columns: list[tuple[str, str, bool]]) -> SafeString:
    """A tick box per (name, label, shown) column, as the menu's template loop drew them."""
    html = []
    for name, label, shown in columns:
        name, checked = conditional_escape(name), " checked" if shown else ""
        html.append(
            '\n      <div class="form-check">\n'
            f'        <input class="form-check-input" type="checkbox" name="columns" value="{name}"'
            f' id="col-{name}"{checked}>\n'
            f'        <label class="form-check-label" for="col-{name}">{conditional_escape(label)}</label>\n'
            "      </div>\n      "
        )
    return mark_safe("".join(html))
