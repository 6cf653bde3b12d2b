"""The htmx lists of a document form: clients found by name or ИНН, and a client's contracts."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from clients.models import Client
from crm.access import role_required
from sales import access
from sales.filters import matching_clients
from sales.forms import contract_choices as contract_options

CLIENT_CHOICES = 20


def client_options(request: HttpRequest, clients: QuerySet[Client]) -> HttpResponse:
    """Up to 20 of `clients` matching the typed text (`?q=`, a name or an ИНН), for a form's client
    box (a document's here, a deal's in funnel)."""
    text = request.GET.get("q", "").strip()
    found = list(clients.filter(pk__in=matching_clients(text)).order_by("name")[:CLIENT_CHOICES]) if text else []
    return render(request, "sales/_client_options.html", {"clients": found, "text": text, "limit": CLIENT_CHOICES})


@require_GET
@role_required()
def client_choices(request: HttpRequest) -> HttpResponse:
    """The clients the user may make documents for."""
    return client_options(request, access.clients_for_documents(request.user))


@require_GET
@role_required()
def contract_choices(request: HttpRequest) -> HttpResponse:
    pk = request.GET.get("client", "")
    client = access.clients_for_documents(request.user).filter(pk=pk).first() if pk.isdigit() else None
    return render(request, "sales/_contract_options.html", {"choices": contract_options(client)})
