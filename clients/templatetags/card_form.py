"""`{{ field|card_field }}`: one field of the card's edit form — its label, its widget and its
errors — drawn in Python: the form has thirty-odd of them, and a template included per field cost
more than drawing their widgets."""

from django import template
from django.forms import BoundField
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def card_field(field: BoundField) -> SafeString:
    width = "col-md-4" if field.name in field.form.NARROW_FIELDS else "col-12"
    required = " *" if field.field.required else ""
    errors = "".join(f'<div class="invalid-feedback d-block">{conditional_escape(e)}</div>' for e in field.errors)
    return mark_safe(
        f'<div class="{width}">\n'
        f'  <label class="form-label small mb-0" for="{conditional_escape(field.id_for_label)}">'
        f"{conditional_escape(field.label)}{required}</label>\n"
        f"  {field}\n"
        f"  {errors}\n"
        "</div>\n"
    )
