"""What the API's writes accept: checked as the card page checks (clients.validators, the extra
fields' own readers), then handed to the services as plain values — never saved by a serializer."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import serializers

from api.services.clients import ClientEdit, SentPerson, SentRow
from clients import extra_fields, validators
from clients.forms.card import CLEANERS_BY_TYPE
from clients.models import BusinessRegion, Client, ContactInfoKind, Segment
from crm.models import Project
from crm.users import assignable
from funnel.models import LostReason, Stage
from sales import access as sales_access
from sales.models import Contract, Product
from sales.services import Line

BUILT_IN = ["kind", "name", "full_name", "inn", "kpp", "legal_address", "comment", "responsible", "business_region"]


def _messages(error: DjangoValidationError) -> list[str]:
    return list(error.messages)


ROW_ID = {"required": False, "min_value": 1, "max_value": 2**62}


class ContactInfoInput(serializers.Serializer):
    """A contact information row; with `id`, a stored row of this client (or person) as it should be."""

    id = serializers.IntegerField(**ROW_ID)
    kind = serializers.PrimaryKeyRelatedField(queryset=ContactInfoKind.objects.all())
    value = serializers.CharField(max_length=500)
    comment = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        cleaner = CLEANERS_BY_TYPE.get(attrs["kind"].value_type)
        try:
            attrs["value"] = cleaner(attrs["value"]) if cleaner else attrs["value"].strip()
        except DjangoValidationError as error:
            raise serializers.ValidationError({"value": _messages(error)})
        return attrs

    @staticmethod
    def sent(attrs: dict) -> SentRow:
        return SentRow(attrs.get("id"), {"kind": attrs["kind"], "value": attrs["value"], "comment": attrs["comment"]})


class ContactPersonInput(serializers.Serializer):
    """A contact person; with `id`, a stored person of this client as it should be. Its
    `contact_info`, when sent, is the whole list of its rows; `extra` sets the values sent."""

    id = serializers.IntegerField(**ROW_ID)
    name = serializers.CharField(max_length=255)
    position = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    contact_info = ContactInfoInput(many=True, required=False, max_length=200)
    extra = serializers.DictField(child=serializers.JSONField(allow_null=True), required=False, default=dict)


class ClientPatchSerializer(serializers.Serializer):
    """A change of a client: only the fields sent change. `extra` names extra fields by key
    (`extra_5`) or by name; a null value clears one."""

    kind = serializers.ChoiceField(choices=Client.Kind.choices)
    name = serializers.CharField(max_length=255)
    full_name = serializers.CharField(max_length=500, allow_blank=True)
    inn = serializers.CharField(max_length=20, allow_blank=True)
    kpp = serializers.CharField(max_length=20, allow_blank=True)
    legal_address = serializers.CharField(max_length=500, allow_blank=True)
    comment = serializers.CharField(allow_blank=True, max_length=10_000)
    responsible = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), allow_null=True
    )
    business_region = serializers.PrimaryKeyRelatedField(queryset=BusinessRegion.objects.all(), allow_null=True)
    # Only hand-picked segments hold clients; a dynamic one is a filter (clients.segments).
    segments = serializers.PrimaryKeyRelatedField(queryset=Segment.objects.filter(kind=Segment.Kind.MANUAL), many=True)
    extra = serializers.DictField(child=serializers.JSONField(allow_null=True))
    # Each, when sent, is the whole list as it should be: a row with an `id` is kept (and changed),
    # one without is added, a stored row left out is deleted.
    contact_info = ContactInfoInput(many=True, max_length=200)
    contact_persons = ContactPersonInput(many=True, max_length=200)

    def __init__(self, *args, client: Client | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client
        if client is not None:
            for field in self.fields.values():
                field.required = False

    def validate(self, attrs):
        kind = attrs.get("kind", self.client.kind if self.client else Client.Kind.COMPANY)
        company = kind == Client.Kind.COMPANY
        errors = {}
        inn = attrs.get("inn", self.client.inn if self.client and "kind" in attrs else None)
        if inn:
            try:
                attrs["inn"] = validators.clean_inn(inn, company=company)
            except DjangoValidationError as error:
                errors["inn"] = _messages(error)
        if attrs.get("kpp"):
            try:
                attrs["kpp"] = validators.clean_kpp(attrs["kpp"])
            except DjangoValidationError as error:
                errors["kpp"] = _messages(error)
        kpp = attrs.get("kpp", self.client.kpp if self.client else "")
        if kpp and not company:
            errors["kpp"] = [_("КПП указывается только для организаций.")]
        attrs["extra"] = self._extra(attrs.get("extra", {}), kind, errors)
        self._rows(attrs, errors)
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def _rows(self, attrs: dict, errors: dict) -> None:
        """The kinds fit their owners, ids only where rows are stored, persons' extra values read."""
        persons = attrs.get("contact_persons", [])
        if any(not row["kind"].for_clients for row in attrs.get("contact_info", [])):
            errors["contact_info"] = [_("Этот вид контактной информации не для клиентов.")]
        if any(not row["kind"].for_contacts for person in persons for row in person.get("contact_info", [])):
            errors["contact_persons"] = [_("Этот вид контактной информации не для контактных лиц.")]
        rows = [*attrs.get("contact_info", []), *persons, *(r for p in persons for r in p.get("contact_info", []))]
        if self.client is None and any("id" in row for row in rows):
            errors["id"] = [_("У новой записи ещё нет id: его указывают только при изменении.")]
        fields = extra_fields.for_contacts(extra_fields.definitions())
        problems = {}
        for number, person in enumerate(persons):
            person["extra"] = self._extra_values(person.get("extra", {}), fields, problems, prefix=f"{number}.")
        if problems:
            errors["contact_persons"] = {"extra": problems}

    def _extra(self, sent: dict, kind: str, errors: dict) -> dict:
        problems = {}
        fields = extra_fields.for_client(extra_fields.client_definitions(), Client(kind=kind))
        values = self._extra_values(sent, fields, problems)
        if problems:
            errors["extra"] = problems
        return values

    @staticmethod
    def _extra_values(sent: dict, fields: list, problems: dict, prefix: str = "") -> dict:
        by_name = {**{f.name.lower(): f for f in fields}, **{f.key: f for f in fields}}
        values = {}
        for name, raw in sent.items():
            field = by_name.get(name) or by_name.get(name.lower())
            if field is None:
                problems[prefix + name] = [_("Нет такого дополнительного поля.")]
                continue
            if raw is None or raw == "":
                values[field] = None
                continue
            try:
                values[field] = extra_fields.parse(field, raw)
            except DjangoValidationError as error:
                problems[prefix + name] = _messages(error)
        return values

    def edit(self) -> ClientEdit:
        data = self.validated_data
        infos, persons = data.get("contact_info"), data.get("contact_persons")
        return ClientEdit(
            fields={name: data[name] for name in BUILT_IN if name in data},
            extra=data.get("extra", {}),
            segments=data.get("segments"),
            contact_info=None if infos is None else [ContactInfoInput.sent(row) for row in infos],
            persons=None if persons is None else [_sent_person(person) for person in persons],
        )


def _sent_person(attrs: dict) -> SentPerson:
    infos = attrs.get("contact_info")
    return SentPerson(
        attrs.get("id"),
        {name: attrs[name] for name in ("name", "position", "notes")},
        attrs["extra"],
        None if infos is None else [ContactInfoInput.sent(row) for row in infos],
    )


class ClientCreateSerializer(ClientPatchSerializer):
    """A new client, with its contact information and contact persons."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.required = name == "name"


class DealMoveSerializer(serializers.Serializer):
    """A move of a deal to another stage of its funnel, as the board makes it."""

    stage = serializers.PrimaryKeyRelatedField(queryset=Stage.objects.all())
    seen_stage = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**62)
    lost_reason = serializers.PrimaryKeyRelatedField(
        queryset=LostReason.objects.filter(is_active=True), required=False, allow_null=True
    )
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True, min_value=0)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)


class TaskActionSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)


class LineInput(serializers.Serializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.filter(is_active=True))
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3, min_value=Decimal("0.001"))
    price = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    discount = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100, default=0)


class DocumentInput(serializers.Serializer):
    """What an invoice and a payment have: the client, its contract, the date, the manager (a
    manager names themself; by default the key's user), the project, a comment."""

    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.all())
    contract = serializers.PrimaryKeyRelatedField(queryset=Contract.objects.all(), required=False, allow_null=True)
    date = serializers.DateField()
    manager = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.none(), required=False, allow_null=True
    )
    project = serializers.PrimaryKeyRelatedField(queryset=Project.objects.all(), required=False, allow_null=True)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user is not None:
            self.fields["manager"].queryset = assignable(user, everyone=sales_access.SEE_ALL)

    def validate_date(self, value):
        if not 2000 <= value.year <= 2100:
            raise serializers.ValidationError(_("Дата вне допустимого диапазона."))
        return value

    def document(self, model):
        data = self.validated_data
        return model(
            client=data["client"],
            contract=data.get("contract"),
            date=data["date"],
            manager=data["manager"] if "manager" in data else self.user,
            project=data.get("project"),
            comment=data["comment"],
        )


class InvoiceInput(DocumentInput):
    lines = LineInput(many=True, allow_empty=False, max_length=500)
    # Over the contract's credit limit, the invoice is written only when this confirms it.
    confirm_over_limit = serializers.BooleanField(default=False)

    def lines_of(self) -> list:
        return [
            Line(row["product"], row["quantity"], row.get("price", row["product"].price), row["discount"])
            for row in self.validated_data["lines"]
        ]


class PaymentInput(DocumentInput):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    # Allocated to the client's open invoices, oldest first (as «Распределить» on the page).
    allocate_oldest = serializers.BooleanField(default=True)
