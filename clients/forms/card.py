from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.forms.models import construct_instance
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from clients import extra_fields as extra
from clients import validators
from clients.forms import drawn
from clients.models import Client, ContactInfo, ContactInfoKind, ContactPerson, ExtraField, FieldGroup, Segment
from clients.services.cards import CardInput, RowInput
from clients.services.history import TRACKED_FIELDS
from crm import fragments
from crm.forms import MarksInvalidFieldsMixin, NamedLookupsMixin, list_as_rows, style_widgets
from crm.merge import KeepsVanishedRowsMixin, MergeFormMixin
from crm.users import NAME_COLUMNS, name_of

CLEANERS_BY_TYPE = {
    ContactInfoKind.ValueType.EMAIL: validators.clean_email,
    ContactInfoKind.ValueType.PHONE: validators.clean_phone,
    ContactInfoKind.ValueType.URL: validators.clean_url,
}


class ClientForm(MergeFormMixin, MarksInvalidFieldsMixin, forms.ModelForm):
    merge_exclude = ("version", "confirm_duplicates")

    # The version the user loaded: what changed since then is listed when a save meets a conflict.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Ticked after the user has seen the warning about possible duplicates.
    confirm_duplicates = forms.BooleanField(
        label=_("Это другой клиент, сохранить всё равно"), required=False, widget=forms.HiddenInput
    )

    class Meta:
        model = Client
        # What the card's history tracks, but the ABC and XYZ classes (computed by sales), and the segments.
        fields = [*(name for name in TRACKED_FIELDS if name not in ("abc_class", "xyz_class")), "segments"]
        widgets = {
            "comment": forms.Textarea(attrs={"rows": 3}),
            "segments": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, extra_fields: list[ExtraField] = (), extra_values: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.extra_fields = list(extra_fields)
        extra.add_form_fields(self, self.extra_fields, extra_values or {})
        self.fields["responsible"].queryset = (
            get_user_model().objects.filter(is_active=True).order_by("last_name", "first_name", "username")
        )
        self.fields["responsible"].empty_label = _("— не назначен —")
        self.fields["business_region"].empty_label = _("— не указан —")
        list_as_rows(self.fields["responsible"], label_columns=NAME_COLUMNS, label_of=name_of)
        list_as_rows(self.fields["business_region"])
        self.fields["segments"].queryset = Segment.objects.filter(kind=Segment.Kind.MANUAL)
        list_as_rows(self.fields["segments"])
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version
        style_widgets(self.fields)

    # The card's two columns of built-in fields.
    MAIN_FIELDS = ("kind", "name", "full_name", "inn", "kpp", "legal_address", "comment")
    CLASSIFICATION_FIELDS = ("responsible", "business_region", "segments")
    NARROW_FIELDS = ("kind", "inn", "kpp")

    def extra_values(self) -> dict[ExtraField, object]:
        return extra.cleaned_values(self, self.extra_fields)

    def extra_sections(self) -> list[tuple[FieldGroup, list[forms.BoundField]]]:
        """The user's sections of the card, in their order, each with its fields."""
        sections: dict[FieldGroup, list[forms.BoundField]] = {}
        for field in self.extra_fields:
            sections.setdefault(field.group, []).append(self[extra.form_field_name(field)])
        return list(sections.items())

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.MAIN_FIELDS]

    def classification_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.CLASSIFICATION_FIELDS]

    def clean_kpp(self) -> str:
        return validators.clean_kpp(self.cleaned_data.get("kpp", ""))

    def _get_validation_exclusions(self):
        # The region and the responsible were found through their fields' querysets (an active
        # user only: stricter than the model's check): the model need not look them up again.
        return {*super()._get_validation_exclusions(), "business_region", "responsible"}

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        is_company = kind == Client.Kind.COMPANY
        raw_inn = cleaned.get("inn", "")
        if raw_inn:
            try:
                cleaned["inn"] = validators.clean_inn(raw_inn, company=is_company)
            except ValidationError as error:
                self.add_error("inn", error)
        if cleaned.get("kpp") and kind == Client.Kind.INDIVIDUAL:
            self.add_error("kpp", _("КПП указывается только для организаций."))
        return cleaned


class KindChoiceField(forms.ModelChoiceField):
    """A kind picked from the kinds loaded once for the page (`loaded`): no query per row."""

    loaded: dict[str, ContactInfoKind] | None = None

    def to_python(self, value):
        if self.loaded is None or value in self.empty_values:
            return super().to_python(value)
        kind = self.loaded.get(str(value))
        if kind is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return kind


class OfferedKinds:
    """The contact-information kinds a formset's rows offer, loaded once per page and shared by
    its rows: their queryset, choices and lookup are built once, not once per row."""

    def __init__(self, kinds: list[ContactInfoKind]):
        self.queryset = ContactInfoKind.objects.filter(pk__in=[k.pk for k in kinds])
        self.choices = [("", _("— вид —")), *((k.pk, k.name) for k in kinds)]
        self.loaded = {str(k.pk): k for k in kinds}
        # What a row's kind list shows: a kept blank row is drawn again when it changes.
        self.signature = tuple((k.pk, k.name) for k in kinds)


class ContactInfoForm(MergeFormMixin, MarksInvalidFieldsMixin, forms.ModelForm):
    class Meta:
        model = ContactInfo
        fields = ["kind", "value", "comment", "no_mailing"]
        field_classes = {"kind": KindChoiceField}

    def __init__(self, *args, kinds: OfferedKinds | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["kind"]
        field.empty_label = _("— вид —")
        if kinds is not None:
            # The kinds are loaded once per page: static choices, so no query per row.
            field.queryset = kinds.queryset
            field.choices = kinds.choices
            field.loaded = kinds.loaded
        self.fields["kind"].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["value"].widget.attrs["class"] = "form-control form-control-sm"
        self.fields["comment"].widget.attrs.update(
            {"class": "form-control form-control-sm", "placeholder": _("Комментарий")}
        )
        self.fields["no_mailing"].widget.attrs.update(
            {"class": "form-check-input", "title": _("Не отправлять рассылки")}
        )
        if self.instance.pk:
            self.initial["value"] = self.instance.display_value

    def _get_validation_exclusions(self):
        # The kind was checked against the loaded kinds: the model need not look it up again.
        return {*super()._get_validation_exclusions(), "kind"}

    def clean(self):
        cleaned = super().clean()
        kind, value = cleaned.get("kind"), cleaned.get("value")
        if kind and value:
            cleaner = CLEANERS_BY_TYPE.get(kind.value_type)
            if cleaner:
                try:
                    cleaned["value"] = cleaner(value)
                except ValidationError as error:
                    self.add_error("value", error)
            else:
                cleaned["value"] = value.strip()
        return cleaned


def _kept_blank(formset: BaseInlineFormSet, key: tuple, prefix: str, draw) -> SafeString:
    """A formset's blank form as `draw()` draws it, kept per process (crm.fragments) with a hole for
    its owner's id: the hidden `<prefix>-<foreign key>` input is all that differs between cards."""
    owner = formset.instance.pk
    drawn_owner = f'name="{prefix}-{formset.fk.name}" value="{owner}"'
    return fragments.kept_with_hole(key, draw, drawn=drawn_owner, value=owner)


class ContactInfoFormSet(NamedLookupsMixin, KeepsVanishedRowsMixin, BaseInlineFormSet):
    """Contact info of one owner. Kinds are offered by «applies to», loaded once per page.

    Its empty row uses its own placeholder, `__row__`: a new contact person is cloned from a
    template where `__prefix__` numbers the person, and its rows must keep theirs apart."""

    row_placeholder = "__row__"

    def __init__(self, *args, kinds: list[ContactInfoKind] | OfferedKinds | None = None, **kwargs):
        self.kinds = OfferedKinds(kinds) if isinstance(kinds, list) else kinds
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        kwargs["kinds"] = self.kinds
        return kwargs

    @property
    def rows_html(self) -> SafeString:
        """Its rows: each stored one drawn, and on a form not sent yet its blank one as the kept
        blank row numbered — the same HTML as drawing it (clients/tests/test_card_form_tag.py)."""
        if self.kinds is None or self.is_bound:
            return mark_safe("".join(drawn.info_row(form) for form in self.forms))
        initial = self.initial_form_count()
        # Only the stored rows' forms are built for it (unless they were already).
        if "forms" in self.__dict__:
            stored = self.forms[:initial]
        else:
            stored = [self._construct_form(i, **self.get_form_kwargs(i)) for i in range(initial)]
        total = self.total_form_count()
        blank = (self.empty_row_html.replace(self.row_placeholder, str(i)) for i in range(initial, total))
        return mark_safe("".join([*(drawn.info_row(form) for form in stored), *blank]))

    @property
    def empty_row_html(self) -> SafeString:
        """The blank row «Добавить» clones in the browser: the same on every card but for its
        owner's id, so drawn once per process for its prefix, kinds and language (crm.fragments)."""
        prefix = self.add_prefix(self.row_placeholder)
        if self.kinds is None:  # the kinds are read when drawn: nothing to key it by
            return drawn.info_row(self.empty_form)
        key = ("clients:blank-info-row", prefix, get_language(), self.kinds.signature)
        return _kept_blank(self, key, prefix, lambda: drawn.info_row(self.empty_form))

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix(self.row_placeholder),
            empty_permitted=True,
            use_required_attribute=False,
            kinds=self.kinds,
            renderer=self.renderer,
        )
        self.add_fields(form, None)
        return form


class ClientContactInfoFormSet(ContactInfoFormSet):
    def get_queryset(self):
        if not hasattr(self, "_queryset"):
            self._queryset = list(super().get_queryset().filter(contact__isnull=True).select_related("kind"))
        return self._queryset


class ContactPersonForm(MergeFormMixin, MarksInvalidFieldsMixin, forms.ModelForm):
    class Meta:
        model = ContactPerson
        fields = ["name", "position", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 1})}

    def __init__(self, *args, extra_fields: list[ExtraField] = (), extra_values: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.extra_fields = list(extra_fields)
        values = (extra_values or {}).get(self.instance.pk, {}) if self.instance.pk else {}
        extra.add_form_fields(self, self.extra_fields, values)
        style_widgets(self.fields)
        self.fields["name"].widget.attrs["placeholder"] = _("ФИО")
        self.fields["position"].widget.attrs["placeholder"] = _("Должность, роль: например, отвечает за закупки")
        self.fields["notes"].widget.attrs["placeholder"] = _("Заметки")

    def extra_values(self) -> dict[ExtraField, object]:
        return extra.cleaned_values(self, self.extra_fields)

    def extra_bound_fields(self) -> list[forms.BoundField]:
        return [self[extra.form_field_name(f)] for f in self.extra_fields]


ClientInfoFormSet = inlineformset_factory(
    Client,
    ContactInfo,
    form=ContactInfoForm,
    formset=ClientContactInfoFormSet,
    fk_name="client",
    extra=1,
    can_delete=True,
)


class BaseContactPersonFormSet(KeepsVanishedRowsMixin, BaseInlineFormSet):
    # The kinds the persons' rows offer (OfferedKinds), set by the page.
    person_kinds = None

    def persons(self) -> list[tuple[forms.Form, SafeString | None]]:
        """Each person's form and, for the blank one of a form not sent yet, its HTML: the kept blank
        person numbered, the same as drawing it (clients/tests/test_card_form_tag.py)."""
        initial, kept = self.initial_form_count(), self.person_kinds is not None and not self.is_bound
        return [
            (form, mark_safe(self.empty_person_html().replace("__prefix__", str(index))))
            if kept and index >= initial
            else (form, None)
            for index, form in enumerate(self.forms)
        ]

    def empty_person_html(self) -> SafeString:
        """The blank person «Добавить контактное лицо» clones in the browser, with its own rows:
        the same on every card with the same kinds, fields of persons and language but for the
        client's id, so drawn once per process (crm.fragments)."""
        fields = extra.signature(self.form_kwargs.get("extra_fields", []))
        key = ("clients:blank-person", self.prefix, get_language(), self.person_kinds.signature, fields)
        return _kept_blank(self, key, self.add_prefix("__prefix__"), self._draw_empty_person)

    def _draw_empty_person(self) -> str:
        person = self.empty_form
        person.info_formset = PersonInfoFormSet(
            None, instance=person.instance, prefix=f"{person.prefix}-info", kinds=self.person_kinds
        )
        return render_to_string("clients/_contact_person.html", {"contact_form": person})


ContactPersonFormSet = inlineformset_factory(
    Client, ContactPerson, form=ContactPersonForm, formset=BaseContactPersonFormSet, extra=1, can_delete=True
)


class PersonContactInfoFormSet(ContactInfoFormSet):
    def get_queryset(self):
        # The card prefetches every contact's values at once; use them instead of a query per contact.
        prefetched = getattr(self.instance, "_prefetched_objects_cache", {}).get("contact_info")
        if prefetched is not None:
            return list(prefetched)
        if not hasattr(self, "_queryset"):
            self._queryset = list(super().get_queryset().select_related("kind"))
        return self._queryset


PersonInfoFormSet = inlineformset_factory(
    ContactPerson,
    ContactInfo,
    form=ContactInfoForm,
    formset=PersonContactInfoFormSet,
    fk_name="contact",
    extra=1,
    can_delete=True,
)


class ContactInfoKindForm(forms.ModelForm):
    class Meta:
        model = ContactInfoKind
        fields = ["name", "value_type", "for_clients", "for_contacts", "order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["class"] = "form-control form-control-sm"
        self.fields["value_type"].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["order"].widget.attrs["class"] = "form-control form-control-sm"
        self.fields["name"].required = not self.empty_permitted


ContactInfoKindFormSet = forms.modelformset_factory(ContactInfoKind, form=ContactInfoKindForm, extra=1)


def card_input(form: ClientForm, info_formset, contact_formset) -> CardInput:
    """The card page's forms, valid, as the plain data that clients.services.save_card takes; each
    part carries its form as its handle, to be rebased after a conflict."""
    persons = []
    for person_form in contact_formset.forms:
        person = _row_input(person_form, contact_formset)
        person.changed = person.changed or person_form.info_formset.has_changed()
        person.extra = person_form.extra_values() if not person.delete else {}
        person.rows = [_row_input(row_form, person_form.info_formset) for row_form in person_form.info_formset.forms]
        if person.new is None and person.changed:
            person.new = construct_instance(person_form, ContactPerson(), ContactPersonForm._meta.fields)
        persons.append(person)
    return CardInput(
        changes=form.changes(),
        extra=form.extra_values(),
        fields=form.extra_fields,
        person_fields=contact_formset.form_kwargs.get("extra_fields", []),
        infos=[_row_input(row_form, info_formset) for row_form in info_formset.forms],
        persons=persons,
        new=form.save(commit=False) if form.instance.pk is None else None,
        handle=form,
        has_base=form.base() is not None,
    )


def _row_input(row_form, formset) -> RowInput:
    """One row form: its changes, and the row as typed when it may be written as a new one (it
    changed, or it names a row: a row the user sees is kept if its owner is written anew)."""
    delete = row_form in formset.deleted_forms
    changed = not delete and row_form.has_changed()
    keeps = changed or bool(getattr(row_form, "cleaned_data", {}).get("id"))
    model = row_form._meta.model
    new = construct_instance(row_form, model(), row_form._meta.fields) if keeps and not delete else None
    return RowInput(
        pk=row_form.instance.pk,
        changes=row_form.changes() if not delete else {},
        delete=delete,
        changed=changed,
        new=new,
        handle=row_form,
    )
