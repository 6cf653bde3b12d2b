"""«Зависшие сделки»: every deal the user sees that sits on an open stage longer than the stage's
expected time, the longest first, a page at a time, with the board's filter (менеджер, период,
источник). «Мои дела» shows the ten oldest of the user's own and links here."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from crm.access import role_required
from crm.saved_views import Picker
from funnel import access
from funnel.forms import BoardFilterForm
from funnel.models import Deal
from funnel.stuck import stuck_deals

PER_PAGE = 50


@require_GET
@role_required()
def stuck_list(request: HttpRequest) -> HttpResponse:
    form = BoardFilterForm(request.GET or None)
    deals = form.apply(access.visible_deals(Deal.objects.all(), request.user))
    stuck = stuck_deals(deals).select_related("funnel", "stage", "client", "manager").order_by("stage_entered_at", "pk")
    page = Paginator(stuck, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "filter_query": form.querystring(),
        "may_set_up": access.may_set_up_funnels(request.user),
        "reset_url": reverse("funnel:stuck"),
        "saved_views": Picker(request, "stuck_deals"),
    }
    return render(request, "funnel/stuck_list.html", context)
