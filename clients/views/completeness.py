"""«Обязательные реквизиты»: what a complete client card has. Saving recomputes every client's
«Заполненность» in a Celery job."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from clients import completeness, services
from clients.forms import RequiredFieldsForm
from clients.models import Client, ContactInfoKind, ExtraField, RequiredProperty
from crm import roles, runs
from crm.access import role_required


@role_required(roles.SUPERVISOR, roles.ADMINISTRATOR)
def required_fields(request: HttpRequest) -> HttpResponse:
    initial = {
        "properties": list(RequiredProperty.objects.values_list("name", flat=True)),
        "kinds": list(ContactInfoKind.objects.filter(required=True)),
        "fields": list(ExtraField.objects.filter(required=True)),
    }
    form = RequiredFieldsForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.require(
                properties=form.cleaned_data["properties"],
                kind_ids=[k.pk for k in form.cleaned_data["kinds"]],
                field_ids=[f.pk for f in form.cleaned_data["fields"]],
            )
        except runs.QueueUnavailable as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Обязательные реквизиты записаны. Заполненность карточек пересчитывается."))
            return redirect("clients:required_fields")
    return render(request, "clients/required_fields.html", {"form": form}, status=400 if form.is_bound else 200)


@role_required()
def client_completeness(request: HttpRequest, pk: int) -> HttpResponse:
    """The card's «Заполненность» with what is missing, drawn when the card has loaded (htmx): the
    card's own queries stay as they are."""
    client = get_object_or_404(Client, pk=pk)
    lacking, required = completeness.lacking_of(client)
    context = {"client": client, "lacking": lacking, "required": required}
    return render(request, "clients/_completeness.html", context)
