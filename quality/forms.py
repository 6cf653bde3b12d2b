from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients import completeness
from clients.models import ContactInfoKind, ExtraField
from crm.forms import DateInput, MarksInvalidFieldsMixin, style_widgets
from crm.models import Project
from crm.users import user_name
from quality.models import WizardRun

NOTHING_CHOSEN = _("Выберите хотя бы одно: без этого проверять нечего.")


class ContactInfoChecksForm(forms.Form):
    """Step 1 of «Контроль заполнения контактной информации»: the kinds that must be filled, for
    clients and for contact persons separately."""

    client_kinds = forms.ModelMultipleChoiceField(
        queryset=ContactInfoKind.objects.filter(for_clients=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("У клиентов"),
    )
    contact_kinds = forms.ModelMultipleChoiceField(
        queryset=ContactInfoKind.objects.filter(for_contacts=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("У контактных лиц"),
    )

    @classmethod
    def initial_of(cls, run: WizardRun) -> dict:
        ids = lambda checks: [int(c.split(":")[1]) for c in checks if c.startswith("info:")]  # noqa: E731
        return {"client_kinds": ids(run.client_checks), "contact_kinds": ids(run.contact_checks)}

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("client_kinds") and not cleaned.get("contact_kinds"):
            raise forms.ValidationError(NOTHING_CHOSEN)
        return cleaned

    def checks(self) -> tuple[list[str], list[str]]:
        data = self.cleaned_data
        return (
            [completeness.info_check(k) for k in data["client_kinds"]],
            [completeness.info_check(k) for k in data["contact_kinds"]],
        )


class PropertiesChecksForm(forms.Form):
    """Step 1 of «Контроль заполнения свойств клиентов»: built-in properties and extra fields of
    clients, and extra fields of contact persons."""

    client_properties = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label=_("Свойства клиентов")
    )
    contact_properties = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label=_("Свойства контактных лиц")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = list(ExtraField.objects.filter(hidden=False).order_by("group__order", "order", "pk"))
        self.fields["client_properties"].choices = [
            *((completeness.property_check(name), label) for name, label in completeness.PROPERTIES.items()),
            *((completeness.extra_check(f), f.name) for f in fields if not f.for_contacts),
        ]
        contact_fields = [f for f in fields if f.for_contacts]
        self.fields["contact_properties"].choices = [(completeness.extra_check(f), f.name) for f in contact_fields]

    @classmethod
    def initial_of(cls, run: WizardRun) -> dict:
        return {"client_properties": run.client_checks, "contact_properties": run.contact_checks}

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("client_properties") and not cleaned.get("contact_properties"):
            raise forms.ValidationError(NOTHING_CHOSEN)
        return cleaned

    def checks(self) -> tuple[list[str], list[str]]:
        return list(self.cleaned_data["client_properties"]), list(self.cleaned_data["contact_properties"])


CHECKS_FORMS = {WizardRun.Kind.CONTACT_INFO: ContactInfoChecksForm, WizardRun.Kind.PROPERTIES: PropertiesChecksForm}


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        return user_name(user)


class UsersChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user) -> str:
        return user_name(user)


def _users():
    return get_user_model().objects.filter(is_active=True).order_by("last_name", "first_name", "username")


class DistributionForm(MarksInvalidFieldsMixin, forms.ModelForm):
    """Step 4: «Распределение» and the tasks' reviewer, dates and project."""

    distribution = forms.ChoiceField(
        choices=WizardRun.Distribution.choices, widget=forms.RadioSelect, label=_("Распределение")
    )
    fallback_executor = UserChoiceField(
        queryset=_users(),
        required=False,
        label=_("Исполнитель для клиентов без ответственного"),
    )
    executors = UsersChoiceField(
        queryset=_users(), required=False, label=_("Исполнители"), widget=forms.SelectMultiple(attrs={"size": 8})
    )
    executor_group = forms.ModelChoiceField(
        queryset=Group.objects.order_by("name"), required=False, label=_("или все пользователи группы")
    )
    reviewer = UserChoiceField(queryset=_users(), required=False, label=_("Проверяющий"))
    project = forms.ModelChoiceField(queryset=Project.objects.filter(is_active=True), required=False, label=_("Проект"))

    class Meta:
        model = WizardRun
        fields = ["distribution", "fallback_executor", "executor_group", "reviewer", "due_date", "control_date"]
        fields += ["project"]
        widgets = {
            "due_date": DateInput(),
            "control_date": DateInput(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["executors"].initial = self.instance.executor_ids
        style_widgets(self.fields)

    def clean(self):
        cleaned = super().clean()
        due, control = cleaned.get("due_date"), cleaned.get("control_date")
        if due and due < timezone.localdate():
            self.add_error("due_date", _("Дата исполнения уже прошла."))
        if due and control and control < due:
            self.add_error("control_date", _("Дата контроля не может быть раньше даты исполнения."))
        if cleaned.get("distribution") == WizardRun.Distribution.EXECUTORS:
            group, named = cleaned.get("executor_group"), cleaned.get("executors")
            if not named and group is None:
                self.add_error("executors", _("Выберите исполнителей или группу пользователей."))
            elif not named and not group.user_set.filter(is_active=True).exists():
                self.add_error("executor_group", _("В группе «%(group)s» нет пользователей.") % {"group": group.name})
        return cleaned

    def save(self, commit: bool = True) -> WizardRun:
        run = super().save(commit=False)
        run.executor_ids = [u.pk for u in self.cleaned_data.get("executors") or ()]
        if run.executor_ids:
            run.executor_group = None  # the users named by hand win
        if commit:
            run.save()
        return run
