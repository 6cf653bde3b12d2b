"""«Настройки воронок» for sales heads and administrators: funnels, their stages (added, renamed,
put in order by drag and drop, retired with their deals moved elsewhere) and the lost reasons.
Every change goes through funnel.services or a one-row form; bad input is a message, never a 500."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.db import IntegrityError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.access import role_required
from funnel import services
from funnel.access import SETTINGS_ROLES
from funnel.forms import FunnelForm, LostReasonForm, RetireStageForm, StageForm
from funnel.models import Deal, Funnel, LostReason, Stage
from funnel.services import FunnelError
from funnel.views.web_leads import web_form


def _settings_url(funnel: Funnel | None = None, anchor: str = "") -> str:
    url = reverse("funnel:settings")
    if funnel is not None:
        url += f"?funnel={funnel.pk}"
    return url + (f"#{anchor}" if anchor else "")


def _page(
    request: HttpRequest,
    funnel: Funnel | None,
    *,
    status: int = 200,
    new_funnel_form: FunnelForm | None = None,
    funnel_form: FunnelForm | None = None,
    stage_form: StageForm | None = None,
    edited_stage: StageForm | None = None,
    reason_form: LostReasonForm | None = None,
    edited_reason: LostReasonForm | None = None,
) -> HttpResponse:
    funnels = list(Funnel.objects.all())
    if funnel is None and funnels:
        pk = request.GET.get("funnel", "")
        funnel = next((f for f in funnels if str(f.pk) == pk), next((f for f in funnels if f.is_active), funnels[0]))
    stages, retired = [], []
    if funnel is not None:
        counts = dict(Deal.objects.filter(funnel=funnel).order_by().values_list("stage_id").annotate(n=Count("id")))
        for stage in funnel.stages.order_by("order", "pk"):
            form = edited_stage if edited_stage is not None and edited_stage.instance.pk == stage.pk else None
            row = {"stage": stage, "deals": counts.get(stage.pk, 0)}
            row["form"] = form or StageForm(instance=stage, funnel=funnel, prefix=f"stage-{stage.pk}")
            (stages if stage.is_active else retired).append(row)
    reasons = []
    for reason in LostReason.objects.all():
        form = edited_reason if edited_reason is not None and edited_reason.instance.pk == reason.pk else None
        reasons.append(
            {"reason": reason, "form": form or LostReasonForm(instance=reason, prefix=f"reason-{reason.pk}")}
        )
    context = {
        "funnels": funnels,
        "funnel": funnel,
        "new_funnel_form": new_funnel_form or FunnelForm(prefix="new"),
        "funnel_form": funnel_form or (FunnelForm(instance=funnel, prefix="funnel") if funnel else None),
        "stage_form": stage_form or (StageForm(funnel=funnel, prefix="stage") if funnel else None),
        "stages": stages,
        "retired": retired,
        "reasons": reasons,
        "reason_form": reason_form or LostReasonForm(prefix="reason"),
        "web_form": web_form(request, funnel) if funnel else None,
    }
    return render(request, "funnel/settings.html", context, status=status)


@require_GET
@role_required(*SETTINGS_ROLES)
def funnel_settings(request: HttpRequest) -> HttpResponse:
    return _page(request, None)


@require_POST
@role_required(*SETTINGS_ROLES)
def funnel_create(request: HttpRequest) -> HttpResponse:
    form = FunnelForm(request.POST, prefix="new")
    if not form.is_valid():
        return _page(request, None, status=400, new_funnel_form=form)
    data = form.cleaned_data
    try:
        funnel = services.create_funnel(name=data["name"], kind=data["kind"], requires_amount=data["requires_amount"])
    except IntegrityError:  # the same name, added meanwhile
        form.add_error("name", _("Воронка «%(name)s» уже есть.") % {"name": data["name"]})
        return _page(request, None, status=400, new_funnel_form=form)
    messages.success(request, _("Воронка «%(name)s» создана. Добавьте её этапы «В работе».") % {"name": funnel.name})
    return redirect(_settings_url(funnel))


@require_POST
@role_required(*SETTINGS_ROLES)
def funnel_edit(request: HttpRequest, pk: int) -> HttpResponse:
    funnel = get_object_or_404(Funnel, pk=pk)
    form = FunnelForm(request.POST, instance=copy.copy(funnel), prefix="funnel")
    if not form.is_valid():
        return _page(request, funnel, status=400, funnel_form=form)
    try:
        funnel = form.save()
    except IntegrityError:
        form.add_error("name", _("Воронка «%(name)s» уже есть.") % {"name": form.cleaned_data["name"]})
        return _page(request, funnel, status=400, funnel_form=form)
    messages.success(request, _("Воронка «%(name)s» записана.") % {"name": funnel.name})
    return redirect(_settings_url(funnel))


@require_POST
@role_required(*SETTINGS_ROLES)
def stage_add(request: HttpRequest, pk: int) -> HttpResponse:
    funnel = get_object_or_404(Funnel, pk=pk)
    form = StageForm(request.POST, funnel=funnel, prefix="stage")
    if not form.is_valid():
        return _page(request, funnel, status=400, stage_form=form)
    try:
        stage = services.add_stage(funnel, form.save(commit=False))
    except IntegrityError:
        form.add_error("name", _("В воронке уже есть этап «%(name)s».") % {"name": form.cleaned_data["name"]})
        return _page(request, funnel, status=400, stage_form=form)
    messages.success(request, _("Этап «%(name)s» добавлен.") % {"name": stage.name})
    return redirect(_settings_url(funnel, f"stage-{stage.pk}"))


@require_POST
@role_required(*SETTINGS_ROLES)
def stage_edit(request: HttpRequest, pk: int) -> HttpResponse:
    stage = get_object_or_404(Stage.objects.select_related("funnel"), pk=pk)
    funnel = stage.funnel
    form = StageForm(request.POST, instance=copy.copy(stage), funnel=funnel, prefix=f"stage-{stage.pk}")
    if not form.is_valid():
        return _page(request, funnel, status=400, edited_stage=form)
    data = form.cleaned_data
    try:
        stage = services.update_stage(
            stage,
            name=data["name"],
            kind=data["kind"],
            probability=data["probability"],
            expected_days=data["expected_days"],
        )
    except FunnelError as error:
        form.add_error("kind", str(error))
        messages.error(request, str(error))
        return _page(request, funnel, status=409, edited_stage=form)
    except IntegrityError:
        form.add_error("name", _("В воронке уже есть этап «%(name)s».") % {"name": data["name"]})
        return _page(request, funnel, status=400, edited_stage=form)
    messages.success(request, _("Этап «%(name)s» записан.") % {"name": stage.name})
    return redirect(_settings_url(funnel, f"stage-{stage.pk}"))


@require_POST
@role_required(*SETTINGS_ROLES)
def stage_reorder(request: HttpRequest, pk: int) -> HttpResponse:
    """A drop in the list of stages: the ids of the funnel's stages in use, in their new order."""
    funnel = get_object_or_404(Funnel, pk=pk)
    as_json = "application/json" in request.headers.get("Accept", "")
    raw = request.POST.getlist("stage")
    try:
        services.reorder_stages(funnel, [int(x) for x in raw])
    except (ValueError, FunnelError) as error:
        text = str(error) if isinstance(error, FunnelError) else _("Порядок этапов не сохранён: обновите страницу.")
        if as_json:
            return JsonResponse({"error": text}, status=409)
        messages.error(request, text)
        return redirect(_settings_url(funnel))
    if as_json:
        return JsonResponse({"funnel": funnel.pk, "stages": raw})
    messages.success(request, _("Порядок этапов сохранён."))
    return redirect(_settings_url(funnel))


@require_http_methods(["GET", "POST"])
@role_required(*SETTINGS_ROLES)
def stage_retire(request: HttpRequest, pk: int) -> HttpResponse:
    """«Не использовать»: asks where the stage's deals go, then moves them (a transition each) and
    retires the stage."""
    stage = get_object_or_404(Stage.objects.select_related("funnel"), pk=pk, is_active=True)
    form = RetireStageForm(request.POST if request.method == "POST" else None, stage=stage)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            moved = services.retire_stage(
                stage, user=request.user, move_to=data["move_to"], lost_reason=data["lost_reason"]
            )
        except FunnelError as error:
            messages.error(request, str(error))
            status = 400
        else:
            text = _("Этап «%(stage)s» больше не используется.") % {"stage": stage.name}
            if moved:
                text += " " + _("Перенесено сделок: %(count)s.") % {"count": moved}
            messages.success(request, text)
            return redirect(_settings_url(stage.funnel))
    context = {"stage": stage, "form": form, "deals": stage.deals.count()}
    return render(request, "funnel/stage_retire.html", context, status=status)


@require_POST
@role_required(*SETTINGS_ROLES)
def stage_restore(request: HttpRequest, pk: int) -> HttpResponse:
    stage = services.restore_stage(get_object_or_404(Stage, pk=pk))
    messages.success(request, _("Этап «%(stage)s» снова используется.") % {"stage": stage.name})
    return redirect(_settings_url(stage.funnel, f"stage-{stage.pk}"))


def _reason_funnel(request: HttpRequest) -> Funnel | None:
    pk = request.POST.get("funnel", "")
    return Funnel.objects.filter(pk=pk).first() if pk.isdigit() else None


@require_POST
@role_required(*SETTINGS_ROLES)
def reason_add(request: HttpRequest) -> HttpResponse:
    form = LostReasonForm(request.POST, prefix="reason")
    return _save_reason(request, form, "reason_form", _("Причина «%(name)s» добавлена."))


@require_POST
@role_required(*SETTINGS_ROLES)
def reason_edit(request: HttpRequest, pk: int) -> HttpResponse:
    reason = get_object_or_404(LostReason, pk=pk)
    form = LostReasonForm(request.POST, instance=copy.copy(reason), prefix=f"reason-{reason.pk}")
    return _save_reason(request, form, "edited_reason", _("Причина «%(name)s» записана."))


def _save_reason(request: HttpRequest, form: LostReasonForm, shown_as: str, done: str) -> HttpResponse:
    """Save a lost reason's form; a name that exists already is said on the form, shown on the page
    under `shown_as`."""
    funnel = _reason_funnel(request)
    if form.is_valid():
        try:
            reason = form.save()
        except IntegrityError:
            form.add_error("name", _("Причина «%(name)s» уже есть.") % {"name": form.cleaned_data["name"]})
        else:
            messages.success(request, done % {"name": reason.name})
            return redirect(_settings_url(funnel, "reasons"))
    return _page(request, funnel, status=400, **{shown_as: form})


@require_POST
@role_required(*SETTINGS_ROLES)
def reason_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """«Не использовать» / «Использовать»: a reason no longer used stays on the deals that have it."""
    reason = get_object_or_404(LostReason, pk=pk)
    reason.is_active = not reason.is_active
    reason.save(update_fields=["is_active"])
    if reason.is_active:
        messages.success(request, _("Причина «%(name)s» снова предлагается.") % {"name": reason.name})
    else:
        messages.success(request, _("Причина «%(name)s» больше не предлагается.") % {"name": reason.name})
    return redirect(_settings_url(_reason_funnel(request), "reasons"))
