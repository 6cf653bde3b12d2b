"""What the exchange with an accounting system accepts: a document of each kind (`data`), checked
for its form here and handed to the services as plain values (clients.services.exchange,
sales.services.exchange), which check what needs the stored rows."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import serializers

from clients import validators
from clients.models import Client
from clients.services.exchange import EXCHANGED_FIELDS, ClientDocument
from crm.exchange import ID_MAX, KINDS, SOURCE_MAX, Keyed
from sales.models import Invoice
from sales.services.exchange import ContractDocument, InvoiceDocument, LineValues, PaymentDocument

BATCH_MAX = 1000
SOURCE_PATTERN = rf"^[A-Za-z0-9._-]{{1,{SOURCE_MAX}}}$"
MONEY = {"max_digits": 14, "decimal_places": 2}
# A money sum the tables hold (14 digits, two of them after the point).
MONEY_LIMIT = Decimal("999999999999.99")


def _in_range(value):
    if not 2000 <= value.year <= 2100:
        raise serializers.ValidationError(_("Дата вне допустимого диапазона."))
    return value


def _external_id(**kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=ID_MAX, **kwargs)


class ClientData(serializers.Serializer):
    """A client's requisites; a field not sent keeps its value in the CRM."""

    kind = serializers.ChoiceField(choices=Client.Kind.choices)
    name = serializers.CharField(max_length=255)
    full_name = serializers.CharField(max_length=500, allow_blank=True, required=False)
    inn = serializers.CharField(max_length=20, allow_blank=True, required=False)
    kpp = serializers.CharField(max_length=20, allow_blank=True, required=False)
    legal_address = serializers.CharField(max_length=500, allow_blank=True, required=False)

    def validate_inn(self, value):
        return _cleaned(validators.clean_inn, value)

    def validate_kpp(self, value):
        return _cleaned(validators.clean_kpp, value)

    def document(self, key: Keyed) -> ClientDocument:
        fields = {name: self.validated_data[name] for name in EXCHANGED_FIELDS if name in self.validated_data}
        return ClientDocument(key.position, key.source, key.external_id, fields)


def _cleaned(clean, value: str) -> str:
    try:
        return clean(value)
    except DjangoValidationError as error:
        raise serializers.ValidationError(list(error.messages))


class ContractData(serializers.Serializer):
    client = _external_id(help_text="The client's external id (of the same source).")
    number = serializers.CharField(max_length=50)
    date = serializers.DateField(validators=[_in_range])
    credit_limit = serializers.DecimalField(**MONEY, min_value=0, required=False, allow_null=True, default=None)
    credit_days = serializers.IntegerField(min_value=0, max_value=32767, required=False, allow_null=True, default=None)
    is_active = serializers.BooleanField(default=True)

    def document(self, key: Keyed) -> ContractDocument:
        return ContractDocument(key.position, key.source, key.external_id, **self.validated_data)


class LineData(serializers.Serializer):
    product = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text="The CRM's product id.")
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3, min_value=Decimal("0.001"))
    price = serializers.DecimalField(**MONEY, min_value=0)
    discount = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100, default=0)


class InvoiceData(serializers.Serializer):
    client = _external_id(help_text="The client's external id (of the same source).")
    contract = _external_id(required=False, allow_null=True, default=None, allow_blank=True)
    date = serializers.DateField(validators=[_in_range])
    status = serializers.ChoiceField(choices=Invoice.Status.choices, default=Invoice.Status.SHIPPED)
    shipped_on = serializers.DateField(required=False, allow_null=True, default=None, validators=[_in_range])
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)
    lines = LineData(many=True, allow_empty=False, max_length=500)

    def validate_lines(self, lines):
        total = sum(row["quantity"] * row["price"] for row in lines)
        if total > MONEY_LIMIT:
            raise serializers.ValidationError(_("Сумма заявки слишком велика."))
        return lines

    def document(self, key: Keyed) -> InvoiceDocument:
        data = dict(self.validated_data)
        lines = [LineValues(**row) for row in data.pop("lines")]
        return InvoiceDocument(key.position, key.source, key.external_id, lines=lines, **data)


class AllocationData(serializers.Serializer):
    invoice = _external_id(help_text="The invoice's external id (of the same source).")
    amount = serializers.DecimalField(**MONEY, min_value=Decimal("0.01"))


class PaymentData(serializers.Serializer):
    client = _external_id(help_text="The client's external id (of the same source).")
    contract = _external_id(required=False, allow_null=True, default=None, allow_blank=True)
    date = serializers.DateField(validators=[_in_range])
    amount = serializers.DecimalField(**MONEY, min_value=Decimal("0.01"))
    allocations = AllocationData(many=True, required=False, default=list, max_length=BATCH_MAX)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)

    def validate_allocations(self, rows):
        invoices = [row["invoice"] for row in rows]
        if len(set(invoices)) != len(invoices):
            raise serializers.ValidationError(_("Каждая заявка — один раз."))
        return rows

    def document(self, key: Keyed) -> PaymentDocument:
        data = dict(self.validated_data)
        allocations = {row["invoice"]: row["amount"] for row in data.pop("allocations")}
        return PaymentDocument(key.position, key.source, key.external_id, allocations=allocations, **data)


DATA = {"clients": ClientData, "contracts": ContractData, "invoices": InvoiceData, "payments": PaymentData}


class KeyData(serializers.Serializer):
    source = serializers.RegexField(SOURCE_PATTERN, help_text="The accounting system's name, e.g. `1c-bp`.")
    id = _external_id(help_text="The document's id in that system.")


class ItemData(KeyData):
    """A document of a batch."""

    kind = serializers.ChoiceField(choices=KINDS)
    data = serializers.DictField(help_text="The document, as the PUT of its kind takes it.")


def document(kind: str, data, key: Keyed):
    """The document of this kind, checked; serializers.ValidationError naming its fields."""
    form = DATA[kind](data=data)
    form.is_valid(raise_exception=True)
    return form.document(key)


def key_of(source: str, external_id: str, position: int = 0) -> Keyed:
    form = KeyData(data={"source": source, "id": external_id})
    form.is_valid(raise_exception=True)
    return Keyed(position, form.validated_data["source"], form.validated_data["id"])


def item(raw, position: int) -> tuple[str, Keyed]:
    """(kind, document) of a batch's item."""
    form = ItemData(data=raw)
    form.is_valid(raise_exception=True)
    values = form.validated_data
    return values["kind"], document(values["kind"], values["data"], Keyed(position, values["source"], values["id"]))
