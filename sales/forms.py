"""Forms of the sales documents. Choice lists that could be long (clients, a client's contracts,
products) are loaded once per page as static choices; the client is picked through a search that
fills its list (sales:client_choices), so a page never lists the whole client base."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from crm.forms import DateInput, MarksInvalidFieldsMixin, TypedDecimalField, style_widgets
from crm.merge import KeepsVanishedRowsMixin, MergeFormMixin
from crm.models import Project
from crm.uploads import checked_upload
from crm.users import assignable, user_name
from sales import access
from sales.filters import PERIOD_YEARS
from sales.ledger import Scope
from sales.models import Contract, Invoice, InvoiceLine, Payment, Product
from sales.services import Line, lines_fingerprint

DATE_WIDGET = DateInput()
NO_CONTRACT = _("— без договора —")


def money_field(label, **kwargs) -> forms.DecimalField:
    return TypedDecimalField(label=label, max_digits=14, decimal_places=2, money=True, **kwargs)


class DocumentHeaderForm(MarksInvalidFieldsMixin, forms.ModelForm):
    """Client, contract of that client, date, manager and project: what an invoice and a payment
    share. `clients` are the clients the user may make documents for."""

    def __init__(self, *args, clients=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and not self.instance.pk:
            # A new document's instance gives empty values: today and the user are better.
            self.initial["date"] = self.initial.get("date") or timezone.localdate()
            self.initial["manager"] = self.initial.get("manager") or (user.pk if user is not None else None)
        client_field = self.fields["client"]
        client_field.queryset = clients if clients is not None else Client.objects.none()
        self.client = self._chosen_client()
        client_field.choices = [("", _("— выберите клиента —"))] + (
            [(self.client.pk, self.client.name)] if self.client else []
        )
        contract_field = self.fields["contract"]
        contract_field.queryset = Contract.objects.all()  # checked against the client in clean()
        contract_field.choices = contract_choices(self.client, self._value("contract"))
        manager_field = self.fields["manager"]
        # A manager names themself; a supervisor, a sales head, an administrator anyone.
        manager_field.queryset = assignable(user, everyone=access.SEE_ALL, keep_id=self.instance.manager_id)
        manager_field.label_from_instance = user_name
        manager_field.empty_label = _("— не назначен —")
        project_field = self.fields["project"]
        project_field.queryset = Project.objects.filter(is_active=True)
        project_field.empty_label = _("— без проекта —")
        style_widgets(self.fields)
        client_field.widget.attrs["data-client-select"] = ""

    def _value(self, name: str) -> str:
        if self.is_bound:
            return self.data.get(self.add_prefix(name), "")
        value = self.initial.get(name) or getattr(self.instance, f"{name}_id", None)
        return str(value.pk if hasattr(value, "pk") else value or "")

    def _chosen_client(self) -> Client | None:
        pk = self._value("client")
        if not str(pk).isdigit():
            return None
        return self.fields["client"].queryset.filter(pk=pk).first()

    def clean(self):
        cleaned = super().clean()
        client, contract = cleaned.get("client"), cleaned.get("contract")
        if client and contract and contract.client_id != client.pk:
            self.add_error("contract", _("Договор заключён с другим клиентом."))
        return cleaned


def contract_choices(client: Client | None, chosen: str = "") -> list[tuple]:
    """The client's active contracts (and the chosen one, should it be closed since)."""
    if client is None:
        return [("", NO_CONTRACT)]
    contracts = Contract.objects.filter(client=client)
    if str(chosen).isdigit():
        contracts = contracts.filter(is_active=True) | contracts.filter(pk=chosen)
    else:
        contracts = contracts.filter(is_active=True)
    return [("", NO_CONTRACT), *((c.pk, str(c)) for c in contracts)]


class InvoiceForm(MergeFormMixin, DocumentHeaderForm):
    merge_exclude = ("confirm_limit", "lines_seen")

    # «<contract id>:<total>» of the invoice the user was warned about: pressing «Записать» again
    # with the same contract and total confirms going over the credit limit.
    confirm_limit = forms.CharField(required=False, widget=forms.HiddenInput)
    # The lines as stored when the user opened the form (services.lines_fingerprint).
    lines_seen = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["lines_seen"] = lines_fingerprint(self.instance.lines.all())

    class Meta:
        model = Invoice
        fields = ["client", "contract", "date", "manager", "project", "comment"]
        widgets = {"date": DATE_WIDGET, "comment": forms.Textarea(attrs={"rows": 2})}


class PaymentForm(DocumentHeaderForm):
    amount = money_field(_("Сумма"))
    allocate_oldest = forms.BooleanField(label=_("Распределить автоматически"), required=False, initial=True)

    class Meta:
        model = Payment
        fields = ["client", "contract", "date", "amount", "manager", "project", "comment"]
        widgets = {"date": DATE_WIDGET, "comment": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["allocate_oldest"].help_text = _(
            "На самые старые неоплаченные заявки клиента (по договору, если он указан)."
        )

    def clean_amount(self) -> Decimal:
        amount = self.cleaned_data["amount"]
        if amount <= 0:
            raise forms.ValidationError(_("Сумма оплаты должна быть больше нуля."))
        return amount


class ProductLineForm(MergeFormMixin, MarksInvalidFieldsMixin, forms.ModelForm):
    """A line of products (sales.models.ProductLine): an invoice's here, a deal's in funnel; its
    `line()` is a `line_class` (the services' Line)."""

    line_class = Line

    quantity = TypedDecimalField(label=_("Количество"), max_digits=12, decimal_places=3)
    price = money_field(_("Цена"), required=False, help_text=_("Пусто — цена из номенклатуры."))
    discount = TypedDecimalField(label=_("Скидка, %"), max_digits=5, decimal_places=2, required=False)

    def __init__(self, *args, products: list[Product] = (), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["product"]
        # The products are loaded once per page: static choices, so no query per line.
        self.products = {p.pk: p for p in products}
        field.queryset = Product.objects.all()
        field.choices = [("", _("— номенклатура —")), *((p.pk, p.name) for p in products)]
        if self.instance.pk and not self.is_bound:
            # «2», not «2,000»: three decimal places are for the few goods sold by weight.
            quantity = self.instance.quantity
            whole = quantity == quantity.to_integral_value()
            self.initial["quantity"] = quantity.quantize(Decimal(1)) if whole else quantity.normalize()
        style_widgets(self.fields)
        field.widget.attrs["data-line-product"] = ""
        for name in ("quantity", "price", "discount"):
            self.fields[name].widget.attrs[f"data-line-{name}"] = ""
            self.fields[name].widget.attrs["inputmode"] = "decimal"

    def clean_quantity(self) -> Decimal:
        quantity = self.cleaned_data["quantity"]
        if quantity <= 0:
            raise forms.ValidationError(_("Количество должно быть больше нуля."))
        return quantity

    def clean_price(self) -> Decimal | None:
        price = self.cleaned_data.get("price")
        if price is not None and price < 0:
            raise forms.ValidationError(_("Цена не может быть отрицательной."))
        return price

    def clean_discount(self) -> Decimal:
        discount = self.cleaned_data.get("discount")
        if discount is None:
            return Decimal(0)
        if not 0 <= discount <= 100:
            raise forms.ValidationError(_("Скидка — от 0 до 100 %."))
        return discount

    def line(self) -> Line:
        data = self.cleaned_data
        product = data["product"]
        price = data["price"] if data.get("price") is not None else product.price
        return self.line_class(product=product, quantity=data["quantity"], price=price, discount=data["discount"])


class InvoiceLineForm(ProductLineForm):
    class Meta:
        model = InvoiceLine
        fields = ["product", "quantity", "price", "discount"]


class ProductLinesFormSet(KeepsVanishedRowsMixin, BaseInlineFormSet):
    """Lines of products (an invoice's here, a deal's in funnel): every form gets the product list
    read once, the empty form included, and the «удалить» box is a Bootstrap check box."""

    def __init__(self, *args, products: list[Product] = (), **kwargs):
        self.products = list(products)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "products": self.products}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            products=self.products,
            renderer=self.renderer,
        )
        self.add_fields(form, None)
        return form

    def kept_forms(self) -> list[forms.Form]:
        """The lines to keep: every stored line not marked «удалить» (changed or not: the lines
        are saved as a whole), and the new ones filled in."""
        return [
            f
            for f in self.forms
            if f not in self.deleted_forms and f.cleaned_data and (f.cleaned_data.get("id") or f.has_changed())
        ]

    def lines(self) -> list[Line]:
        return [f.line() for f in self.kept_forms()]

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["class"] = "form-check-input"


class BaseInvoiceLineFormSet(ProductLinesFormSet):
    def clean(self):
        super().clean()
        if not any(self.errors) and not self.kept_forms():
            raise forms.ValidationError(_("В заявке нет ни одной строки."))


InvoiceLineFormSet = inlineformset_factory(
    Invoice, InvoiceLine, form=InvoiceLineForm, formset=BaseInvoiceLineFormSet, extra=1, can_delete=True
)


def products_for(invoice: Invoice | None) -> list[Product]:
    """What a line may take: the products on sale, and those already on the invoice."""
    products = Product.objects.filter(is_active=True)
    if invoice is not None and invoice.pk:
        products = products | Product.objects.filter(pk__in=invoice.lines.values("product"))
    return list(products.order_by("name"))


class ShipForm(forms.Form):
    """«Отгрузить»: the shipment date, today unless told."""

    shipped_on = forms.DateField(label=_("Дата отгрузки"), widget=DATE_WIDGET)

    def __init__(self, *args, invoice: Invoice, **kwargs):
        super().__init__(*args, **kwargs)
        self.invoice = invoice
        self.initial.setdefault("shipped_on", timezone.localdate())
        style_widgets(self.fields)

    def clean_shipped_on(self) -> datetime.date:
        shipped_on = self.cleaned_data["shipped_on"]
        if shipped_on < self.invoice.date:
            raise forms.ValidationError(_("Дата отгрузки раньше даты заявки."))
        return shipped_on


class AllocationForm(forms.Form):
    """«Распределить» by hand: an amount per invoice. Every posted `invoice-<id>` is read, not only
    the invoices listed, so that the service (not the page) decides what may be paid."""

    PREFIX = "invoice-"

    def __init__(self, data=None, *, invoices: list[Invoice] = ()):
        super().__init__(data)
        ids = [i.pk for i in invoices]
        if data is not None:
            ids += [
                int(k[len(self.PREFIX) :])
                for k in data
                if k.startswith(self.PREFIX) and k[len(self.PREFIX) :].isdigit()
            ]
        for pk in dict.fromkeys(ids):
            self.fields[f"{self.PREFIX}{pk}"] = money_field(_("Сумма"), required=False)
        style_widgets(self.fields)
        self.invoices = list(invoices)

    def rows(self) -> list[tuple[Invoice, forms.BoundField]]:
        return [(i, self[f"{self.PREFIX}{i.pk}"]) for i in self.invoices]

    def clean(self):
        cleaned = super().clean()
        for name, value in list(cleaned.items()):
            if value is not None and value <= 0:
                self.add_error(name, _("Сумма распределения должна быть больше нуля."))
        if not self.errors and not self.amounts():
            raise forms.ValidationError(_("Укажите сумму хотя бы по одной заявке."))
        return cleaned

    def amounts(self) -> dict[int, Decimal]:
        return {int(name[len(self.PREFIX) :]): value for name, value in self.cleaned_data.items() if value is not None}


class ContractForm(MergeFormMixin, MarksInvalidFieldsMixin, forms.ModelForm):
    credit_limit = money_field(_("Сумма кредита"), required=False, min_value=0)

    class Meta:
        model = Contract
        fields = ["number", "date", "credit_limit", "credit_days", "is_active"]
        widgets = {"date": DATE_WIDGET}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and not self.instance.pk:
            self.initial["date"] = self.initial.get("date") or timezone.localdate()
        self.fields["credit_limit"].help_text = _("Пусто — без ограничения.")
        self.fields["credit_days"].help_text = _("Дней после отгрузки; пусто — оплата в день отгрузки.")
        style_widgets(self.fields)

    def clean_number(self) -> str:
        number = self.cleaned_data["number"].strip()
        same = Contract.objects.filter(client=self.instance.client, number=number).exclude(pk=self.instance.pk)
        if same.exists():
            raise forms.ValidationError(_("У клиента уже есть договор с этим номером."))
        return number


# --- «Акт сверки» -------------------------------------------------------------------------------------

ALL_CONTRACTS, WITHOUT_CONTRACT = "", "none"


class MakeReconciliationForm(MarksInvalidFieldsMixin, forms.Form):
    """What an act covers — as the report «Акт сверки взаиморасчетов» passes it: the client (by id),
    one of its contracts, the documents without one, or all, and the period."""

    client = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    contract = forms.ChoiceField(label=_("Договор"), required=False)
    start = forms.DateField(label=_("Начало периода"), required=False, widget=DATE_WIDGET)
    end = forms.DateField(label=_("Конец периода"), widget=DATE_WIDGET)

    def __init__(self, *args, client: Client, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client
        self.contracts = {str(c.pk): c for c in Contract.objects.filter(client=client).order_by("-date", "number")}
        choices = [(ALL_CONTRACTS, _("Все договоры")), (WITHOUT_CONTRACT, NO_CONTRACT)]
        self.fields["contract"].choices = choices + [(pk, str(c)) for pk, c in self.contracts.items()]
        style_widgets(self.fields)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        for name, value in (("start", start), ("end", end)):
            if value and not PERIOD_YEARS[0] <= value.year <= PERIOD_YEARS[1]:
                first, last = PERIOD_YEARS
                self.add_error(name, _("Годы — от %(first)s до %(last)s.") % {"first": first, "last": last})
        if start and end and start > end:
            self.add_error("end", _("Конец периода раньше его начала."))
        return cleaned

    def scope(self) -> Scope:
        chosen = self.cleaned_data.get("contract") or ALL_CONTRACTS
        return Scope(
            client=self.client,
            start=self.cleaned_data.get("start"),
            end=self.cleaned_data["end"],
            contract=self.contracts.get(chosen),
            without_contract=chosen == WITHOUT_CONTRACT,
        )


class ReconciliationAnswerForm(MarksInvalidFieldsMixin, forms.Form):
    """The client's answer: its date, their closing balance, a comment and the scan."""

    answered_on = forms.DateField(label=_("Дата ответа"), widget=DATE_WIDGET)
    their_closing = money_field(_("Сальдо конечное по данным клиента"), required=False)
    comment = forms.CharField(label=_("Комментарий"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    scan = forms.FileField(label=_("Скан ответа"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self.fields)

    def clean_scan(self):
        scan = self.cleaned_data.get("scan")
        return checked_upload(scan) if scan else None

    def clean_answered_on(self):
        answered_on = self.cleaned_data["answered_on"]
        if answered_on > timezone.localdate():
            raise forms.ValidationError(_("Дата ответа ещё не наступила."))
        return answered_on
