from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm import runs
from crm.access import role_required


class LockMessageMixin:
    """A login form that says so when the login limiter (crm.login_limits) refused the account,
    instead of «wrong password»."""

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            if getattr(self.request, "login_locked", False):
                raise forms.ValidationError(
                    _("Слишком много неудачных попыток входа. Попробуйте снова через %(minutes)s мин.")
                    % {"minutes": max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)},
                    code="locked",
                ) from None
            raise


class RateLimitedAuthenticationForm(LockMessageMixin, AuthenticationForm):
    pass


class RateLimitedAdminAuthenticationForm(LockMessageMixin, AdminAuthenticationForm):
    pass


class RateLimitedLoginView(auth_views.LoginView):
    form_class = RateLimitedAuthenticationForm
    redirect_authenticated_user = True


@role_required()
def service_index(request: HttpRequest) -> HttpResponse:
    return render(request, "crm/service.html")


@require_POST
@role_required()
def run_retry(request: HttpRequest, label: str, pk: str) -> HttpResponse:
    """«Запустить ещё раз» on the page of a failed background run (crm.runs)."""
    model = next((m for m in runs.run_models() if m._meta.label_lower == label), None)
    if model is None:
        raise Http404
    try:
        run = model.objects.get(pk=pk)
    except (model.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
    if not run.may_retry(request.user):
        raise Http404
    try:
        runs.retry(run)
    except runs.QueueUnavailable as error:
        messages.error(request, str(error))
    return redirect(run)
