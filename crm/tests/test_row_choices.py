"""A model choice field listed as rows (crm.forms.list_as_rows) draws the options the model
objects draw, and still takes and checks what is chosen."""

from django import forms
from django.contrib.auth import get_user_model

from clients.models import BusinessRegion, Segment
from clients.tests import factories
from crm.forms import list_as_rows
from crm.users import NAME_COLUMNS, name_of, user_name


def test_rows_draw_the_options_the_objects_draw(db):
    User = get_user_model()
    User.objects.create_user("anna", first_name="Анна", last_name="Смирнова")
    User.objects.create_user("petr")  # no name: the login
    User.objects.create_user("olga", first_name="Ольга")
    factories.BusinessRegionFactory(name="Юг & «Север»")
    factories.BusinessRegionFactory(name="Сибирь")
    factories.SegmentFactory(name="Опт")

    class Card(forms.Form):
        responsible = forms.ModelChoiceField(User.objects.order_by("username"), empty_label="— не назначен —")
        region = forms.ModelChoiceField(BusinessRegion.objects.order_by("name"), required=False)
        segments = forms.ModelMultipleChoiceField(
            Segment.objects.all(), widget=forms.CheckboxSelectMultiple, required=False
        )

    def drawn(form: forms.Form) -> list[str]:
        return [str(form[name]) for name in form.fields]

    region = BusinessRegion.objects.get(name="Сибирь")
    for data in (None, {"responsible": User.objects.get(username="olga").pk, "region": region.pk}):
        plain, rows = Card(data), Card(data)
        plain.fields["responsible"].label_from_instance = user_name
        list_as_rows(rows.fields["responsible"], label_columns=NAME_COLUMNS, label_of=name_of)
        list_as_rows(rows.fields["region"])
        list_as_rows(rows.fields["segments"])
        assert drawn(rows) == drawn(plain)
        assert "Анна Смирнова" in drawn(rows)[0] and ">petr</option>" in drawn(rows)[0]
        if data:
            assert rows.is_valid(), rows.errors
            assert rows.cleaned_data["region"] == region
