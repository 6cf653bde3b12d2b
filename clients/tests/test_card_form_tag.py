"""`{{ field|card_field }}` and `{{ info_form|info_row }}` draw what the templates they replaced
drew, errors included."""

from django.template import Context, Template
from django.template.loader import render_to_string

from clients.forms import (
    ClientForm,
    ClientInfoFormSet,
    ContactPersonFormSet,
    OfferedKinds,
    PersonInfoFormSet,
    drawn,
)
from clients.models import Client, ContactInfoKind
from clients.tests import factories
from crm import fragments

REPLACED = (
    '<div class="{% if field.name in form.NARROW_FIELDS %}col-md-4{% else %}col-12{% endif %}">\n'
    '  <label class="form-label small mb-0" for="{{ field.id_for_label }}">{{ field.label }}'
    "{% if field.field.required %} *{% endif %}</label>\n"
    "  {{ field }}\n"
    '  {% for error in field.errors %}<div class="invalid-feedback d-block">{{ error }}</div>{% endfor %}\n'
    "</div>\n"
)


REPLACED_ROW = (
    '{% load i18n %}<div class="row g-1 mb-1">\n'
    "  {% for hidden in info_form.hidden_fields %}{{ hidden }}{% endfor %}\n"
    '  <div class="col-3">{{ info_form.kind }}{% for error in info_form.kind.errors %}'
    '<div class="invalid-feedback d-block">{{ error }}</div>{% endfor %}</div>\n'
    '  <div class="col-4">{{ info_form.value }}{% for error in info_form.value.errors %}'
    '<div class="invalid-feedback d-block">{{ error }}</div>{% endfor %}</div>\n'
    '  <div class="col-2">{{ info_form.comment }}</div>\n'
    '  <div class="col-2 small text-nowrap" title="{% translate \'Не отправлять рассылки\' %}">'
    "{{ info_form.no_mailing }} {% translate 'без рассылок' %}</div>\n"
    '  <div class="col-1 small">{% if info_form.instance.pk %}<label title="{% translate \'Удалить\' %}">'
    "{{ info_form.DELETE }} ✕</label>{% endif %}</div>\n"
    "</div>\n"
)


def test_each_contact_row_as_the_replaced_template_drew_it(db):
    card = factories.ClientFactory(name="ООО «Ромашка»")
    factories.ContactInfoFactory(client=card, value="+79161234567", comment='звонить <после> "обеда"')
    kinds = list(ContactInfoKind.objects.all())
    unbound = ClientInfoFormSet(instance=card, prefix="info", kinds=kinds)
    row = unbound.forms[0].prefix
    bound = ClientInfoFormSet(
        {
            "info-TOTAL_FORMS": "2",
            "info-INITIAL_FORMS": "1",
            f"{row}-id": str(card.contact_info.get().pk),
            f"{row}-kind": str(kinds[0].pk),
            f"{row}-value": "не телефон",
            "info-1-kind": "999999",
            "info-1-value": "x",
        },
        instance=card,
        prefix="info",
        kinds=kinds,
    )
    assert not bound.is_valid()
    replaced, tag = Template(REPLACED_ROW), Template("{% load card_form %}{{ info_form|info_row }}")
    for formset in (unbound, bound):
        for form in [*formset.forms, formset.empty_form]:
            context = Context({"info_form": form})
            assert tag.render(context) == replaced.render(context)
    assert "invalid-feedback" in tag.render(Context({"info_form": bound.forms[0]}))


def test_each_field_as_the_replaced_template_drew_it(db):
    card = factories.ClientFactory(name="ООО «Рога & копыта» <b>", inn="7707083893", kpp="773601001")
    turnover = factories.ExtraFieldFactory(name="Оборот <млн>", value_type="number", required=True)
    unbound = ClientForm(instance=card, prefix="client", extra_fields=[turnover])
    bound = ClientForm(
        {"client-kind": "company", "client-name": "", "client-inn": "123", f"client-extra_{turnover.pk}": "много"},
        instance=card,
        prefix="client",
        extra_fields=[turnover],
    )
    assert not bound.is_valid()
    replaced, tag = Template(REPLACED), Template("{% load card_form %}{{ field|card_field }}")
    for form in (unbound, bound):
        for field in form.visible_fields():
            context = Context({"field": field, "form": form})
            assert tag.render(context) == replaced.render(context), field.name
    assert "invalid-feedback" in tag.render(Context({"field": bound["inn"]}))


def _drawn_one_by_one(formset) -> str:
    return "".join(drawn.info_row(form) for form in formset.forms)


def test_the_blank_rows_and_person_are_the_kept_ones_numbered(db, rf):
    """A form not sent yet draws its blank contact row and its blank contact person from the kept
    blank ones (crm.fragments), numbered: the same HTML as drawing them, on an existing card and on
    a new one; a sent form draws every row."""
    fragments.forget()
    card = factories.ClientFactory(name="ООО «Ромашка»")
    person = factories.ContactPersonFactory(client=card, name="Иванов")
    factories.ContactInfoFactory(client=card, value="+79161234567")
    factories.ContactInfoFactory(client=card, contact=person, kind=factories.kind("Email"), value="i@r.ru")
    kinds = list(ContactInfoKind.objects.all())
    for owner in (card, Client()):
        for _ in range(2):  # drawn, then kept
            rows = ClientInfoFormSet(instance=owner, prefix="info", kinds=kinds)
            assert str(rows.rows_html) == _drawn_one_by_one(rows)
            assert 'name="info-' in rows.rows_html
            persons = ContactPersonFormSet(instance=owner, prefix="contacts")
            persons.person_kinds = OfferedKinds([k for k in kinds if k.for_contacts])
            for form in persons.forms:
                form.info_formset = PersonInfoFormSet(
                    instance=form.instance, prefix=f"{form.prefix}-info", kinds=persons.person_kinds
                )
            listed = persons.persons()
            assert [kept is not None for _form, kept in listed] == [False] * (len(listed) - 1) + [True]
            for form, kept in listed:
                html = render_to_string("clients/_contact_person.html", {"contact_form": form})
                assert kept is None or str(kept) == html
    data = {"info-TOTAL_FORMS": "1", "info-INITIAL_FORMS": "0", "info-0-value": "x"}
    sent = ClientInfoFormSet(data, instance=card, prefix="info", kinds=kinds)
    assert str(sent.rows_html) == _drawn_one_by_one(sent)
    assert 'value="x"' in sent.rows_html


def test_a_page_builds_only_the_stored_rows_forms(db):
    """The template reads the formset's attributes without building its forms (a template looks a
    name up as an item first), and the blank row comes from the kept one: only the stored rows'
    forms are built."""
    card = factories.ClientFactory(name="ООО «Ромашка»")
    factories.ContactInfoFactory(client=card, value="+79161234567")
    rows = ClientInfoFormSet(instance=card, prefix="info", kinds=list(ContactInfoKind.objects.all()))
    html = render_to_string("clients/_contact_info_formset.html", {"formset": rows})
    assert "forms" not in rows.__dict__
    assert 'name="info-0-value"' in html and 'name="info-1-value"' in html and 'name="info-TOTAL_FORMS"' in html
    assert html.count('value="+7 916 123-45-67"') == 1
    assert rows[0].instance.value == "+79161234567"  # numbered lookups still give the forms
