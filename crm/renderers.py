"""The form renderer: Django's, with the everyday widgets drawn in Python.

Django draws a widget through templates: a select includes a template per option and another per
option's attributes. A filter panel with a 50-name «Ответственный» list and a few dozen extra-field
filters spends tens of milliseconds there, more than the SQL of the page. The functions below give
the same HTML as Django's templates for inputs, selects, text areas, ticks and radio buttons and
multi-widgets (including django-filter's «from–to» one); any other template is rendered as usual.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.forms import widgets
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import SafeString, mark_safe

from crm.html import esc

Widget = Mapping[str, Any]

# The templates that only include django/forms/widgets/input.html.
INPUT_TEMPLATES = (
    "checkbox",
    "color",
    "date",
    "datetime",
    "email",
    "hidden",
    "number",
    "password",
    "search",
    "tel",
    "text",
    "time",
    "url",
)
INPUT_TEMPLATE_NAMES = frozenset(
    ["django/forms/widgets/input.html", *(f"django/forms/widgets/{name}.html" for name in INPUT_TEMPLATES)]
)


def attrs_html(attrs: Mapping[str, Any]) -> str:
    """django/forms/widgets/attrs.html: True gives a bare attribute, False leaves it out."""
    return "".join(
        f" {esc(name)}" + ("" if value is True else f'="{esc(value)}"')
        for name, value in attrs.items()
        if value is not False
    )


def input_html(widget: Widget) -> str:
    value = "" if widget["value"] is None else f' value="{esc(widget["value"])}"'
    return f'<input type="{esc(widget["type"])}" name="{esc(widget["name"])}"{value}{attrs_html(widget["attrs"])}>'


def option_html(option: Widget) -> str:
    return f'<option value="{esc(option["value"])}"{attrs_html(option["attrs"])}>{esc(option["label"])}</option>'


def grouped_options(widget: Widget, group_open: str, group_close: str, option: Callable[[Widget], str]) -> str:
    """A choice widget's options drawn by `option`, each group's between `group_open` (with the
    group's name for `{}`) and `group_close`."""
    parts = []
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(group_open.format(esc(group_name)))
        parts.extend(option(choice) for choice in group_choices)
        if group_name:
            parts.append(group_close)
    return "".join(parts)


def select_html(widget: Widget) -> str:
    options = grouped_options(
        widget, '\n  <optgroup label="{}">', "\n  </optgroup>", lambda option: f"\n  {option_html(option)}"
    )
    return f'<select name="{esc(widget["name"])}"{attrs_html(widget["attrs"])}>{options}\n</select>'


def choice_input_html(option: Widget) -> str:
    """django/forms/widgets/checkbox_option.html and radio_option.html, with the line ends of
    input_option.html and input.html that they include."""
    html = f"{input_html(option)}\n"
    if option["wrap_label"]:
        ident = option["attrs"].get("id")
        label_for = f' for="{esc(ident)}"' if ident else ""
        html = f"<label{label_for}>{html} {esc(option['label'])}</label>"
    return f"{html}\n\n"


def multiple_input_html(widget: Widget) -> str:
    """django/forms/widgets/checkbox_select.html and radio.html (multiple_input.html inside)."""
    ident, css = widget["attrs"].get("id"), widget["attrs"].get("class")
    parts = [
        "<div",
        f' id="{esc(ident)}"' if ident else "",
        f' class="{esc(css)}"' if css else "",
        ">",
    ]
    parts.append(
        grouped_options(
            widget,
            "\n  <div><label>{}</label>",
            "\n  </div>",
            lambda option: f"<div>\n    {choice_input_html(option)}</div>",
        )
    )
    parts.append("\n</div>")
    return "".join(parts)


def textarea_html(widget: Widget) -> str:
    value = esc(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{esc(widget["name"])}"{attrs_html(widget["attrs"])}>\n{value}</textarea>'


class FastRenderer(DjangoTemplates):
    """Django's template renderer, except for the widgets in `widgets` (by template name); its
    forms' fields draw the everyday widgets themselves (FastBoundField), unless a form or a field
    names a bound field class of its own."""

    def __init__(self) -> None:
        self.bound_field_class = FastBoundField
        self.widgets: dict[str, Callable[[Widget], str]] = {
            **{f"django/forms/widgets/{name}.html": input_html for name in INPUT_TEMPLATES},
            "django/forms/widgets/input.html": input_html,
            "django/forms/widgets/select.html": select_html,
            "django/forms/widgets/textarea.html": textarea_html,
            "django/forms/widgets/checkbox_select.html": multiple_input_html,
            "django/forms/widgets/radio.html": multiple_input_html,
            "django/forms/widgets/multiwidget.html": self.multiwidget_html,
            "django_filters/widgets/multiwidget.html": self.range_html,
        }

    def render(self, template_name: str, context: dict[str, Any], request=None) -> str:
        draw = self.widgets.get(template_name)
        if draw is not None:
            return draw(context["widget"])
        if template_name == "django/forms/div.html" and not context["fields"] and not context["errors"]:
            # A form of hidden fields only (a formset's management form): the fields, one after
            # another, as django/forms/div.html draws them once stripped.
            return "".join(str(field) for field in context["hidden_fields"])
        return super().render(template_name, context, request)

    def subwidget_html(self, widget: Widget) -> str:
        draw = self.widgets.get(widget["template_name"])
        if draw is None:
            return super().render(widget["template_name"], {"widget": widget})
        return draw(widget)

    def multiwidget_html(self, widget: Widget) -> str:
        # {% spaceless %}: no whitespace between tags.
        return re.sub(r">\s+<", "><", "".join(self.subwidget_html(w) for w in widget["subwidgets"]).strip())

    def range_html(self, widget: Widget) -> str:
        # django-filter's «from–to» widget: the two boxes joined by a dash (after a line break, as
        # its template leaves one).
        return "\n-".join(self.subwidget_html(w) for w in widget["subwidgets"])


def _draws_input(widget: forms.Widget) -> bool:
    """Whether `widget` is an input drawn from Django's own context: Input's get_context, render,
    attributes and a template FastRenderer draws as input_html (its format_value may be its own)."""
    kind = type(widget)
    return (
        isinstance(widget, widgets.Input)
        and kind.get_context is widgets.Input.get_context
        and kind.render is forms.Widget.render
        and kind.build_attrs is forms.Widget.build_attrs
        and widget.template_name in INPUT_TEMPLATE_NAMES
    )


def _draws_select(widget: forms.Widget) -> bool:
    """Whether `widget` is a one-choice select of Django's own drawing (its choices may be ours)."""
    kind = type(widget)
    return (
        isinstance(widget, forms.Select)
        and not widget.allow_multiple_selected
        and not widget.option_inherits_attrs
        and kind.get_context is forms.Select.get_context
        and kind.optgroups is forms.Select.optgroups
        and kind.create_option is forms.Select.create_option
        and kind.format_value is forms.Select.format_value
        and kind.render is forms.Widget.render
        and kind.build_attrs is forms.Widget.build_attrs
        and widget.template_name == "django/forms/widgets/select.html"
        and widget.option_template_name == "django/forms/widgets/select_option.html"
    )


def _select_options(widget: forms.Select, values: list[str]) -> str:
    """select_html's options for `values` (the widget's format_value), as ChoiceWidget.optgroups
    chooses them — the first matching choice selected — without a dictionary per option."""
    parts, has_selected = [], False
    for option_value, option_label in widget.choices:
        if option_value is None:
            option_value = ""
        grouped = isinstance(option_label, (list, tuple))
        if grouped and option_value:
            parts.append(f'\n  <optgroup label="{esc(option_value)}">')
        for value, label in option_label if grouped else ((option_value, option_label),):
            selected = not has_selected and str(value) in values
            has_selected |= selected
            parts.append(f'\n  <option value="{esc(value)}"{" selected" if selected else ""}>{esc(label)}</option>')
        if grouped and option_value:
            parts.append("\n  </optgroup>")
    return "".join(parts)


class FastBoundField(forms.BoundField):
    """Django's bound field, drawing the everyday widgets — inputs, text areas, one-choice selects:
    nine in ten fields of the card's edit form — straight from the field: the attributes as
    build_widget_attrs() gives them, then the HTML FastRenderer draws, without the widget's context
    and a dictionary per option. Exactly what as_widget() gives (crm/tests/test_renderers.py)."""

    def as_widget(self, widget=None, attrs=None, only_initial=False) -> SafeString:
        chosen = widget or self.field.widget
        if attrs or only_initial or type(self.form.renderer) is not FastRenderer:
            return super().as_widget(widget, attrs, only_initial)
        is_input, is_select = _draws_input(chosen), False
        if not is_input:
            is_select = _draws_select(chosen)
            if not is_select and type(chosen) is not forms.Textarea:
                return super().as_widget(widget, attrs, only_initial)
        if self.field.localize:
            chosen.is_localized = True
        added = self.build_widget_attrs({}, chosen)
        if self.auto_id and "id" not in chosen.attrs:
            added.setdefault("id", self.auto_id)
        name, value, final = self.html_name, chosen.format_value(self.value()), {**chosen.attrs, **added}
        if is_input:
            html = input_html({"type": chosen.input_type, "name": name, "value": value, "attrs": final})
        elif is_select:
            html = f'<select name="{esc(name)}"{attrs_html(final)}>{_select_options(chosen, value)}\n</select>'
        else:
            html = textarea_html({"name": name, "value": value, "attrs": final})
        return mark_safe(html)
