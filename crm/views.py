from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

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
