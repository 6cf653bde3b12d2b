from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from crm import login_limits
from crm.access import role_required


class RateLimitedAuthenticationForm(AuthenticationForm):
    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        if login_limits.is_locked(username, address):
            raise forms.ValidationError(
                _("Слишком много неудачных попыток входа. Попробуйте снова через %(minutes)s мин.")
                % {"minutes": max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)},
                code="locked",
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            login_limits.record_failure(username, address)
            raise
        login_limits.reset(username)
        return cleaned


class RateLimitedLoginView(auth_views.LoginView):
    form_class = RateLimitedAuthenticationForm
    redirect_authenticated_user = True


@role_required()
def service_index(request: HttpRequest) -> HttpResponse:
    return render(request, "crm/service.html")
