"""The fast cell helpers of crm.tables give exactly what the Django calls they stand for give."""

import datetime

import django_tables2 as tables
import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from django_tables2 import RequestConfig

from clients.models import Client
from clients.tables import ClientTable
from crm.html import esc
from crm.reversing import url_maker
from crm.tables import FastTable, short_date


@pytest.mark.parametrize(
    "value",
    [
        datetime.date(2026, 12, 7),
        datetime.date(1, 1, 9),
        datetime.date(987, 10, 31),
        datetime.datetime(2026, 3, 4, 23, 59),
    ],
)
def test_short_date_is_date_format_d_m_Y(value):
    assert short_date(value) == date_format(value, "d.m.Y")


@pytest.mark.parametrize(
    "value", ["ООО «Рога & копыта» <b>", mark_safe("<b>ok</b>"), 42, gettext_lazy("Сумма"), 'it\'s "quoted"']
)
def test_esc_is_conditional_escape(value):
    assert esc(value) == str(conditional_escape(value))


@pytest.mark.parametrize(
    "name",
    [
        "clients:detail",
        "clients:edit",
        "sales:invoice_detail",
        "sales:payment_detail",
        "funnel:deal_detail",
        "tasks:detail",
    ],
)
def test_url_maker_is_reverse(name):
    for pk in (1, 42, 2_147_483_647, 10**12):
        assert url_maker(name)(pk) == reverse(name, args=[pk])


def test_column_checks_draw_what_the_menus_loop_drew():
    loop = Template(
        "{% for name, label, shown in columns %}\n"
        '      <div class="form-check">\n'
        '        <input class="form-check-input" type="checkbox" name="columns" value="{{ name }}"'
        ' id="col-{{ name }}"{% if shown %} checked{% endif %}>\n'
        '        <label class="form-check-label" for="col-{{ name }}">{{ label }}</label>\n'
        "      </div>\n"
        "      {% endfor %}"
    )
    columns = [("inn", gettext_lazy("ИНН"), True), ("extra_5", "Оборот <млн> & «доля»", False), ('a"b', "x", True)]
    tag = Template("{% load lists %}{{ columns|column_checks }}")
    assert tag.render(Context({"columns": columns})) == loop.render(Context({"columns": columns}))


FILTER_FIELD = Template(
    '<div class="mb-2">\n  {% if field.widget_type == "checkbox" %}\n  <div class="form-check">{{ field }} '
    '<label class="form-check-label" for="{{ field.id_for_label }}">{{ field.label }}</label></div>\n'
    '  {% else %}\n  <label class="form-label mb-0 fw-semibold" for="{{ field.id_for_label }}">{{ field.label }}'
    "</label>\n  {{ field }}\n  {% endif %}\n"
    '  {% for error in field.errors %}<div class="text-danger small">{{ error }}</div>{% endfor %}\n</div>\n'
)


def test_filter_field_draws_what_the_template_drew():
    class Panel(forms.Form):
        q = forms.CharField(label="Поиск <по> «имени»", required=False)
        late = forms.BooleanField(label="Только просроченные", required=False)
        amount = forms.DecimalField(label="Сумма", required=False)
        kind = forms.ChoiceField(choices=[("", "Все"), ("a", "А & Б")], required=False)

    tag = Template("{% load lists %}{{ field|filter_field }}")
    for form in (Panel(), Panel({"q": '"x"', "late": "on", "amount": "много", "kind": "zzz"})):
        form.is_valid()
        for field in form:
            assert tag.render(Context({"field": field})) == FILTER_FIELD.render(Context({"field": field})), field.name


@pytest.mark.django_db
@pytest.mark.parametrize("query", [{}, {"sort": "-inn", "q": "Ромашка & <Ко>", "page": "2"}, {"sort": "name"}])
def test_the_header_row_is_django_tables2s(rf, query):
    """FastTable.head_html draws the header as django_tables2/bootstrap5.html's thead block does."""
    request = rf.get("/clients/", query)
    request.user = AnonymousUser()
    table = ClientTable(Client.objects.for_list(), visible=["kind", "inn", "responsible", "phone"])
    RequestConfig(request, paginate=False).configure(table)
    table.paginate(per_page=25, page=1)
    table.body  # drawn first, as crm.lists.ListView does (it hides what the user may not use)  # noqa: B018
    ours = render_to_string("crm/_table.html", {"table": table, "request": request})
    theirs = render_to_string("django_tables2/bootstrap5.html", {"table": table, "request": request})
    assert ours.split("</thead>")[0] == theirs.split("</thead>")[0]
    assert "sort=" in ours.split("</thead>")[0]


class Numbers(FastTable):
    n = tables.Column()
    cells = {"n": lambda row: row["n"]}


@pytest.mark.parametrize(
    ("rows", "query"),
    [
        (3, {}),  # one page: no pager
        (30, {}),
        (30, {"page": "2", "q": "Ромашка & <Ко>", "segments": ["1", "2"]}),
        (300, {"page": "7", "sort": "-n"}),
        (300, {"page": "150"}),
        (30_000, {"page": "1200"}),  # a page number with a thousands separator, if any
    ],
)
@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_pager_is_django_tables2s(rf, rows, query, language):
    """FastTable.pager_html draws the page links as django_tables2/bootstrap5.html's pagination block
    does: «previous», the range with its «...», «next», and the query kept."""
    request = rf.get("/clients/", query)
    request.user = AnonymousUser()
    with translation.override(language):
        table = Numbers([{"n": n} for n in range(rows)])
        RequestConfig(request, paginate=False).configure(table)
        table.paginate(per_page=2, page=int(query.get("page", 1)))
        table.body  # noqa: B018
        ours = render_to_string("crm/_table.html", {"table": table, "request": request})
        theirs = render_to_string("django_tables2/bootstrap5.html", {"table": table, "request": request})
    assert ours.split("</table>")[1] == theirs.split("</table>")[1]
    assert ("page-link" in ours) == (rows > 2)
