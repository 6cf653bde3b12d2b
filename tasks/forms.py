from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.forms import DateInput, DateTimeInput, MarksInvalidFieldsMixin, style_widgets
from crm.merge import MergeFormMixin
from crm.uploads import checked_upload
from tasks.models import Task


class TaskEssentialsForm(MergeFormMixin, MarksInvalidFieldsMixin, forms.ModelForm):
    """The left block of the task: importance, dates, «Результат выполнения»."""

    class Meta:
        model = Task
        fields = ["importance", "due_date", "control_date", "result"]
        widgets = {
            "due_date": DateInput(),
            "control_date": DateInput(),
            "result": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self.fields)

    def clean(self):
        cleaned = super().clean()
        due, control = cleaned.get("due_date"), cleaned.get("control_date")
        if due and control and control < due:
            self.add_error("control_date", _("Дата контроля не может быть раньше даты исполнения."))
        return cleaned


class DecisionForm(forms.Form):
    comment = forms.CharField(label=_("Комментарий"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PostponeForm(forms.Form):
    until = forms.DateTimeField(
        label=_("Отложить до"),
        required=False,
        input_formats=["%d.%m.%Y %H:%M", "%d.%m.%Y", "%Y-%m-%dT%H:%M"],
        widget=DateTimeInput(),
    )
    period = forms.ChoiceField(required=False, choices=[("", ""), ("hour", ""), ("day", ""), ("week", "")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self.fields)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("until") and not cleaned.get("period"):
            raise forms.ValidationError(_("Укажите, до какого времени отложить задачу."))
        return cleaned


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Файл"))

    def clean_file(self):
        return checked_upload(self.cleaned_data["file"])
