"""The forms of «Сохранённые отборы» (crm.saved_views) post here; each answers with the list again:
the view just saved or changed opened, or, after a refusal, the list as it was with the reason."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm import saved_views
from crm.access import role_required
from crm.models import SavedView


def _list_address(request: HttpRequest, view: SavedView | None = None) -> str:
    """The list the form was on (`next`, a path of this site), with the view or the query sent."""
    path = request.POST.get("next", "")
    if not (path.startswith("/") and url_has_allowed_host_and_scheme(path, allowed_hosts={request.get_host()})):
        path = "/"
    if view is not None:
        return saved_views.view_address(path, view)
    query = saved_views.normalised_query(request.POST.get("query", ""))
    return f"{path}?{query}" if query else path


def _columns(request: HttpRequest) -> list[str] | None:
    return request.POST.getlist("columns") if request.POST.get("with_columns") else None


def _refused(request: HttpRequest, error: saved_views.SavedViewError) -> HttpResponse:
    messages.error(request, str(error))
    return HttpResponseRedirect(_list_address(request))


@require_POST
@role_required()
def saved_view_create(request: HttpRequest) -> HttpResponse:
    """«Сохранить отбор…»."""
    post = request.POST
    try:
        view = saved_views.save_view(
            request.user,
            post.get("key", ""),
            post.get("name", ""),
            post.get("query", ""),
            _columns(request),
            post.get("share", ""),
        )
    except saved_views.SavedViewError as error:
        return _refused(request, error)
    messages.success(request, _("Отбор «%(name)s» сохранён.") % {"name": view.name})
    return HttpResponseRedirect(_list_address(request, view))


@require_POST
@role_required()
def saved_view_update(request: HttpRequest, pk: int) -> HttpResponse:
    """«Изменить»: the view takes the list's current state."""
    view = saved_views.changeable_view(request.user, pk)
    try:
        saved_views.update_view(view, request.POST.get("query", ""), _columns(request), request.POST.get("share", ""))
    except saved_views.SavedViewError as error:
        return _refused(request, error)
    messages.success(request, _("Отбор «%(name)s» изменён.") % {"name": view.name})
    return HttpResponseRedirect(_list_address(request, view))


@require_POST
@role_required()
def saved_view_rename(request: HttpRequest, pk: int) -> HttpResponse:
    """«Переименовать»."""
    view = saved_views.changeable_view(request.user, pk)
    try:
        saved_views.rename_view(view, request.POST.get("name", ""))
    except saved_views.SavedViewError as error:
        return _refused(request, error)
    return HttpResponseRedirect(_list_address(request, view))


@require_POST
@role_required()
def saved_view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """«Удалить»: the list stays as it was, without the view."""
    view = saved_views.changeable_view(request.user, pk)
    saved_views.delete_view(view)
    messages.success(request, _("Отбор «%(name)s» удалён.") % {"name": view.name})
    return HttpResponseRedirect(_list_address(request))
