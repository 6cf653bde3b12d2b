"""The filter of «Карточка клиента» and «Акт сверки»: a client (typed by name or ИНН, or chosen by
id from a link), one of its contracts or none, and a period.

Bad input never stops the page: a client that cannot be found is said so; a contract that is not the
client's, or a period that cannot be read or ends before it starts, is said so and left out, and
the report is built without it."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from crm.forms import DateInput
from reports.ledger import figures as ledger
from sales.models import Contract

ALL_CONTRACTS, WITHOUT_CONTRACT = "", "none"
ISO_DATE = "%Y-%m-%d"


def _date_input() -> forms.DateInput:
    return DateInput()


class LedgerForm(forms.Form):
    q = forms.CharField(
        label=_("Клиент"),
        required=False,
        max_length=255,
        widget=forms.TextInput(
            attrs={"class": "form-control form-control-sm", "placeholder": _("Наименование или ИНН")}
        ),
    )
    # The chosen client; the name in `q` stands beside it, and typing another name searches again.
    client = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    contract = forms.CharField(
        label=_("Договор"), required=False, widget=forms.Select(attrs={"class": "form-select form-select-sm"})
    )
    start = forms.DateField(label=_("Начало периода"), required=False, widget=_date_input())
    end = forms.DateField(label=_("Конец периода"), required=False, widget=_date_input())

    def __init__(self, data=None, *, user):
        today = timezone.localdate()
        super().__init__(data, initial={"start": today.replace(month=1, day=1), "end": today})
        self.user = user
        self.client: Client | None = None
        self.candidates: list[Client] = []  # several clients match the typed text
        self.more_candidates = False
        self.found_by_name = False  # the client was typed, not kept from the previous report
        self.contracts: list[Contract] = []
        self.problems: list[str] = []
        self._set_contract_choices()

    def clean_end(self):
        start, end = self.cleaned_data.get("start"), self.cleaned_data.get("end")
        if start and end and end < start:
            raise forms.ValidationError(_("Конец периода раньше его начала."))
        return end

    def clean(self):
        cleaned = super().clean()
        self.client = self._find_client(cleaned)
        if self.client is not None:
            self.contracts = list(Contract.objects.filter(client=self.client).order_by("-date", "number"))
            self._set_contract_choices()
        return cleaned

    def _find_client(self, cleaned: dict) -> Client | None:
        """The client chosen by id (unless another name is typed beside it), or the only one the
        user may see that matches the typed name or ИНН; several are offered as `candidates`."""
        text = (cleaned.get("q") or "").strip()
        pk = cleaned.get("client")
        if "client" in self.errors:
            self.problems.append(gettext("Клиент не найден."))
        elif pk:
            client = Client.objects.filter(pk=pk).first()
            if client is None:
                self.problems.append(gettext("Клиент не найден."))
            elif not text or text == client.name:
                return self._chosen(client)
        if not text:
            if not pk and "client" not in self.errors:
                self.problems.append(gettext("Выберите клиента."))
            return None
        found = ledger.find_clients(self.user, text)
        if len(found) == 1:
            self.found_by_name = True
            return self._chosen(found[0])
        if not found:
            self.problems.append(gettext("Не найден клиент «%(text)s».") % {"text": text})
        else:
            self.candidates, self.more_candidates = found[: ledger.CLIENT_CHOICES], len(found) > ledger.CLIENT_CHOICES
        return None

    def _chosen(self, client: Client) -> Client:
        """The client found, shown by name in the text box and kept by id in the hidden field."""
        self.data = self.data.copy()
        self.data["client"], self.data["q"] = str(client.pk), client.name
        return client

    def _set_contract_choices(self) -> None:
        choices = [(ALL_CONTRACTS, gettext("Все договоры")), (WITHOUT_CONTRACT, gettext("— без договора —"))]
        choices += [(str(c.pk), ledger.contract_title(c)) for c in self.contracts]
        self.fields["contract"].widget.choices = choices

    def scope(self) -> ledger.Scope | None:
        """What the report covers, the client being found; what cannot be read is left out with a
        message in `problems`."""
        if self.client is None:
            return None
        cleaned = getattr(self, "cleaned_data", {})
        today = timezone.localdate()
        start, end = cleaned.get("start"), cleaned.get("end")
        if any(name in self.errors for name in ("start", "end")):
            self.problems.append(
                gettext("Период задан неверно (см. поля отбора): отчёт построен за всё время по %(today)s.")
                % {"today": ledger.day(today)}
            )
            start, end = None, today
        contract, without = None, False
        chosen = cleaned.get("contract") or ALL_CONTRACTS
        if chosen == WITHOUT_CONTRACT:
            without = True
        elif chosen != ALL_CONTRACTS:
            contract = next((c for c in self.contracts if str(c.pk) == chosen), None)
            if contract is None and not self.found_by_name:  # another client's contract is simply dropped
                self.problems.append(gettext("У клиента нет такого договора: отчёт построен по всем договорам."))
        return ledger.Scope(
            client=self.client,
            start=start,
            end=end or today,
            contract=contract,
            without_contract=without,
        )

    def candidate_query(self, client: Client) -> str:
        """The query string that chooses `client` among the candidates, keeping the period."""
        cleaned = getattr(self, "cleaned_data", {})
        data = {"client": client.pk, "q": client.name}
        data.update({name: cleaned[name].strftime(ISO_DATE) for name in ("start", "end") if cleaned.get(name)})
        return urlencode(data)
