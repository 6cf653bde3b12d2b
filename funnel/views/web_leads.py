"""«Форма для сайта»: the public address a site's form posts a lead to (form-encoded or JSON; no
login, the one view of the project without CSRF: it has no session to protect), and its key on
«Настройки воронок». Refusals are clear answers — JSON for JSON, a plain page for a form —, never
a 500: an address past its limit (429), a body over its size (413), a field too long or invalid
(400), an unknown key (404). The honeypot field «website» is filled by robots only: they are
thanked and nothing is kept."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from crm.access import role_required
from crm.login_limits import address_of
from funnel import services
from funnel.access import SETTINGS_ROLES
from funnel.forms import WebLeadForm
from funnel.models import Funnel
from funnel.services import FunnelError

HONEYPOT = "website"
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
}


class Refused(Exception):
    def __init__(self, status: int, message: str, errors: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.errors = status, message, errors or {}


def _wants_json(request: HttpRequest) -> bool:
    return request.content_type == "application/json" or "application/json" in request.headers.get("Accept", "")


def _answer(request: HttpRequest, status: int, message: str, errors: dict | None = None) -> HttpResponse:
    if _wants_json(request):
        body = {"ok": status < 400, "message": message}
        if errors:
            body["errors"] = errors
        response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    else:
        context = {"ok": status < 400, "message": message, "errors": errors or {}}
        response = render(request, "funnel/web_lead_answer.html", context, status=200 if status < 400 else status)
    for header, value in CORS.items():
        response[header] = value
    return response


def _data(request: HttpRequest) -> dict[str, str]:
    """The fields sent, as text; Refused when the body is too big or not what a form sends."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.WEB_LEAD_MAX_BYTES:
        raise Refused(413, _("Заявка слишком большая: не больше %(n)s байт.") % {"n": settings.WEB_LEAD_MAX_BYTES})
    try:
        if request.content_type == "application/json":
            data = json.loads(request.body or b"null")
            if not isinstance(data, dict):
                raise ValueError
            if not all(
                v is None or (isinstance(v, str | int | float) and not isinstance(v, bool)) for v in data.values()
            ):
                raise ValueError
            return {str(k): "" if v is None else str(v) for k, v in data.items()}
        if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return {key: request.POST.get(key, "") for key in request.POST}
    except (ValueError, UnicodeDecodeError):
        raise Refused(400, _("Тело запроса должно быть JSON-объектом с текстовыми полями.")) from None
    except (RequestDataTooBig, SuspiciousOperation):
        raise Refused(413, _("Заявка слишком большая или содержит слишком много полей.")) from None
    raise Refused(415, _("Отправьте заявку формой (application/x-www-form-urlencoded) или в JSON."))


@csrf_exempt  # a site's form posts here from another origin, without our session or cookie
@login_not_required
@require_http_methods(["POST", "OPTIONS"])
def web_lead(request: HttpRequest, key: str) -> HttpResponse:
    if request.method == "OPTIONS":  # a browser asks before a site's script posts JSON
        response = HttpResponse(status=204)
        for header, value in CORS.items():
            response[header] = value
        return response
    try:
        if not services.may_send(address_of(request)):
            raise Refused(429, _("Слишком много заявок с вашего адреса. Попробуйте позже."))
        data = _data(request)
        funnel = services.funnel_of_key(key)
        if funnel is None:
            raise Refused(404, _("Форма не найдена: проверьте адрес в коде формы на сайте."))
        if data.get(HONEYPOT):
            return _answer(request, 201, _("Спасибо! Заявка принята."))
        form = WebLeadForm(data)
        if not form.is_valid():
            errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
            raise Refused(400, _("Заявка не принята: исправьте поля."), errors)
        try:
            services.create_web_lead(funnel, **form.cleaned_data)
        except FunnelError:  # the funnel has no open stage to take a lead
            raise Refused(503, _("Форма сейчас не принимает заявки. Попробуйте позже или позвоните нам.")) from None
    except Refused as refusal:
        return _answer(request, refusal.status, refusal.message, refusal.errors)
    return _answer(request, 201, _("Спасибо! Заявка принята."))


def web_form(request: HttpRequest, funnel: Funnel) -> dict | None:
    """«Форма для сайта» of a leads funnel on its settings page: the key, the address, the snippet."""
    if funnel.kind != Funnel.Kind.LEADS:
        return None
    if not funnel.public_key:
        return {"key": ""}
    url = request.build_absolute_uri(reverse("web_lead", args=[funnel.public_key]))
    snippet = render_to_string("funnel/web_form_snippet.txt", {"url": url}).strip()
    return {"key": funnel.public_key, "url": url, "snippet": snippet}


@require_POST
@role_required(*SETTINGS_ROLES)
def web_form_key(request: HttpRequest, pk: int) -> HttpResponse:
    """A new key for the funnel's form: the old address stops taking leads."""
    funnel = get_object_or_404(Funnel, pk=pk)
    try:
        services.new_public_key(funnel)
        messages.success(request, _("Новый ключ формы создан: замените код формы на сайте."))
    except FunnelError as error:
        messages.error(request, str(error))
    return redirect(reverse("funnel:settings") + f"?funnel={funnel.pk}#web-form")
