"""`{{ field|card_field }}` draws what the template it replaced drew, errors included."""

from django.template import Context, Template

from clients.forms import ClientForm
from clients.tests import factories

REPLACED = (
    '<div class="{% if field.name in form.NARROW_FIELDS %}col-md-4{% else %}col-12{% endif %}">\n'
    '  <label class="form-label small mb-0" for="{{ field.id_for_label }}">{{ field.label }}'
    "{% if field.field.required %} *{% endif %}</label>\n"
    "  {{ field }}\n"
    '  {% for error in field.errors %}<div class="invalid-feedback d-block">{{ error }}</div>{% endfor %}\n'
    "</div>\n"
)


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
