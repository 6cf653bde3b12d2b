"""«Оплаты от покупателей»: a payment with its allocations and «Распределить», the form."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from clients import access as client_access
from crm.access import role_required
from sales import access, services
from sales.forms import AllocationForm, PaymentForm
from sales.models import Invoice, Payment
from sales.services import SalesError
from sales.tables import money


def _visible_payment(request: HttpRequest, pk: int) -> Payment:
    related = Payment.objects.select_related("client", "contract", "manager", "project")
    return access.visible_document_or_404(related, pk, request.user)


def _changeable_payment(request: HttpRequest, pk: int) -> Payment:
    payment = _visible_payment(request, pk)
    if not client_access.works_with(payment.client, request.user):
        raise PermissionDenied
    return payment


def _detail_context(request: HttpRequest, payment: Payment, allocation_form: AllocationForm | None = None) -> dict:
    may_change = client_access.works_with(payment.client, request.user)
    context = {
        "payment": payment,
        "allocations": list(payment.allocations.select_related("invoice").order_by("invoice__date", "invoice_id")),
        "may_change": may_change,
        "allocation_form": None,
    }
    if may_change and payment.unallocated > 0:
        invoices = list(services.open_invoices(payment.client).select_related("contract"))
        context["allocation_form"] = allocation_form or AllocationForm(invoices=invoices)
    return context


def _refused(request: HttpRequest, payment: Payment, error: str, status: int, **forms) -> HttpResponse:
    messages.error(request, error)
    context = _detail_context(request, payment, **forms)
    return render(request, "sales/payment_detail.html", context, status=status)


@require_http_methods(["GET"])
@role_required()
def payment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    payment = _visible_payment(request, pk)
    return render(request, "sales/payment_detail.html", _detail_context(request, payment))


def _allocated_message(payment: Payment) -> str:
    payment.refresh_from_db(fields=["unallocated"])
    return _("Распределено %(allocated)s, не распределено %(rest)s.") % {
        "allocated": money(payment.amount - payment.unallocated),
        "rest": money(payment.unallocated),
    }


@require_POST
@role_required()
def payment_allocate(request: HttpRequest, pk: int) -> HttpResponse:
    """«Распределить» by hand: the amounts typed against the client's open invoices."""
    payment = _changeable_payment(request, pk)
    invoices = list(services.open_invoices(payment.client).select_related("contract"))
    form = AllocationForm(request.POST, invoices=invoices)
    if not form.is_valid():
        errors = form.non_field_errors() or [_("Оплата не распределена: исправьте отмеченные суммы.")]
        return _refused(request, payment, " ".join(errors), 400, allocation_form=form)
    try:
        services.allocate(payment, form.amounts())
    except SalesError as error:
        return _refused(request, payment, str(error), 409, allocation_form=form)
    messages.success(request, _allocated_message(payment))
    return redirect(payment)


@require_POST
@role_required()
def payment_allocate_oldest(request: HttpRequest, pk: int) -> HttpResponse:
    """«Распределить по старшинству»: the rest of the payment on the oldest unpaid invoices."""
    payment = _changeable_payment(request, pk)
    try:
        allocations = services.allocate_oldest_first(payment)
    except SalesError as error:
        return _refused(request, payment, str(error), 409)
    if not allocations:
        messages.info(request, _("Распределять нечего: нет нераспределённого остатка или неоплаченных заявок."))
    else:
        messages.success(request, _allocated_message(payment))
    return redirect(payment)


@require_POST
@role_required()
def payment_release(request: HttpRequest, pk: int) -> HttpResponse:
    """«Отменить распределение»: the payment's invoices become unpaid by that much again."""
    payment = _changeable_payment(request, pk)
    services.release(payment)
    messages.success(request, _("Распределение оплаты отменено."))
    return redirect(payment)


@require_http_methods(["GET", "POST"])
@role_required()
def payment_create(request: HttpRequest) -> HttpResponse:
    """A new payment, allocated oldest-first on save unless «Распределить автоматически» is
    unticked. From an invoice (`?invoice=`) it starts with that invoice's client, contract and
    what is unpaid."""
    if not access.may_create_documents(request.user):
        raise PermissionDenied
    clients = access.clients_for_documents(request.user)
    initial = {}
    if request.method == "GET":
        invoice_pk = request.GET.get("invoice", "")
        invoice = Invoice.objects.filter(pk=invoice_pk, client__in=clients).first() if invoice_pk.isdigit() else None
        if invoice is not None:
            initial = {"client": invoice.client_id, "contract": invoice.contract_id, "amount": invoice.open_amount}
        elif request.GET.get("client", "").isdigit():
            initial = {"client": request.GET["client"]}
    form = PaymentForm(request.POST or None, initial=initial, clients=clients, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            payment = form.save(commit=False)
            try:
                payment = services.create_payment(payment, allocate_oldest=form.cleaned_data["allocate_oldest"])
            except SalesError as error:
                messages.error(request, str(error))
                status = 409
            else:
                messages.success(
                    request,
                    _("%(payment)s записана. %(allocated)s")
                    % {
                        "payment": payment,
                        "allocated": _allocated_message(payment),
                    },
                )
                return redirect(payment)
        else:
            status = 400
    return render(request, "sales/payment_form.html", {"form": form, "invalid": status == 400}, status=status)
