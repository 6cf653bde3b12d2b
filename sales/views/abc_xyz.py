"""«Пересчитать ABC/XYZ-классы» on demand (the job also runs daily)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm import roles, runs
from crm.access import role_required


@require_POST
@role_required(roles.SUPERVISOR, roles.ADMINISTRATOR)
def recalculate_classes(request: HttpRequest) -> HttpResponse:
    try:
        runs.enqueue("sales.recalculate_classes")
    except runs.QueueUnavailable as error:
        messages.error(request, str(error))
        return redirect("service")
    messages.success(request, _("ABC/XYZ-классы клиентов пересчитываются по отгрузкам за последние 12 месяцев."))
    return redirect("service")
