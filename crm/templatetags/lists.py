"""Pieces of list and report pages drawn in Python: «Колонки» offers every column of a list (forty
with a base's extra fields) and a filter panel a dozen fields, and a template per piece cost a
millisecond a page. Each gives what the template it replaced gave (crm/tests/test_tables.py)."""

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString, mark_safe

from crm.html import esc

register = template.Library()


@register.filter
def column_checks(columns: list[tuple[str, str, bool]]) -> SafeString:
    """A tick box per (name, label, shown) column, as the menu's template loop drew them."""
    html = []
    for name, label, shown in columns:
        name, checked = esc(name), " checked" if shown else ""
        html.append(
            '\n      <div class="form-check">\n'
            f'        <input class="form-check-input" type="checkbox" name="columns" value="{name}"'
            f' id="col-{name}"{checked}>\n'
            f'        <label class="form-check-label" for="col-{name}">{esc(label)}</label>\n'
            "      </div>\n      "
        )
    return mark_safe("".join(html))


@register.filter
def filter_field(field: BoundField) -> SafeString:
    """A field of a filter panel: its label, its widget (a tick box before its label) and its errors."""
    label_for, label = esc(field.id_for_label), esc(field.label)
    if field.widget_type == "checkbox":
        body = (
            f'<div class="form-check">{field} <label class="form-check-label" for="{label_for}">{label}</label></div>'
        )
    else:
        body = f'<label class="form-label mb-0 fw-semibold" for="{label_for}">{label}</label>\n  {field}'
    errors = "".join(f'<div class="text-danger small">{esc(e)}</div>' for e in field.errors)
    return mark_safe(f'<div class="mb-2">\n  \n  {body}\n  \n  {errors}\n</div>\n')
