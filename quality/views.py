"""The two completeness wizards, one engine: each step saves its choices on the stored run (so a
refresh or going back loses nothing), and step 4's «Готово» queues the task generation once."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crm import roles, runs
from crm.access import role_required
from crm.paging import CountedPaginator, count_text
from quality import services
from quality.forms import CHECKS_FORMS, DistributionForm
from quality.models import WizardRun
from quality.services import WizardError

WIZARD_ROLES = (roles.SUPERVISOR, roles.ADMINISTRATOR)
# Step 2's «Контактное лицо» box, read beside the client filter (a longer name is cut, as before).
CONTACT_NAME = forms.CharField(required=False)
CLIENTS_PER_PAGE = 50
# Step 2 posts the list's filter and these, which are not part of it.
NOT_FILTER = ("csrfmiddlewaretoken", "contact_name", "next", "back")
STEPS = (
    (1, gettext_lazy("Что проверять")),
    (2, gettext_lazy("Настройка отбора")),
    (3, gettext_lazy("Выбор клиентов и контактных лиц")),
    (4, gettext_lazy("Распределение")),
    (5, gettext_lazy("Готово")),
)


def _step_url(run: WizardRun, step: int) -> str:
    return reverse("quality:run_step", args=[run.pk, step])


def _draft(pk) -> WizardRun:
    return get_object_or_404(WizardRun, pk=pk)


def _render(request: HttpRequest, run: WizardRun | None, kind: str, step: int, context: dict, status: int = 200):
    context = {
        "run": run,
        "wizard_title": WizardRun.Kind(kind).label,
        "steps": STEPS,
        "step": step,
        **context,
    }
    return render(request, f"quality/step{step}.html", context, status=status)


def _start(request: HttpRequest, kind: str) -> HttpResponse:
    form_class = CHECKS_FORMS[kind]
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        client_checks, contact_checks = form.checks()
        run = WizardRun.objects.create(
            kind=kind, author=request.user, client_checks=client_checks, contact_checks=contact_checks
        )
        return redirect(_step_url(run, 2))
    return _render(request, None, kind, 1, {"form": form}, status=400 if form.is_bound else 200)


@role_required(*WIZARD_ROLES)
def contact_info_wizard(request: HttpRequest) -> HttpResponse:
    """«Клиенты → Сервис → Контроль заполнения контактной информации»."""
    return _start(request, WizardRun.Kind.CONTACT_INFO)


@role_required(*WIZARD_ROLES)
def properties_wizard(request: HttpRequest) -> HttpResponse:
    """«Клиенты → Сервис → Контроль заполнения свойств клиентов»."""
    return _start(request, WizardRun.Kind.PROPERTIES)


@role_required(*WIZARD_ROLES)
def run_step(request: HttpRequest, pk, step: int) -> HttpResponse:
    run = _draft(pk)
    if run.state != WizardRun.State.DRAFT:
        return redirect(run)
    if step == 1:
        return _step1(request, run)
    if step == 2:
        return _step2(request, run)
    if step == 3:
        return _step3(request, run)
    if step == 4:
        return _step4(request, run)
    raise Http404


def _step1(request: HttpRequest, run: WizardRun) -> HttpResponse:
    form_class = CHECKS_FORMS[run.kind]
    form = form_class(request.POST if request.method == "POST" else None, initial=form_class.initial_of(run))
    if request.method == "POST" and form.is_valid():
        run.client_checks, run.contact_checks = form.checks()
        run.save(update_fields=["client_checks", "contact_checks"])
        return redirect(_step_url(run, 2))
    return _render(request, run, run.kind, 1, {"form": form}, status=400 if form.is_bound else 200)


def _step2(request: HttpRequest, run: WizardRun) -> HttpResponse:
    if request.method == "POST":
        data = request.POST.copy()
        for name in NOT_FILTER:
            data.pop(name, None)
        # Empty values say nothing: the stored filter keeps only what was chosen.
        chosen = QueryDict(mutable=True)
        for name, values in data.lists():
            kept = [v for v in values if v != ""]
            if kept:
                chosen.setlist(name, kept)
        filterset = services.filterset(run, chosen)
        try:
            contact_name = CONTACT_NAME.clean(request.POST.get("contact_name", ""))
        except ValidationError as error:  # a NUL character, which the database cannot store
            messages.error(request, " ".join(error.messages))
        else:
            if not filterset.is_bound or filterset.is_valid():
                run.filter_query = chosen.urlencode()
                run.contact_name = contact_name[:255]
                run.save(update_fields=["filter_query", "contact_name"])
                return redirect(_step_url(run, 1 if "back" in request.POST else 3))
        messages.error(request, _("Проверьте условия отбора."))
        context = {"filter": filterset, "contact_name": request.POST.get("contact_name", "")}
        return _render(request, run, run.kind, 2, context, status=400)
    context = {"filter": services.filterset(run), "contact_name": run.contact_name}
    return _render(request, run, run.kind, 2, context)


def _step3(request: HttpRequest, run: WizardRun) -> HttpResponse:
    if request.method == "POST":
        return redirect(_step_url(run, 2 if "back" in request.POST else 4))
    clients = services.clients_in_selection(run)
    paginator = CountedPaginator(clients, CLIENTS_PER_PAGE, count=services.selection_count(run))
    page = paginator.get_page(request.GET.get("page"))
    rows = services.rows_of_page(run, list(page.object_list))
    context = {
        "page": page,
        "rows": rows,
        "clients_total": count_text(paginator.count),
        "pages_total": count_text(paginator.num_pages),
        "excluded_count": len(run.excluded),
    }
    return _render(request, run, run.kind, 3, context)


@require_POST
@role_required(*WIZARD_ROLES)
def run_tick(request: HttpRequest, pk) -> HttpResponse:
    """Tick or untick rows of step 3 (htmx, saved at once)."""
    run = _draft(pk)
    if run.state != WizardRun.State.DRAFT:
        return HttpResponse(status=409)
    keys = [k for k in request.POST.getlist("key") if k[:1] in ("c", "p") and k[1:].isdigit()]
    services.set_ticked(run, keys, request.POST.get("ticked") == "1")
    run.refresh_from_db(fields=["excluded"])
    return HttpResponse(
        _("Снято отметок: %(count)s") % {"count": len(run.excluded)} if run.excluded else "",
        headers={"Content-Type": "text/plain; charset=utf-8"},
    )


def _step4(request: HttpRequest, run: WizardRun) -> HttpResponse:
    form = DistributionForm(request.POST if request.method == "POST" else None, instance=run)
    if request.method == "POST":
        if "back" in request.POST:
            return redirect(_step_url(run, 3))
        if form.is_valid():
            form.save()
            try:
                services.submit(run)
            except (WizardError, runs.QueueUnavailable) as error:
                form.add_error(None, str(error))
            else:
                return redirect(run)
    context = {"form": form, "without_responsible": services.lacking_without_responsible(run)}
    return _render(request, run, run.kind, 4, context, status=400 if form.is_bound else 200)


@role_required(*WIZARD_ROLES)
def run_detail(request: HttpRequest, pk) -> HttpResponse:
    """Step 5: the progress of the task generation, then the tasks created."""
    run = runs.revive(get_object_or_404(WizardRun.objects.select_related("author", "reviewer", "project"), pk=pk))
    if run.state == WizardRun.State.DRAFT:
        return redirect(_step_url(run, 1))
    context = {"run": run, "made": services.progress(run)}
    if run.state == WizardRun.State.DONE:
        context["tasks"] = list(services.tasks_of(run))
    if request.htmx:
        return render(request, "quality/_run_progress.html", context)
    return _render(request, run, run.kind, 5, context)
