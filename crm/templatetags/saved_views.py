"""«Сохранённые отборы» in a list's header, drawn in Python: the partial is on every list page, and
as a template (with its forms' hidden fields included four times) it cost 1.5 ms a page.

`{% saved_views_menu %}` draws the `saved_views` (crm.saved_views.Picker) of the context: the views
to pick, «Сохранить отбор…», and for the author of the view picked «Изменить», «Переименовать»,
«Удалить». Behaviour: static/crm/crm.js (`data-saved-view-form`, `data-confirm`)."""

from __future__ import annotations

from django import template
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from crm.html import esc
from crm.saved_views import Picker
from crm.users import user_name

register = template.Library()

MENU = "dropdown-menu dropdown-menu-end p-2 small crm-saved-views"
TOGGLE = (
    'class="btn btn-sm btn-outline-secondary dropdown-toggle" type="button"'
    ' data-bs-toggle="dropdown" data-bs-auto-close="outside"'
)


def _state(picker: Picker, csrf: str) -> str:
    """What each form sends besides its own fields: the list's address and query string (crm.js
    puts in the one of the moment), and the columns shown."""
    html = [
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{esc(csrf)}">',
        f'<input type="hidden" name="next" value="{esc(picker.path)}">',
        f'<input type="hidden" name="query" value="{esc(picker.query)}" data-current-query-value>',
    ]
    if picker.columns is not None:
        html.append('<input type="hidden" name="with_columns" value="1">')
        html += [f'<input type="hidden" name="columns" value="{esc(name)}">' for name in picker.columns]
    return "".join(html)


def _share_select(picker: Picker, field_id: str, chosen: str, css: str) -> str:
    options = "".join(
        f'<option value="{esc(value)}"{" selected" if value == chosen else ""}>{esc(label)}</option>'
        for value, label in picker.share_choices
    )
    label = esc(_("Доступ"))  # gettext outside the f-strings: makemessages does not look inside them
    return (
        f'<label class="form-label mb-0" for="{field_id}">{label}</label>'
        f'<select class="form-select form-select-sm{css}" name="share" id="{field_id}">{options}</select>'
    )


def _choices(picker: Picker) -> str:
    current = picker.current
    nothing = _("Сохранённых отборов пока нет.")
    html = []
    for choice in picker.choices:
        active = choice == current
        author = (
            ""
            if choice.mine
            else f' <span class="small{"" if active else " text-muted"}">· {esc(user_name(choice.view.author))}</span>'
        )
        html.append(
            f'<a class="dropdown-item rounded{" active" if active else ""}" href="{esc(choice.url)}"'
            f' data-saved-view="{choice.pk}">{esc(choice.name)}{author}</a>'
        )
    return "".join(html) or f'<span class="dropdown-item-text text-muted">{esc(nothing)}</span>'


def _form(action: str, form_id: str, state: str, body: str, extra: str = "") -> str:
    return f'<form method="post" action="{action}" id="{form_id}"{extra}>{state}{body}</form>'


def _button(label: str, css: str, extra: str = "") -> str:
    return f'<button class="btn btn-sm {css}" type="submit"{extra}>{esc(label)}</button>'


def _author_forms(picker: Picker, state: str) -> str:
    """«Изменить», «Переименовать», «Удалить» of the view picked."""
    current = picker.current
    pk = current.pk
    update_title = esc(_("Записать в отбор текущие условия, сортировку, размер страницы и колонки"))
    confirm = esc(_("Удалить отбор «%(name)s»?") % {"name": current.name})
    share = _share_select(picker, "saved-view-update-share", picker.current_share, "")
    name_label, rename_label = esc(_("Наименование")), _("Переименовать")
    rename = (
        f'<label class="form-label mb-0" for="saved-view-rename-name">{name_label}</label>'
        '<div class="d-flex gap-1"><input class="form-control form-control-sm" name="name"'
        f' id="saved-view-rename-name" value="{esc(current.name)}" maxlength="100" required>'
        f"{_button(rename_label, 'btn-outline-primary')}</div>"
    )
    return (
        '<hr class="dropdown-divider">'
        + _form(
            reverse("saved_view_update", args=[pk]),
            "saved-view-update",
            state,
            share + _button(_("Изменить"), "btn-outline-primary mt-1", f' title="{update_title}"'),
            ' class="mb-2" data-saved-view-form',
        )
        + _form(reverse("saved_view_rename", args=[pk]), "saved-view-rename", state, rename, ' class="mb-2"')
        + _form(
            reverse("saved_view_delete", args=[pk]),
            "saved-view-delete",
            state,
            _button(_("Удалить"), "btn-outline-danger"),
            f' data-confirm="{confirm}"',
        )
    )


@register.simple_tag(takes_context=True)
def saved_views_menu(context) -> SafeString:
    picker: Picker = context["saved_views"]
    # the page's own masked token (base.html has it already); a fresh one costs a quarter of a millisecond
    csrf = context.get("csrf_token") or get_token(picker.request)
    state = _state(picker, str(csrf))
    current = picker.current
    title = _("Отбор: «%(name)s»") % {"name": current.name} if current else _("Сохранённые отборы")
    note = _(
        "Отбор хранит условия, сортировку и настройки списка; каждый, кому он доступен, "
        "видит в нём только доступные ему строки."
    )
    name_label, save_label = esc(_("Наименование")), esc(_("Сохранить отбор…"))
    save = (
        f'<input type="hidden" name="key" value="{esc(picker.key)}">'
        f'<label class="form-label mb-0" for="saved-view-name">{name_label}</label>'
        '<input class="form-control form-control-sm mb-1" name="name" id="saved-view-name" maxlength="100" required>'
        f"{_share_select(picker, 'saved-view-share', '', ' mb-2')}"
        f'<div class="form-text mt-0 mb-2">{esc(note)}</div>'
        + _button(_("Сохранить"), "btn-primary", ' id="saved-view-save-button"')
    )
    author_forms = _author_forms(picker, state) if current and current.changeable else ""
    return mark_safe(
        '<div class="dropdown" id="saved-views">'
        f'<button {TOGGLE} id="saved-views-menu">{esc(title)}</button>'
        f'<div class="{MENU}" id="saved-views-list">{_choices(picker)}{author_forms}</div></div>'
        '<div class="dropdown">'
        f'<button {TOGGLE} id="saved-view-save-menu">{save_label}</button>'
        + _form(reverse("saved_view_create"), "saved-view-save", state, save, f' class="{MENU}" data-saved-view-form')
        + "</div>"
    )
