"""«Уведомления»: the user's own notices (the bell's page), opening and marking them read, the
bell's count for the top bar, and «Настройка уведомлений». Every row is the user's own: another
user's notice is 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.access import role_required
from notifications import services
from notifications.forms import PreferenceForm

PAGE = 50


@require_GET
@role_required()
def notification_list(request: HttpRequest) -> HttpResponse:
    only_unread = request.GET.get("unread") == "1"
    rows = services.unread(request.user) if only_unread else services.feed(request.user)
    page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "only_unread": only_unread, "unread": services.unread_count(request.user)}
    return render(request, "notifications/list.html", context)


@require_GET
def bell_count(request: HttpRequest) -> HttpResponse:
    """The bell's badge (htmx, every minute at most): the count alone, none of the pages' context."""
    return HttpResponse(
        render_to_string("notifications/_bell_count.html", {"count": services.unread_count(request.user)})
    )


@require_GET
@role_required()
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """A notice's link from the bell's page: marked read, then the object it is about."""
    notification = get_object_or_404(services.feed(request.user), pk=pk)
    services.mark_read(request.user, [notification.pk])
    link = notification.link
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        return redirect(link)
    return redirect("notifications:list")


@require_POST
@role_required()
def read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(services.feed(request.user), pk=pk)
    services.mark_read(request.user, [notification.pk])
    return redirect("notifications:list")


@require_POST
@role_required()
def read_all(request: HttpRequest) -> HttpResponse:
    count = services.mark_read(request.user)
    messages.success(request, _("Прочитано уведомлений: %(count)s.") % {"count": count})
    return redirect("notifications:list")


@require_http_methods(["GET", "POST"])
@role_required()
def preference_edit(request: HttpRequest) -> HttpResponse:
    preference = services.preference(request.user)
    form = PreferenceForm(request.POST if request.method == "POST" else None, preference=preference)
    if form.is_bound:
        if form.is_valid():
            services.save_preference(
                request.user,
                bell_off=form.switched_off("bell"),
                email_off=form.switched_off("email"),
                digest_at=form.cleaned_data["digest_at"],
            )
            messages.success(request, _("Настройка уведомлений записана."))
            return redirect("notifications:settings")
        return render(request, "notifications/settings.html", {"form": form}, status=400)
    return render(request, "notifications/settings.html", {"form": form})
