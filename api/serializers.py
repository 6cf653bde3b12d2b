"""How the API shows the CRM's rows: read serializers per resource, each trimmed by `?fields=`.
Writes have their own serializers (api/writes.py): a row is never saved by a serializer."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clients import extra_fields
from clients.models import Client, ContactInfo, ContactPerson, ExtraField, ExtraFieldOption, ExtraValue
from funnel.models import Deal, StageTransition
from sales.models import Allocation, Contract, Invoice, InvoiceLine, Payment
from tasks.models import Task, TaskEvent

# The accounting system's key of a row (api/views/exchange.py), "" for rows made in the CRM.
EXTERNAL_KEY = ["external_source", "external_id"]


class TrimmedMixin:
    """`?fields=a,b` on a GET keeps only those fields of the answer's rows (unknown names are left
    out); nested rows are not trimmed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = kwargs.get("context", {}).get("request")
        wanted = request.query_params.get("fields", "") if request is not None and request.method == "GET" else ""
        names = {name.strip() for name in wanted.split(",") if name.strip()}
        if names:
            for name in set(self.fields) - names:
                self.fields.pop(name)


def as_json(value: object) -> object:
    """A stored value as the API shows it: an extra field's list value by its name, another row by
    its id, a number as text (exact), a date in ISO form."""
    if value is None:
        return None
    if isinstance(value, ExtraFieldOption):
        return value.name
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, (list, tuple, set)):
        return sorted(as_json(v) for v in value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


class ContactInfoSerializer(serializers.ModelSerializer):
    kind_name = serializers.CharField(source="kind.name", read_only=True)

    class Meta:
        model = ContactInfo
        fields = ["id", "kind", "kind_name", "value", "comment"]


EXTRA_SCHEMA = {"type": "object", "additionalProperties": {}, "description": "{extra_<id>: value}"}


class PageExtras:
    """The extra fields and the values of a page of clients and of their contact persons: two
    queries for the page (and the definitions, kept per process), not one per row."""

    def __init__(self, client_ids: list[int]):
        self.fields = extra_fields.definitions()
        self.of_clients = extra_fields.values_of_clients(client_ids)
        self.of_persons: dict[int, dict[int, object]] = {}
        rows = ExtraValue.objects.filter(contact__client_id__in=client_ids).select_related("value_option")
        for row in rows:
            self.of_persons.setdefault(row.contact_id, {})[row.field_id] = row.value

    @staticmethod
    def of(context: dict, client_id: int) -> PageExtras:
        """The page's, or (one client answered alone) this client's."""
        if "extra" not in context:
            context["extra"] = PageExtras([client_id])
        return context["extra"]

    def client_json(self, client: Client) -> dict[str, object]:
        own = self.of_clients.get(client.pk, {})
        fields = extra_fields.for_client([f for f in self.fields if not f.for_contacts], client)
        return {field.key: as_json(own.get(field.pk)) for field in fields}

    def person_json(self, person: ContactPerson) -> dict[str, object]:
        own = self.of_persons.get(person.pk, {})
        return {field.key: as_json(own.get(field.pk)) for field in extra_fields.for_contacts(self.fields)}


class ContactPersonSerializer(serializers.ModelSerializer):
    contact_info = ContactInfoSerializer(many=True, read_only=True)
    extra = serializers.SerializerMethodField()

    class Meta:
        model = ContactPerson
        fields = ["id", "name", "position", "notes", "contact_info", "extra"]

    @extend_schema_field(EXTRA_SCHEMA)
    def get_extra(self, person: ContactPerson) -> dict[str, object]:
        return PageExtras.of(self.context, person.client_id).person_json(person)


class ClientListSerializer(serializers.ListSerializer):
    def to_representation(self, data):
        """The page's extra values in two queries, not one per client."""
        rows = list(data.all() if hasattr(data, "all") else data)
        self._context["extra"] = PageExtras([c.pk for c in rows])
        return super().to_representation(rows)


class ClientSerializer(TrimmedMixin, serializers.ModelSerializer):
    contact_info = ContactInfoSerializer(many=True, read_only=True, source="own_contact_info")
    contact_persons = ContactPersonSerializer(many=True, read_only=True, source="contacts")
    extra = serializers.SerializerMethodField()
    # Computed classes, "" while a client has none.
    abc_class = serializers.ChoiceField(choices=Client.ABC.choices, allow_blank=True, read_only=True)
    xyz_class = serializers.ChoiceField(choices=Client.XYZ.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Client
        list_serializer_class = ClientListSerializer
        fields = [
            "id",
            "kind",
            "name",
            "full_name",
            "inn",
            "kpp",
            "legal_address",
            "comment",
            "responsible",
            "business_region",
            "segments",
            "abc_class",
            "xyz_class",
            "completeness",
            "version",
            "created_at",
            "updated_at",
            "contact_info",
            "contact_persons",
            "extra",
            *EXTERNAL_KEY,
        ]
        read_only_fields = fields

    @extend_schema_field(EXTRA_SCHEMA)
    def get_extra(self, client: Client) -> dict[str, object]:
        return PageExtras.of(self.context, client.pk).client_json(client)


class ExtraFieldOptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExtraFieldOption
        fields = ["id", "name", "retired"]


class ExtraFieldSerializer(TrimmedMixin, serializers.ModelSerializer):
    key = serializers.CharField(read_only=True)
    group = serializers.CharField(source="group.name", read_only=True)
    options = ExtraFieldOptionSerializer(many=True, read_only=True, source="option_list")

    class Meta:
        model = ExtraField
        fields = ["id", "key", "name", "value_type", "applies_to", "group", "required", "options"]
        read_only_fields = fields


class ContractSerializer(TrimmedMixin, serializers.ModelSerializer):
    class Meta:
        model = Contract
        fields = ["id", "client", "number", "date", "credit_limit", "credit_days", "is_active", *EXTERNAL_KEY]
        read_only_fields = fields


class InvoiceLineSerializer(serializers.ModelSerializer):
    product_name = serializers.CharField(source="product.name", read_only=True)

    class Meta:
        model = InvoiceLine
        fields = ["id", "product", "product_name", "quantity", "price", "discount", "amount"]


DOCUMENT_FIELDS = ["id", "number", "date", "client", "contract", "manager", "project", "comment", *EXTERNAL_KEY]


class InvoiceSerializer(TrimmedMixin, serializers.ModelSerializer):
    lines = InvoiceLineSerializer(many=True, read_only=True)

    class Meta:
        model = Invoice
        fields = [*DOCUMENT_FIELDS, "status", "shipped_on", "due_date", "total", "open_amount", "lines"]
        read_only_fields = fields


class AllocationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Allocation
        fields = ["invoice", "amount"]


class PaymentSerializer(TrimmedMixin, serializers.ModelSerializer):
    allocations = AllocationSerializer(many=True, read_only=True)

    class Meta:
        model = Payment
        fields = [*DOCUMENT_FIELDS, "amount", "unallocated", "allocations"]
        read_only_fields = fields


class StageTransitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = StageTransition
        fields = ["from_stage", "to_stage", "at", "by", "comment"]


class DealSerializer(TrimmedMixin, serializers.ModelSerializer):
    stage_name = serializers.CharField(source="stage.name", read_only=True)
    transitions = StageTransitionSerializer(many=True, read_only=True)
    lead_email = serializers.CharField(read_only=True)  # "" when the lead left none: not an e-mail format

    class Meta:
        model = Deal
        fields = [
            "id",
            "title",
            "funnel",
            "stage",
            "stage_name",
            "client",
            "manager",
            "amount",
            "source",
            "expected_close",
            "created_at",
            "stage_entered_at",
            "closed_at",
            "lost_reason",
            "invoice",
            "lead_name",
            "lead_email",
            "lead_phone",
            "lead_inn",
            "transitions",
        ]
        read_only_fields = fields


class TaskEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = TaskEvent
        fields = ["kind", "user", "at", "iteration", "comment"]


class TaskSerializer(TrimmedMixin, serializers.ModelSerializer):
    events = TaskEventSerializer(many=True, read_only=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "title",
            "description",
            "kind",
            "state",
            "iteration",
            "importance",
            "executor",
            "reviewer",
            "author",
            "due_date",
            "control_date",
            "postponed_until",
            "project",
            "result",
            "created_at",
            "done_at",
            "accepted_at",
            "events",
        ]
        read_only_fields = fields
