"""«Пересчитать ABC/XYZ-классы» on demand (the job also runs daily)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm import roles
from crm.access import role_required
from sales import jobs


@require_POST
@role_required(roles.SUPERVISOR, roles.ADMINISTRATOR)
def recalculate_classes(request: HttpRequest) -> HttpResponse:
    jobs.recalculate_classes.delay_on_commit()
    messages.success(request, _("ABC/XYZ-классы клиентов пересчитываются по отгрузкам за последние 12 месяцев."))
    return redirect("service")
