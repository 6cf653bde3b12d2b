"""`home`: the role's home page (reports.home.blocks)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from crm.access import role_required
from reports.home import blocks


@require_GET
@role_required()
def home(request: HttpRequest) -> HttpResponse:
    """The blocks of the user's roles; what a manager sees is the manager's own (reports.home.figures)."""
    return render(request, "reports/home/home.html", {"sections": blocks.draw(request.user)})
