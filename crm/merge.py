"""Field-level merge of an edit: nothing anyone typed is overwritten silently.

An edit form carries what the user started from (its *base*, a hidden field written when the form
is opened). A save applies only what this user changed against that base. A field someone else
changed meanwhile and this user did not keeps the other's value; a field both changed (to
different values) is a conflict, shown on that field with both values and a choice, and nothing
is written until the user has seen it. A field whose input was not sent at all is not "cleared":
clearing a stored value is an explicit act.

    form = DealForm(request.POST, instance=deal)           # a MergeFormMixin form
    try:                                                    # the service, under a row lock:
        services.update_deal(deal, **form.changes())        #   merge_into(locked, changes)
    except merge.EditConflict as conflict:                  # both changed a field:
        form.rebase(form.stored(conflict.row), conflict.theirs)   # show it, render again (409)

The rule itself (`merge_into`, `conflicts`, `apply`) takes plain values, so services and the API
use it without a form. A formset's rows are forms of their own (KeepsVanishedRowsMixin).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.forms.models import InlineForeignKeyField
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm import numbers
from crm.renderers import FastBoundField

BASE = "base"
CONFLICT_MESSAGE = gettext_lazy(
    "Пока вы редактировали, это изменил другой пользователь, в том числе поля, которые изменили и вы. "
    "Ничего не записано: спорные поля отмечены — выберите, какое значение записать, и нажмите «Записать»."
)
# What a formset adds to each of its forms: the row's key and its marks, not values of the row.
FORMSET_FIELDS = ("id", "DELETE", "ORDER")
EMPTY = "—"
MINE, THEIRS = "mine", "theirs"


@dataclass(frozen=True)
class Change:
    """One field's change by one user: from what they started with to what they saved."""

    old: object
    new: object


def plain(value: object) -> object:
    """A value as the merge compares it: a row by its key, a set of rows as their sorted keys,
    an empty value as ""."""
    if value is None:
        return ""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (list, tuple, set, frozenset, models.QuerySet)):
        return sorted((plain(v) for v in value), key=str)
    return value


def _as_keys(value: object) -> list[str]:
    """A set of rows (or one key, or none) as sorted text keys."""
    if isinstance(value, list):
        return sorted(map(str, value))
    return [] if value == "" else [str(value)]


def same(a: object, b: object) -> bool:
    """Whether two values of a field are the same for the merge: 25 and 25.00 are, a row and
    its key are, a date and its ISO text are."""
    a, b = plain(a), plain(b)
    if isinstance(a, list) or isinstance(b, list):
        return _as_keys(a) == _as_keys(b)
    if type(a) is not type(b) and not (isinstance(a, (int, Decimal)) and isinstance(b, (int, Decimal))):
        return str(a) == str(b)
    return a == b


def conflicts(changes: Mapping[str, Change], current: Mapping[str, object]) -> dict[str, object]:
    """The changed fields that someone else changed meanwhile, to something other than this user's
    value: {field: their value}. Fields missing from `current` are not judged."""
    return {
        name: current[name]
        for name, change in changes.items()
        if name in current and not same(current[name], change.old) and not same(current[name], change.new)
    }


def values_of(instance: models.Model, names: Iterable[str]) -> dict[str, object]:
    """The instance's stored values of the named model fields (others are left out)."""
    values = {}
    for name in names:
        try:
            field = instance._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if field.many_to_many:
            values[name] = list(getattr(instance, name).all()) if instance.pk else []
        elif field.concrete:
            values[name] = field.value_from_object(instance)
    return values


def apply(instance: models.Model, changes: Mapping[str, Change]) -> dict[str, object]:
    """Set the changed model fields on `instance`; returns the many-to-many ones ({name: value}),
    which can only be set once the instance is saved (`set_many`)."""
    later = {}
    for name, change in changes.items():
        try:
            field = instance._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if field.many_to_many:
            later[name] = change.new
        elif field.concrete:
            field.save_form_data(instance, change.new)
    return later


def set_many(instance: models.Model, values: Mapping[str, object]) -> None:
    for name, value in values.items():
        getattr(instance, name).set(value)


class EditConflict(Exception):
    """Someone else changed, after this user opened the form, fields this user changed too.
    `theirs`: {field: their value}; `row`: the row as stored now, to rebase the form on."""

    def __init__(self, row: models.Model, theirs: Mapping[str, object]):
        super().__init__(f"{row._meta.label} {row.pk}: changed meanwhile: {', '.join(theirs)}")
        self.row = row
        self.theirs = dict(theirs)


def _as_changes(stored: Mapping[str, object], values: Mapping[str, object]) -> dict[str, Change]:
    return {name: v if isinstance(v, Change) else Change(stored.get(name), v) for name, v in values.items()}


def theirs_in(row: models.Model, values: Mapping[str, object]) -> dict[str, object]:
    """The fields of `values` (as merge_into takes them) that someone else changed meanwhile."""
    stored = values_of(row, values)
    return conflicts(_as_changes(stored, values), stored)


def merge_into(row: models.Model, values: Mapping[str, object]) -> list[str]:
    """Apply to `row` (locked and read just now) what one user changed. `values` maps a field to
    a Change (from what the user started with) or to a plain value (set, whatever is stored).
    Raises EditConflict when someone else changed one of these fields meanwhile; returns the
    names of the fields whose stored value changes (the caller saves them)."""
    stored = values_of(row, values)
    changes = _as_changes(stored, values)
    theirs = conflicts(changes, stored)
    if theirs:
        raise EditConflict(row, theirs)
    changed = {name: change for name, change in changes.items() if not same(stored.get(name), change.new)}
    if apply(row, changed):
        raise ValueError("merge_into does not set many-to-many fields")
    return list(changed)


# --- the form side ----------------------------------------------------------------------------


def _encode(values: Mapping[str, object]) -> str:
    return json.dumps({name: plain(value) for name, value in values.items()}, cls=DjangoJSONEncoder)


def _decode(field: forms.Field, raw: object) -> object:
    """A base value back in the type the form field holds (dates, decimals); keys stay keys."""
    if raw in ("", None) or isinstance(raw, list):
        return raw
    try:
        if isinstance(field, forms.DateTimeField):
            return parse_datetime(raw)
        if isinstance(field, forms.DateField):
            return datetime.date.fromisoformat(raw)
        if isinstance(field, forms.TimeField):
            return datetime.time.fromisoformat(raw)
        if isinstance(field, forms.DecimalField):
            return Decimal(raw)
    except (TypeError, ValueError, InvalidOperation):
        return raw
    return raw


def shown(field: forms.Field, value: object) -> str:
    """A value as the user knows it: a choice by its label, a date as дд.мм.гггг."""
    key = plain(value)
    if key in ("", []):
        return EMPTY
    if isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
        labels = {str(k): str(label) for k, label in _flat_choices(field)}
        keys = key if isinstance(key, list) else [key]
        return ", ".join(labels.get(str(k), str(k)) for k in keys)
    if isinstance(value, bool):
        return _("Да") if value else _("Нет")
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value) if timezone.is_aware(value) else value, "d.m.Y H:i")
    if isinstance(value, datetime.date):
        return date_format(value, "d.m.Y")
    if isinstance(value, Decimal):
        return numbers.number(value)
    return str(value)


def _flat_choices(field: forms.Field):
    for key, label in field.choices:
        if isinstance(label, (list, tuple)):
            yield from label
        else:
            yield getattr(key, "value", key), label


@dataclass(frozen=True)
class Conflict:
    theirs: str  # their value, as shown
    mine: str


class MergeBoundField(FastBoundField):
    """A field that, when someone else changed it too, shows their value and the choice."""

    def __str__(self) -> str:
        html = super().__str__()
        conflict = self.form.conflicts.get(self.name)
        if conflict is None:
            return html
        keep = self.form.keep_name(self.name)
        return html + format_html(
            '<div class="crm-conflict small" data-conflict="{}">'
            "<div>{} «<b>{}</b>», {} «{}».</div>"
            '<label><input type="radio" name="{}" value="{}" checked> {}</label> '
            '<label><input type="radio" name="{}" value="{}"> {}</label></div>',
            self.name,
            _("Это поле изменил другой пользователь:"),
            conflict.theirs,
            _("у вас"),
            conflict.mine,
            keep,
            MINE,
            _("записать моё"),
            keep,
            THEIRS,
            _("оставить его значение"),
        )


class MergeFormMixin:
    """A form that saves by field: it carries its base (see the module's doc) and tells the
    user's changes against it. `merge_exclude` names bookkeeping fields that are not merged."""

    merge_exclude: tuple[str, ...] = ()
    bound_field_class = MergeBoundField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[BASE] = forms.CharField(widget=forms.HiddenInput, required=False)
        # A callable: written when the form is drawn, after subclasses have added their fields.
        self.initial[BASE] = self._encoded_start
        self.conflicts: dict[str, Conflict] = {}
        self._base_applied = False

    def merged_fields(self) -> list[str]:
        return [
            name
            for name, field in self.fields.items()
            if name not in (BASE, *FORMSET_FIELDS, *self.merge_exclude) and not isinstance(field, InlineForeignKeyField)
        ]

    def _encoded_start(self) -> str:
        return _encode({name: self[name].initial for name in self.merged_fields()})

    def keep_name(self, name: str) -> str:
        return f"{self.add_prefix(name)}-keep"

    def base(self) -> dict[str, object] | None:
        """What the user started from, as sent back with the form; None without one."""
        try:
            raw = json.loads(self.data.get(self.add_prefix(BASE)) or "null")
        except (TypeError, ValueError):
            return None
        if not isinstance(raw, dict):
            return None
        merged = set(self.merged_fields())
        return {name: _decode(self.fields[name], value) for name, value in raw.items() if name in merged}

    def _apply_base(self) -> None:
        # Django tells a changed field by comparing the input with `initial`: let that be the base.
        # Done on first use, when subclasses have added their fields (a formset asks a form
        # whether it changed before it cleans it).
        if self.is_bound and not self._base_applied:
            self._base_applied = True
            base = self.base()
            if base is not None:
                self.initial.update(base)

    @cached_property
    def changed_data(self) -> list[str]:
        self._apply_base()
        # A row's key is not something the user changes (it may name a row removed meanwhile).
        return [name for name in super().changed_data if name not in (BASE, "id")]

    def full_clean(self) -> None:
        self._apply_base()
        super().full_clean()

    def changes(self) -> dict[str, Change]:
        """This user's changes against the base: {field: Change(old, new)}. A field whose input was
        not sent, or whose conflict the user settled for the other's value, is not a change."""
        result = {}
        for name in self.changed_data:
            if name in self.merge_exclude:
                continue
            field = self.fields[name]
            if field.widget.value_omitted_from_data(self.data, self.files, self.add_prefix(name)):
                continue
            if self.data.get(self.keep_name(name)) == THEIRS:
                continue
            result[name] = Change(old=self[name].initial, new=self.cleaned_data.get(name))
        return result

    def stored(self, instance: models.Model) -> dict[str, object]:
        """The instance's stored values in the shape of this form's initial. A form that shows a
        field otherwise (a phone formatted, extra values) adds to it."""
        return values_of(instance, self.merged_fields())

    def rebase(self, stored: Mapping[str, object], theirs: Mapping[str, object]) -> None:
        """After a conflict: start again from what is stored now. This user's own changes stay in
        their fields, every other field shows the stored value, and each field in `theirs` shows
        both values and the choice. The next save is judged against what the user has now seen."""
        mine = self.changes()
        data = self.data.copy()
        base = {name: self[name].initial for name in self.merged_fields()}
        for name, value in stored.items():
            if name not in self.fields:
                continue
            base[name] = value
            if name not in mine:
                _put(data, self.add_prefix(name), self.fields[name], value)
        data[self.add_prefix(BASE)] = _encode(base)
        for name in theirs:
            data.pop(self.keep_name(name), None)
        self.data = data
        for name, value in theirs.items():
            field = self.fields[name]
            self.conflicts[name] = Conflict(theirs=shown(field, value), mine=shown(field, mine[name].new))
            field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} border-warning".strip()


class _ParentOfRow(InlineForeignKeyField):
    """The row's parent as the formset has it, whatever key the page sent: a parent removed
    meanwhile is not an error either."""

    def clean(self, value):
        return None if self.pk_field else self.parent_instance


class KeepsVanishedRowsMixin:
    """A model formset whose rows (or their parent) someone else may remove while the user edits
    them. The row's key is a plain number, so a removed row is not a form error («выберите
    корректный вариант» on a hidden field): the row comes as a new one, saved again if this user
    changed it (what they typed is kept) and dropped otherwise."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        pk_name = self.model._meta.pk.name
        if pk_name in form.fields:
            form.fields[pk_name] = forms.IntegerField(
                required=False, widget=forms.HiddenInput, initial=form.fields[pk_name].initial
            )
        fk = getattr(self, "fk", None)
        parent = form.fields.get(fk.name) if fk is not None else None
        if isinstance(parent, InlineForeignKeyField):
            form.fields[fk.name] = _ParentOfRow(
                parent.parent_instance, pk_field=parent.pk_field, to_field=parent.to_field, label=parent.label
            )


def _put(data, key: str, field: forms.Field, value: object) -> None:
    """Write `value` into form data as the field's widget would send it."""
    widget = field.widget
    prepared = field.prepare_value(value)
    if isinstance(widget, forms.CheckboxInput):
        data.setlist(key, ["on"] if widget.check_test(prepared) else [])
        return
    formatted = widget.format_value(prepared)
    if isinstance(formatted, list):
        data.setlist(key, [str(v) for v in formatted] or ([] if widget.allow_multiple_selected else [""]))
    else:
        data.setlist(key, ["" if formatted is None else str(formatted)])
