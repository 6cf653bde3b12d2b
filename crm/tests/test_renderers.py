"""The Python-drawn widgets give the HTML Django's templates give (whitespace aside)."""

import datetime
import re
from decimal import Decimal

import django_filters
import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils import translation
from django.utils.safestring import mark_safe

from crm.forms import DateInput, DateTimeInput, TypedDecimalField
from crm.renderers import FastBoundField, FastRenderer


class Everything(forms.Form):
    text = forms.CharField(widget=forms.TextInput(attrs={"class": "form-control", "placeholder": 'a "quoted" <b>'}))
    number = forms.DecimalField(widget=forms.NumberInput(attrs={"inputmode": "decimal"}))
    when = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    mail = forms.EmailField(required=False)
    secret = forms.CharField(widget=forms.PasswordInput)
    hidden = forms.CharField(widget=forms.HiddenInput)
    flag = forms.BooleanField(required=False)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    one = forms.ChoiceField(choices=[("", "—"), ("a", "Альфа & Ко"), ("b", mark_safe("<i>Бета</i>"))])
    many = forms.MultipleChoiceField(
        choices=[("Группа <1>", [("1", "один"), ("2", "два")]), ("3", "три")],
        widget=forms.SelectMultiple(attrs={"size": 3, "disabled": False}),
    )
    maybe = forms.NullBooleanField()
    stamp = forms.SplitDateTimeField()
    span = django_filters.fields.RangeField(widget=django_filters.widgets.RangeWidget())
    dates = django_filters.fields.DateRangeField(widget=django_filters.widgets.DateRangeWidget())
    radio = forms.ChoiceField(choices=[("x", "икс")], widget=forms.RadioSelect)


DATA = {
    "text": 'Иванов "<script>"',
    "number": "12,5",
    "when": "2026-02-31",
    "secret": "s",
    "hidden": "h&h",
    "flag": "on",
    "note": "первая\n<вторая>",
    "one": "a",
    "many": ["2", "3"],
    "maybe": "true",
    "stamp_0": "2026-11-27",
    "stamp_1": "10:00",
    "span_min": "1",
    "span_max": "",
    "dates_after": "2026-01-01",
    "radio": "x",
}


def same_html(html: str) -> str:
    return re.sub(r"\s+", " ", html).strip()


@pytest.mark.parametrize("data", [None, DATA], ids=["unbound", "bound"])
def test_every_widget_draws_as_djangos_templates_do(data):
    initial = {"when": datetime.date(2026, 11, 27), "flag": True, "many": ["1"]}
    form = Everything(data, initial=initial)
    for name, field in form.fields.items():
        widget, value = field.widget, form[name].value()
        attrs = form[name].build_widget_attrs({"id": f"id_{name}"})
        fast = widget.render(name, value, attrs, renderer=FastRenderer())
        django = widget.render(name, value, attrs, renderer=DjangoTemplates())
        assert same_html(fast) == same_html(django), name


def test_the_project_draws_forms_with_it():
    assert isinstance(get_default_renderer(), FastRenderer)


def test_a_select_escapes_what_the_user_typed():
    widget = forms.Select(choices=[("<x>", 'Ромашка "<b>"')])
    html = widget.render("f", "<x>", renderer=FastRenderer())
    assert '<option value="&lt;x&gt;" selected>Ромашка &quot;&lt;b&gt;&quot;</option>' in html


@pytest.mark.parametrize(
    "widget",
    [
        forms.CheckboxSelectMultiple(choices=[("A", "A"), ("B", "Бета & <b>"), ("__none__", "не заполнено")]),
        forms.CheckboxSelectMultiple(
            attrs={"class": "list-unstyled"}, choices=[("Группа <1>", [("1", "один"), ("2", "два")]), ("3", "три")]
        ),
        forms.RadioSelect(choices=[("x", "икс"), ("y", mark_safe("<i>игрек</i>"))]),
    ],
)
@pytest.mark.parametrize("attrs", [{"id": "id_f"}, {}])
@pytest.mark.parametrize("value", [None, ["B", "1"], "y"])
def test_ticks_and_radio_buttons_draw_exactly_as_djangos_templates(widget, attrs, value):
    fast = widget.render("f", value, attrs, renderer=FastRenderer())
    assert fast == widget.render("f", value, attrs, renderer=DjangoTemplates())


def test_a_form_of_hidden_fields_draws_as_djangos_div_template():
    ManagementForms = forms.formset_factory(Everything, extra=2)
    for data in (None, {"form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "0"}):
        management = ManagementForms(data).management_form
        fast = management.render(renderer=FastRenderer())
        assert fast == management.render(renderer=DjangoTemplates())
        assert fast.count('type="hidden"') == 4


class Hidden(forms.Form):
    bound_field_class = FastBoundField

    row = forms.IntegerField(widget=forms.HiddenInput, required=False)
    owner = forms.IntegerField(widget=forms.HiddenInput, disabled=True, initial=42)
    base = forms.CharField(widget=forms.HiddenInput(attrs={"data-x": '"<b>"'}), initial='{"name": "Ромашка & <Ко>"}')
    amount = forms.DecimalField(widget=forms.HiddenInput, localize=True, required=False)
    named = forms.CharField(widget=forms.HiddenInput(attrs={"id": "own-id"}), required=False)
    shown = forms.CharField(required=False)  # not hidden: Django's own way


@pytest.mark.parametrize(
    ("data", "kwargs"),
    [
        (None, {}),
        (None, {"prefix": "info-3", "initial": {"row": 7, "amount": datetime.date(2026, 1, 2)}}),
        ({"row": "x<y", "base": "", "amount": "1500.5", "named": "n"}, {}),
        ({"p-row": "5"}, {"prefix": "p", "auto_id": False}),
    ],
)
def test_a_hidden_field_draws_as_djangos_as_widget(data, kwargs):
    """FastBoundField draws a plain hidden input exactly as BoundField.as_widget() does."""
    form = Hidden(data, **kwargs)
    for name in form.fields:
        fast = form[name]
        django = forms.BoundField(form, form.fields[name], name)
        assert str(fast) == str(django), name
        assert str(fast.as_widget(forms.TextInput())) == str(django.as_widget(forms.TextInput())), name
    with translation.override("ru"):  # a localized field: «1500,5»
        fast = str(Hidden(initial={"amount": Decimal("1500.5")})["amount"])
        form = Hidden(initial={"amount": Decimal("1500.5")})
        assert fast == str(forms.BoundField(form, form.fields["amount"], "amount"))
        assert 'value="1500,5"' in fast


class Card(forms.Form):
    name = forms.CharField(help_text="Как в ЕГРЮЛ", widget=forms.TextInput(attrs={"class": "form-control"}))
    inn = forms.CharField(required=False, max_length=12, disabled=True)
    mail = forms.EmailField(required=False)
    site = forms.URLField(required=False, assume_scheme="https")
    count = forms.IntegerField(required=False)
    amount = TypedDecimalField(money=True, required=False, localize=True)
    since = forms.DateField(required=False, widget=DateInput())
    at = forms.DateTimeField(required=False, widget=DateTimeInput())
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 1}))
    kind = forms.ChoiceField(choices=[("", "—"), ("company", "Организация & Ко"), ("person", mark_safe("<i>ФЛ</i>"))])
    grade = forms.TypedChoiceField(choices=[(1, "один"), (2, "два"), (None, "нет")], coerce=int, required=False)
    region = forms.ChoiceField(
        choices=[("", "—"), ("Центр <1>", [("1", "Москва"), ("2", "Тула")]), ("", [("3", "без группы")]), ("4", "Юг")],
        widget=forms.Select(attrs={"id": "own-region"}),
    )
    first_not_empty = forms.ChoiceField(choices=[("a", "А"), ("b", "Б"), ("b", "Б ещё раз")])  # one selected
    flag = forms.BooleanField(required=False)
    secret = forms.CharField(required=False, widget=forms.PasswordInput)
    many = forms.MultipleChoiceField(choices=[("1", "один")], required=False)
    maybe = forms.NullBooleanField()


CARD_DATA = {
    "name": "",
    "inn": "ignored",
    "mail": "не почта",
    "site": "x",
    "count": "12,5",
    "amount": "−1 500,5",
    "since": "31.02.2026",
    "at": "2026-03-15 10:00",
    "notes": "<b>«заметка»</b>",
    "kind": "person",
    "grade": "2",
    "region": "2",
    "first_not_empty": "b",
    "flag": "on",
    "many": ["1"],
    "maybe": "true",
}


class FastCard(Card):
    bound_field_class = FastBoundField


@pytest.mark.parametrize(
    ("data", "kwargs"),
    [
        (None, {}),
        (None, {"initial": {"amount": Decimal("150000"), "since": datetime.date(2026, 3, 15), "grade": 1}}),
        (None, {"initial": {"since": "2026-03-15", "kind": "company", "region": "3"}, "prefix": "client"}),
        (CARD_DATA, {}),
        ({**CARD_DATA, "name": 'ООО "<Ромашка>"', "mail": "a@b.ru", "count": "7"}, {"auto_id": False}),
        ({"kind": "nobody", "region": "9"}, {"use_required_attribute": False}),
    ],
)
@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_everyday_widget_draws_as_djangos_as_widget(data, kwargs, language):
    """FastBoundField draws inputs, text areas and selects exactly as BoundField.as_widget() with
    FastRenderer does — required, disabled, errors (aria-invalid), help text, localized numbers,
    dates, groups of choices — and leaves every other widget to it."""
    with translation.override(language):
        fast, django = FastCard(data, **kwargs), Card(data, **kwargs)
        fast.is_valid(), django.is_valid()
        for name in Card.base_fields:
            assert str(fast[name]) == str(django[name]), name
        if fast.errors.get("name"):
            assert 'aria-invalid="true"' in str(fast["name"])


def test_every_form_of_the_project_draws_its_fields_so():
    assert type(Card()["name"]) is FastBoundField  # Card names no bound field class: the renderer's
