"""The reports' index; each report's page is in its family's package (reports/<family>/views.py)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from crm import roles
from crm.access import role_required
from reports.base import MANAGEMENT_ROLES


@require_GET
@role_required()
def index(request: HttpRequest) -> HttpResponse:
    context = {"may_see_management_reports": roles.has_any_role(request.user, *MANAGEMENT_ROLES)}
    return render(request, "reports/index.html", context)
