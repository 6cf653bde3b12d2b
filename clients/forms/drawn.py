"""Pieces of the card's edit form drawn in Python, registered as template filters in
clients/templatetags/card_form.py: the form has thirty-odd fields and a dozen contact rows, and a
template included per piece cost more than drawing their widgets. Each gives exactly what the
template it replaced gave (clients/tests/test_card_form_tag.py holds them to it)."""

from __future__ import annotations

from django.forms import BoundField, Form
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from crm.html import esc


def _errors(field: BoundField) -> str:
    return "".join(f'<div class="invalid-feedback d-block">{esc(e)}</div>' for e in field.errors)


def card_field(field: BoundField) -> SafeString:
    """A field of the card: its label, its widget and its errors."""
    width = "col-md-4" if field.name in field.form.NARROW_FIELDS else "col-12"
    required = " *" if field.field.required else ""
    return mark_safe(
        f'<div class="{width}">\n'
        f'  <label class="form-label small mb-0" for="{esc(field.id_for_label)}">'
        f"{esc(field.label)}{required}</label>\n"
        f"  {field}\n"
        f"  {_errors(field)}\n"
        "</div>\n"
    )


def info_row(form: Form) -> SafeString:
    """A row of contact information: kind, value, comment and «удалить» for a stored one."""
    hidden = "".join(str(field) for field in form.hidden_fields())
    delete = ""
    if form.instance.pk:
        delete = f'<label title="{esc(_("Удалить"))}">{form["DELETE"]} ✕</label>'
    kind, value = form["kind"], form["value"]
    refuses, refuses_title = esc(_("без рассылок")), esc(_("Не отправлять рассылки"))
    return mark_safe(
        '<div class="row g-1 mb-1">\n'
        f"  {hidden}\n"
        f'  <div class="col-3">{kind}{_errors(kind)}</div>\n'
        f'  <div class="col-4">{value}{_errors(value)}</div>\n'
        f'  <div class="col-2">{form["comment"]}</div>\n'
        f'  <div class="col-2 small text-nowrap" title="{refuses_title}">{form["no_mailing"]} {refuses}</div>\n'
        f'  <div class="col-1 small">{delete}</div>\n'
        "</div>\n"
    )
