"""«Воронка продаж»: the kanban board of one funnel and its columns' next pages («Ещё»). A card
dropped on another column is moved by funnel.views.deals.deal_move."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from crm.access import role_required
from crm.saved_views import Picker
from funnel import access
from funnel.forms import BoardFilterForm, MoveForm
from funnel.models import Deal, Funnel, Stage
from funnel.querysets import board_columns, cursor_of, next_cards, parse_cursor


def _chosen_funnel(request: HttpRequest, funnels: list[Funnel]) -> Funnel | None:
    pk = request.GET.get("funnel", "")
    return next((f for f in funnels if str(f.pk) == pk), funnels[0] if funnels else None)


@require_GET
@role_required()
def board(request: HttpRequest) -> HttpResponse:
    funnels = list(Funnel.objects.filter(is_active=True))
    funnel = _chosen_funnel(request, funnels)
    form = BoardFilterForm(request.GET or None)
    columns = []
    if funnel is not None:
        stages = list(funnel.stages.filter(is_active=True).order_by("order", "pk"))
        deals = form.apply(access.visible_deals(Deal.objects.filter(funnel=funnel), request.user))
        columns = board_columns(deals, stages)
    context = {
        "funnels": funnels,
        "funnel": funnel,
        "form": form,
        "columns": columns,
        "filter_query": form.querystring(),
        "move_form": MoveForm(),
        "may_set_up": access.may_set_up_funnels(request.user),
        "reset_url": f"?funnel={funnel.pk}" if funnel else "",
        "saved_views": Picker(request, "deals"),
    }
    return render(request, "funnel/board.html", context)


@require_GET
@role_required()
def board_column(request: HttpRequest, pk: int) -> HttpResponse:
    """«Ещё»: the next page of a column, after the card named by `after`."""
    stage = get_object_or_404(Stage.objects.select_related("funnel"), pk=pk, is_active=True)
    after = parse_cursor(request.GET.get("after", ""))
    form = BoardFilterForm(request.GET)
    if after is None or not form.is_valid():
        return HttpResponse(_("Не удалось загрузить сделки: обновите страницу."), status=400)
    deals = form.apply(access.visible_deals(Deal.objects.filter(funnel=stage.funnel_id), request.user))
    page, more = next_cards(deals, stage, after)
    context = {
        "deals": page,
        "more": more,
        "next_cursor": cursor_of(page[-1]) if page else "",
        "stage": stage,
        "funnel": stage.funnel,
        "filter_query": form.querystring(),
    }
    return render(request, "funnel/_cards.html", context)
