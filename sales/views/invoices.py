"""«Заявки-накладные»: an invoice with its lines and payments, the form, the statuses.
Views parse and render; sales.services changes the documents."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from clients import access as client_access
from crm import merge
from crm.access import role_required
from sales import access, services
from sales.forms import InvoiceForm, InvoiceLineFormSet, ShipForm, products_for
from sales.models import Invoice, InvoiceLine
from sales.services import NEXT_STATUS, STATUS_ACTIONS, SalesError
from sales.tables import money

Status = Invoice.Status
CLOSED = (Status.SHIPPED, Status.CANCELLED)


def _visible_invoice(request: HttpRequest, pk: int) -> Invoice:
    related = Invoice.objects.select_related("client", "contract", "manager", "project")
    return access.visible_document_or_404(related, pk, request.user)


def _detail_context(request: HttpRequest, invoice: Invoice, ship_form: ShipForm | None = None) -> dict:
    may_change = client_access.works_with(invoice.client, request.user)
    actions = [(status, STATUS_ACTIONS[status]) for status in NEXT_STATUS[invoice.status]] if may_change else []
    return {
        "invoice": invoice,
        "lines": list(invoice.lines.select_related("product")),
        "allocations": list(invoice.allocations.select_related("payment").order_by("payment__date", "payment_id")),
        "paid": invoice.total - invoice.open_amount,
        "may_change": may_change,
        "may_edit": may_change and invoice.status not in CLOSED,
        "may_pay": may_change and invoice.open_amount > 0 and invoice.status != Status.CANCELLED,
        "actions": [(s, label) for s, label in actions if s != Status.SHIPPED],
        "ship_action": STATUS_ACTIONS[Status.SHIPPED] if any(s == Status.SHIPPED for s, _label in actions) else None,
        "ship_form": ship_form or ShipForm(invoice=invoice),
    }


@require_http_methods(["GET"])
@role_required()
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _visible_invoice(request, pk)
    return render(request, "sales/invoice_detail.html", _detail_context(request, invoice))


@require_POST
@role_required()
def invoice_status(request: HttpRequest, pk: int) -> HttpResponse:
    """A status button: «В работу», «Готова к отгрузке», «Отгрузить» (with the shipment date),
    «Отменить». `from` is the status the page showed, to explain a click on a stale page."""
    invoice = _visible_invoice(request, pk)
    if not client_access.works_with(invoice.client, request.user):
        raise PermissionDenied
    status = request.POST.get("status", "")
    if status not in STATUS_ACTIONS:
        raise Http404
    ship_form = None
    shipped_on = None
    if status == Status.SHIPPED and invoice.status != Status.CANCELLED:
        ship_form = ShipForm(request.POST, invoice=invoice)
        if not ship_form.is_valid():
            messages.error(request, _("Заявка не отгружена: проверьте дату отгрузки."))
            context = _detail_context(request, invoice, ship_form)
            return render(request, "sales/invoice_detail.html", context, status=400)
        shipped_on = ship_form.cleaned_data["shipped_on"]
    try:
        invoice = services.set_status(invoice, status, shipped_on=shipped_on)
    except SalesError as error:
        shown = request.POST.get("from", "")
        if shown and shown != invoice.status:
            error = SalesError(
                _("Пока страница была открыта, статус заявки изменился: сейчас «%(status)s». %(reason)s")
                % {"status": invoice.get_status_display(), "reason": error}
            )
        messages.error(request, str(error))
        context = _detail_context(request, invoice, ship_form)
        return render(request, "sales/invoice_detail.html", context, status=409)
    messages.success(
        request, _("%(invoice)s: %(status)s.") % {"invoice": invoice, "status": invoice.get_status_display()}
    )
    return redirect(invoice)


def _product_prices(products) -> dict[str, str]:
    return {str(p.pk): number_format(p.price, decimal_pos=2) for p in products}


@require_http_methods(["GET", "POST"])
@role_required()
def invoice_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or change an invoice with its lines. Going over the contract's credit limit is
    warned about, and a second «Записать» with the same contract and total confirms it."""
    if pk is None:
        if not access.may_create_documents(request.user):
            raise PermissionDenied
        invoice = Invoice()
    else:
        invoice = _visible_invoice(request, pk)
        if not client_access.works_with(invoice.client, request.user):
            raise PermissionDenied
        if invoice.status in CLOSED:
            messages.error(request, _("Отгруженную или отменённую заявку изменить нельзя."))
            return redirect(invoice)
    paid = invoice.total - invoice.open_amount
    data = request.POST if request.method == "POST" else None
    initial = {"client": request.GET.get("client")} if pk is None and request.GET.get("client") else {}
    form = InvoiceForm(
        data, instance=invoice, initial=initial, clients=access.clients_for_documents(request.user), user=request.user
    )
    products = products_for(invoice)
    formset = InvoiceLineFormSet(
        data,
        instance=invoice,
        prefix="lines",
        products=products,
        queryset=InvoiceLine.objects.filter(invoice=invoice) if invoice.pk else InvoiceLine.objects.none(),
    )
    over_limit = lines_conflict = None
    status = 200
    invalid = data is not None and not (form.is_valid() & formset.is_valid())
    if data is not None and not invalid:
        lines = formset.lines()
        total = sum((line.amount for line in lines), Decimal("0.00"))
        client, contract = form.cleaned_data["client"], form.cleaned_data["contract"]
        token = f"{contract.pk if contract else ''}:{total}"
        limit = services.would_exceed_limit(client, contract, total - paid, invoice=invoice)
        if limit is not None and form.cleaned_data.get("confirm_limit") != token:
            over_limit = {"limit": limit, "total": total, "contract": contract}
            form.data = form.data.copy()
            form.data[form.add_prefix("confirm_limit")] = token
        else:
            try:
                if invoice.pk:
                    # Lines the user did not touch (or gave up for a colleague's) stay as stored.
                    mine = formset.has_changed() and request.POST.get("lines-keep") != merge.THEIRS
                    seen = form.cleaned_data["lines_seen"] or None
                    invoice = services.update_invoice(invoice, form.changes(), lines if mine else None, lines_seen=seen)
                else:
                    invoice = services.save_invoice(form.save(commit=False), lines)
            except SalesError as error:
                messages.error(request, str(error))
                status = 409
            except merge.EditConflict as conflict:
                theirs = dict(conflict.theirs)
                lines_conflict = theirs.pop("lines", None)
                form.rebase(form.stored(conflict.row), theirs)
                form.data[form.add_prefix("lines_seen")] = services.lines_fingerprint(conflict.row.lines.all())
                messages.error(request, merge.CONFLICT_MESSAGE)
                status = 409
            else:
                messages.success(request, _("%(invoice)s записана.") % {"invoice": invoice})
                return redirect(invoice)
    if invalid:
        status = 400
    context = {
        "invoice": invoice,
        "form": form,
        "formset": formset,
        "invalid": invalid,
        "over_limit": over_limit,
        "lines_conflict": lines_conflict,
        "product_prices": _product_prices(products),
        "saved_total": money(invoice.total) if invoice.pk else None,
    }
    return render(request, "sales/invoice_form.html", context, status=status)


def invoice_create(request: HttpRequest) -> HttpResponse:
    return invoice_edit(request)
