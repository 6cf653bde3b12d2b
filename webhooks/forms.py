from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm import events
from crm.forms import MarksInvalidFieldsMixin, style_widgets
from webhooks import services
from webhooks.models import Subscription


class SubscriptionForm(MarksInvalidFieldsMixin, forms.ModelForm):
    events = forms.MultipleChoiceField(label=_("События"), widget=forms.CheckboxSelectMultiple)
    new_secret = forms.BooleanField(label=_("Сменить секрет"), required=False)

    class Meta:
        model = Subscription
        fields = ["name", "url", "events", "is_active"]
        widgets = {"url": forms.TextInput(attrs={"placeholder": "https://"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["events"].choices = [(name, f"{label} ({name})") for name, label in events.declared().items()]
        if self.instance.pk is None:
            del self.fields["new_secret"]
        style_widgets(self.fields)

    def clean_url(self) -> str:
        try:
            return services.check_url(self.cleaned_data["url"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
