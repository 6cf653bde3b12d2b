"""«Договоры» of a client: the credit terms — «Сумма кредита» and «Глубина кредита». They belong to
the client card: whoever reads the card reads them, whoever may edit the card changes them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from clients import access as client_access
from clients.models import Client
from crm import merge
from crm.access import role_required
from sales import access, services
from sales.forms import ContractForm
from sales.models import Contract, Invoice


@require_http_methods(["GET"])
@role_required()
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contract = get_object_or_404(Contract.objects.select_related("client"), pk=pk)
    may_change = client_access.works_with(contract.client, request.user)
    context = {"contract": contract, "may_change": may_change, "usage": None}
    if access.documents_visible(contract.client, request.user):
        # What the contract's open invoices owe now, against its credit limit.
        open_invoices = Invoice.objects.filter(contract=contract, open_amount__gt=0).exclude(
            status=Invoice.Status.CANCELLED
        )
        context["usage"] = open_invoices.aggregate(
            open=Sum("open_amount"),
            shipped=Sum("open_amount", filter=Q(status=Invoice.Status.SHIPPED)),
        )
    return render(request, "sales/contract_detail.html", context)


@require_http_methods(["GET", "POST"])
@role_required()
def contract_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if pk is None:
        client_pk = request.GET.get("client", "")
        client = get_object_or_404(Client, pk=client_pk) if client_pk.isdigit() else None
        if client is None:
            messages.error(request, _("Договор заключается с клиентом: откройте его из карточки клиента."))
            return redirect("sales:contract_list")
        contract = Contract(client=client)
    else:
        contract = get_object_or_404(Contract.objects.select_related("client"), pk=pk)
    if not client_access.works_with(contract.client, request.user):
        raise PermissionDenied
    form = ContractForm(request.POST or None, instance=contract)
    if request.method == "POST":
        if form.is_valid():
            try:
                contract = services.update_contract(contract, **form.changes()) if contract.pk else form.save()
            except merge.EditConflict as conflict:
                form.rebase(form.stored(conflict.row), conflict.theirs)
                messages.error(request, merge.CONFLICT_MESSAGE)
                return render(request, "sales/contract_form.html", {"form": form, "contract": contract}, status=409)
            messages.success(request, _("Договор %(contract)s записан.") % {"contract": contract})
            return redirect("sales:contract_detail", contract.pk)
        status = 400
    else:
        status = 200
    return render(request, "sales/contract_form.html", {"form": form, "contract": contract}, status=status)


def contract_create(request: HttpRequest) -> HttpResponse:
    return contract_edit(request)
