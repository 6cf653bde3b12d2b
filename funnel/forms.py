"""Forms of the funnel pages: the board's filter, a deal and its lines, a move, and the settings
(funnels, stages, lost reasons). Long choice lists (clients) are never listed whole: the deal
form offers the chosen client only and a search fills the list (funnel:client_choices)."""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.forms import inlineformset_factory
from django.forms.utils import flatatt
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from clients.validators import clean_email, clean_inn, clean_phone
from crm.forms import MarksInvalidFieldsMixin, list_as_rows, style_widgets
from crm.merge import MergeFormMixin
from crm.users import NAME_COLUMNS, assignable, name_of, staff_users, user_name
from funnel.models import Deal, DealLine, Funnel, LostReason, Stage
from funnel.services import ALL_DEALS_ROLES, Line
from sales.forms import DATE_WIDGET, ProductLineForm, ProductLinesFormSet, money_field
from sales.models import Product

UNASSIGNED = "none"


# --- the board ------------------------------------------------------------------------------------------


class BoardFilterForm(forms.Form):
    """Менеджер, период (by creation) and источник. The funnel is chosen by the switcher above."""

    manager = forms.ChoiceField(label=_("Менеджер"), required=False)
    created_from = forms.DateField(label=_("Создана с"), required=False, widget=DATE_WIDGET)
    created_to = forms.DateField(label=_("по"), required=False, widget=DATE_WIDGET)
    source = forms.CharField(label=_("Источник"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].choices = [
            ("", _("Все")),
            (UNASSIGNED, _("— не назначен —")),
            *((str(pk), name_of(*names)) for pk, *names in staff_users().values_list("pk", *NAME_COLUMNS)),
        ]
        style_widgets(self.fields)

    def clean(self):
        cleaned = super().clean()
        start, stop = cleaned.get("created_from"), cleaned.get("created_to")
        if start and stop and start > stop:
            self.add_error("created_to", _("Конец периода раньше его начала."))
        return cleaned

    def apply(self, deals: QuerySet[Deal]) -> QuerySet[Deal]:
        if not self.is_bound or not self.is_valid():
            return deals
        data = self.cleaned_data
        if data["manager"] == UNASSIGNED:
            deals = deals.filter(manager__isnull=True)
        elif data["manager"]:
            deals = deals.filter(manager_id=data["manager"])
        if data["created_from"]:
            deals = deals.filter(created_at__date__gte=data["created_from"])
        if data["created_to"]:
            deals = deals.filter(created_at__date__lte=data["created_to"])
        if data["source"].strip():
            deals = deals.filter(source__iexact=data["source"].strip())
        return deals

    def querystring(self) -> str:
        """The filter as it was given, for «Ещё» and the moves, to keep the column's numbers."""
        if not self.is_bound or not self.is_valid():
            return ""
        return urlencode({k: self.data[k] for k in self.fields if self.data.get(k)})


# --- a deal ----------------------------------------------------------------------------------------------


class DealForm(MergeFormMixin, MarksInvalidFieldsMixin, forms.ModelForm):
    """A deal's header. A deal is a client's or — for a lead not yet a client — a name with an
    e-mail or a phone. `clients` are the clients the user may choose; a manager gives the deal to
    themself or leaves it unassigned, the others to anyone."""

    amount = money_field(_("Сумма"), required=False, min_value=0)

    class Meta:
        model = Deal
        fields = [
            "funnel",
            "title",
            "client",
            "lead_name",
            "lead_email",
            "lead_phone",
            "lead_inn",
            "manager",
            "amount",
            "source",
            "expected_close",
        ]
        widgets = {"expected_close": DATE_WIDGET}

    def __init__(self, *args, user, clients: QuerySet[Client], **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["funnel"]
        else:
            self.fields["funnel"].queryset = Funnel.objects.filter(is_active=True)
            self.fields["funnel"].empty_label = None
        if not self.is_bound and not self.instance.pk and not self.initial.get("manager"):
            self.initial["manager"] = user.pk  # the instance's empty manager is in initial already
        client_field = self.fields["client"]
        client_field.queryset = clients
        chosen = self._chosen_client(clients)
        client_field.choices = [("", _("— лид, ещё не клиент —"))] + ([(chosen.pk, chosen.name)] if chosen else [])
        manager_field = self.fields["manager"]
        manager_field.queryset = assignable(user, everyone=ALL_DEALS_ROLES, keep_id=self.instance.manager_id)
        manager_field.label_from_instance = user_name
        manager_field.empty_label = _("— не назначен —")
        self.fields["lead_name"].help_text = _("Если клиента ещё нет в базе: кто обратился.")
        style_widgets(self.fields)
        client_field.widget.attrs["data-client-select"] = ""

    def _chosen_client(self, clients: QuerySet[Client]) -> Client | None:
        if self.is_bound:
            pk = self.data.get(self.add_prefix("client"), "")
        else:
            pk = self.initial.get("client") or self.instance.client_id or ""
        pk = getattr(pk, "pk", pk)
        return clients.filter(pk=pk).first() if str(pk).isdigit() else None

    def clean_lead_phone(self) -> str:
        phone = self.cleaned_data["lead_phone"].strip()
        return clean_phone(phone) if phone else ""

    def clean_lead_inn(self) -> str:
        return clean_inn(self.cleaned_data["lead_inn"])

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("client") and not (cleaned.get("lead_name") or "").strip():
            if "client" not in self.errors:
                self.add_error("lead_name", _("Укажите клиента или, для лида, имя того, кто обратился."))
        return cleaned


class MoveForm(forms.Form):
    """A move: the target stage, the stage the user saw the deal on, and what the target needs —
    the amount for «Успех», the reason for «Провал»."""

    stage = forms.IntegerField(widget=forms.HiddenInput)
    seen_stage = forms.IntegerField(required=False, widget=forms.HiddenInput)
    amount = money_field(_("Сумма сделки"), required=False, min_value=0)
    lost_reason = forms.ModelChoiceField(
        LostReason.objects.filter(is_active=True), label=_("Причина проигрыша"), required=False
    )
    comment = forms.CharField(label=_("Комментарий"), required=False, max_length=1000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lost_reason"].empty_label = _("— выберите причину —")
        list_as_rows(self.fields["lost_reason"])
        style_widgets(self.fields)

    def clean_stage(self) -> Stage:
        stage = Stage.objects.select_related("funnel").filter(pk=self.cleaned_data["stage"]).first()
        if stage is None:
            raise ValidationError(_("Такого этапа нет."))
        return stage

    def error_text(self) -> str:
        return " ".join(str(e) for errors in self.errors.values() for e in errors)


# --- lines -----------------------------------------------------------------------------------------------


class ProductSelect(forms.Select):
    """The product list of a line, rendered in Python: a deal page repeats it on every line (and in
    the template of a new one), and Django's per-option templates cost ~25 ms per 300 products."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = "" if value is None else str(value)
        options = "".join(
            f'<option value="{escape(v)}"{" selected" if str(v) == chosen else ""}>{escape(label)}</option>'
            for v, label in self.choices
        )
        final_attrs = flatatt(self.build_attrs(self.attrs, attrs))
        return format_html('<select name="{}"{}>{}</select>', name, final_attrs, mark_safe(options))  # escaped above


class DealLineForm(ProductLineForm):
    line_class = Line

    class Meta:
        model = DealLine
        fields = ["product", "quantity", "price", "discount"]
        widgets = {"product": ProductSelect}


DealLineFormSet = inlineformset_factory(
    Deal, DealLine, form=DealLineForm, formset=ProductLinesFormSet, extra=1, can_delete=True
)


def products_for(deal: Deal) -> list[Product]:
    """What a line may take: the products on sale, and those already on the deal."""
    products = Product.objects.filter(Q(is_active=True) | Q(pk__in=deal.lines.values("product")))
    return list(products.order_by("name"))


def warnings_token(warnings: list[str]) -> str:
    """Names the warnings the user confirmed: a confirmation holds for these numbers only."""
    return hashlib.sha256("\n".join(warnings).encode()).hexdigest()[:16]


# --- settings --------------------------------------------------------------------------------------------


class FunnelForm(MarksInvalidFieldsMixin, forms.ModelForm):
    class Meta:
        model = Funnel
        fields = ["name", "kind", "requires_amount", "is_active"]
        labels = {"requires_amount": _("Сумма обязательна")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            del self.fields["is_active"]
        self.fields["requires_amount"].help_text = _("Без суммы сделку не перевести на этап «Успех».")
        style_widgets(self.fields)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if Funnel.objects.filter(name__iexact=name).exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("Воронка «%(name)s» уже есть.") % {"name": name})
        return name


class StageForm(MarksInvalidFieldsMixin, forms.ModelForm):
    probability = forms.IntegerField(label=_("Вероятность, %"), min_value=0, max_value=100, initial=0)
    expected_days = forms.IntegerField(label=_("Дней на этапе"), min_value=1, max_value=3650, required=False)

    class Meta:
        model = Stage
        fields = ["name", "kind", "probability", "expected_days"]

    def __init__(self, *args, funnel: Funnel, **kwargs):
        super().__init__(*args, **kwargs)
        self.funnel = funnel
        self.fields["expected_days"].help_text = _("Дольше — сделка попадает в «Мои дела» менеджера.")
        style_widgets(self.fields)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError(_("Укажите наименование этапа."))
        if self.funnel.stages.filter(name__iexact=name).exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("В воронке уже есть этап «%(name)s».") % {"name": name})
        return name


class RetireStageForm(forms.Form):
    """Where the deals of a stage that is no longer used go."""

    move_to = forms.ModelChoiceField(Stage.objects.none(), label=_("Перенести сделки на этап"), required=False)
    lost_reason = forms.ModelChoiceField(
        LostReason.objects.filter(is_active=True), label=_("Причина проигрыша"), required=False
    )

    def __init__(self, *args, stage: Stage, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["move_to"].queryset = stage.funnel.stages.filter(is_active=True).exclude(pk=stage.pk)
        self.fields["move_to"].empty_label = _("— выберите этап —")
        self.fields["lost_reason"].empty_label = _("— для этапа «Провал» —")
        style_widgets(self.fields)


class LostReasonForm(MarksInvalidFieldsMixin, forms.ModelForm):
    class Meta:
        model = LostReason
        fields = ["name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self.fields)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if LostReason.objects.filter(name__iexact=name).exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("Причина «%(name)s» уже есть.") % {"name": name})
        return name


class WebLeadForm(forms.Form):
    """«Форма для сайта» as a visitor sends it (funnel.views.web_leads); «name» is taken for «company»."""

    company = forms.CharField(label=_("Организация"), max_length=255, required=False)
    person = forms.CharField(label=_("Контактное лицо"), max_length=255, required=False)
    phone = forms.CharField(label=_("Телефон"), max_length=30, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    inn = forms.CharField(label=_("ИНН"), max_length=20, required=False)
    comment = forms.CharField(label=_("Комментарий"), max_length=2000, required=False)

    def __init__(self, data, **kwargs):
        data = dict(data.items())
        if not data.get("company") and data.get("name"):
            data["company"] = data["name"]
        super().__init__(data, **kwargs)

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        return clean_phone(phone) if phone else ""

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        return clean_email(email) if email else ""

    def clean_inn(self) -> str:
        return clean_inn(self.cleaned_data["inn"])

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("company") or cleaned.get("person")) and not self.has_error("company"):
            self.add_error("company", _("Укажите организацию или контактное лицо."))
        if not (cleaned.get("phone") or cleaned.get("email")) and not (
            self.has_error("phone") or self.has_error("email")
        ):
            self.add_error("phone", _("Укажите телефон или e-mail, чтобы с вами могли связаться."))
        return cleaned
