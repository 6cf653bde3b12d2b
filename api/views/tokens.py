"""«API-ключи»: the logged-in user's own tokens — make one (its secret shown once), list, revoke."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from api.services import tokens
from crm.access import role_required


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Наименование"),
        max_length=100,
        widget=forms.TextInput(
            attrs={"class": "form-control form-control-sm", "placeholder": gettext_lazy("Например, 1С:Бухгалтерия")}
        ),
    )


@require_http_methods(["GET", "POST"])
@role_required()
def token_list(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    secret = ""
    if request.method == "POST" and form.is_valid():
        _row, secret = tokens.create_token(request.user, form.cleaned_data["name"])
        form = TokenForm()
    context = {"form": form, "secret": secret, "tokens": tokens.tokens_of(request.user)}
    return render(request, "api/tokens.html", context, status=400 if form.errors else 200)


@require_POST
@role_required()
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    if tokens.revoke_token(request.user, pk):
        messages.success(request, _("Ключ отозван: запросы с ним больше не принимаются."))
    return redirect("api:tokens")
