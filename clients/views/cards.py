from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from clients import access, company_data, services
from clients import extra_fields as extra
from clients.forms import (
    ClientForm,
    ClientInfoFormSet,
    ContactInfoKindFormSet,
    ContactPersonFormSet,
    OfferedKinds,
    PersonInfoFormSet,
    card_input,
)
from clients.models import Client, ContactInfo, ContactInfoKind, ContactPerson
from crm import roles
from crm.access import role_required
from crm.panels import CLIENT_CARD


@role_required()
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    client = Client.objects.for_card().filter(pk=pk).first()
    if client is None:
        # A card merged into another (clients.services.merging): its old address leads to the survivor.
        survivor = Client.all_objects.filter(pk=pk, merged_into__isnull=False).values_list("merged_into", flat=True)
        survivor_id = survivor.first()
        if survivor_id is None:
            raise Http404
        return redirect("clients:detail", survivor_id)
    fields = extra.definitions(options=False)  # the card shows values, it offers no list
    contact_fields = extra.for_contacts(fields)
    contact_values = extra.values_of_contacts(client) if contact_fields else {}
    for contact in client.contacts.all():
        values = contact_values.get(contact.pk, {})
        # Only what is filled: a person's card is not a list of dashes.
        contact.extra = [(f, extra.display(f, values[f.pk])) for f in contact_fields if f.pk in values]
    context = {
        "client": client,
        "extra_sections": extra.sections(
            extra.for_client(fields, client), extra.values_of_clients([client.pk]).get(client.pk, {})
        ),
        "history": client.changes.select_related("user")[:50],
        "can_edit": access.works_with(client, request.user),
        "panels": CLIENT_CARD.draw(client, request.user),
    }
    return render(request, "clients/client_detail.html", context)


def _card_forms(request: HttpRequest, client: Client) -> tuple:
    data = request.POST if request.method == "POST" else None
    kinds = list(ContactInfoKind.objects.all())
    client_kinds = [k for k in kinds if k.for_clients]
    person_kinds = OfferedKinds([k for k in kinds if k.for_contacts])  # shared by every person's rows
    fields = extra.definitions()
    if data is not None and data.get("client-kind") in Client.Kind.values:
        # The extra fields that apply to the kind being saved, not the kind it had.
        client.kind = data["client-kind"]
    form = ClientForm(
        data,
        instance=client,
        prefix="client",
        extra_fields=extra.for_client(fields, client),
        extra_values=extra.values_of_clients([client.pk]).get(client.pk, {}) if client.pk else {},
    )
    info_formset = ClientInfoFormSet(data, instance=client, prefix="info", kinds=client_kinds)
    contact_formset = ContactPersonFormSet(
        data,
        instance=client,
        prefix="contacts",
        form_kwargs={
            "extra_fields": extra.for_contacts(fields),
            "extra_values": extra.values_of_contacts(client) if client.pk else {},
        },
        queryset=ContactPerson.objects.order_by("name", "id").prefetch_related(
            Prefetch("contact_info", queryset=ContactInfo.objects.select_related("kind").order_by("id"))
        ),
    )
    # The blank person «Добавить контактное лицо» clones is drawn by the formset (kept drawn).
    contact_formset.person_kinds = person_kinds
    for contact_form in contact_formset.forms:
        contact_form.info_formset = PersonInfoFormSet(
            data, instance=contact_form.instance, prefix=f"{contact_form.prefix}-info", kinds=person_kinds
        )
    return form, info_formset, contact_formset


def _cards_valid(form, info_formset, contact_formset) -> bool:
    valid = form.is_valid() & info_formset.is_valid() & contact_formset.is_valid()
    for contact_form in contact_formset.forms:
        if contact_form in contact_formset.deleted_forms:
            continue
        nested = contact_form.info_formset
        if not nested.is_valid():
            valid = False
        elif nested.has_changed() and contact_form.instance.pk is None and not contact_form.cleaned_data.get("name"):
            contact_form.add_error("name", _("Укажите ФИО контактного лица, чтобы сохранить его контакты."))
            valid = False
    return valid


def _submitted_contact_values(info_formset, contact_formset) -> tuple[set[str], set[str]]:
    emails, phones = set(), set()
    formsets = [info_formset] + [
        f.info_formset for f in contact_formset.forms if f not in contact_formset.deleted_forms
    ]
    for formset in formsets:
        for info_form in formset.forms:
            data = getattr(info_form, "cleaned_data", None) or {}
            kind = data.get("kind")
            if not kind or data.get("DELETE") or not data.get("value"):
                continue
            if kind.value_type == ContactInfoKind.ValueType.EMAIL:
                emails.add(data["value"])
            elif kind.value_type == ContactInfoKind.ValueType.PHONE:
                phones.add(data["value"])
    return emails, phones


@require_http_methods(["GET", "POST"])
@role_required()
def client_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if pk is None:
        client = Client(responsible=request.user)
        if not access.works_with(client, request.user):
            raise PermissionDenied
    else:
        client = access.editable_client(request.user, pk)
    form, info_formset, contact_formset = _card_forms(request, client)
    duplicates: list[services.Duplicate] = []
    stale: services.StaleEdit | services.EditConflict | None = None
    invalid = request.method == "POST" and not _cards_valid(form, info_formset, contact_formset)
    if request.method == "POST" and not invalid:
        emails, phones = _submitted_contact_values(info_formset, contact_formset)
        duplicates = services.find_duplicates(
            inn=form.cleaned_data.get("inn", ""),
            kpp=form.cleaned_data.get("kpp", ""),
            emails=emails,
            phones=phones,
            exclude_pk=client.pk,
        )
        if not duplicates or form.cleaned_data.get("confirm_duplicates"):
            try:
                client = services.save_card(
                    client.pk,
                    card_input(form, info_formset, contact_formset),
                    user=request.user,
                    expected_version=form.cleaned_data.get("version"),
                )
            except (services.StaleEdit, services.EditConflict) as error:
                stale = error
            else:
                messages.success(request, _("Карточка «%(name)s» сохранена.") % {"name": client.name})
                next_url = request.POST.get("next", "")
                if next_url.startswith("/") and not next_url.startswith("//"):
                    return redirect(next_url)
                return redirect(client)
    if isinstance(stale, services.EditConflict):
        # Start each form again from what is stored now, keeping what this user changed.
        for changed_form, stored, theirs in stale.rebases:
            changed_form.rebase(stored, theirs)
    if stale is not None:
        # Keep everything the user typed, and let a second, informed save go through.
        form.data = form.data.copy()
        form.data[form.add_prefix("version")] = str(stale.client.version)
    if duplicates:
        form.data = form.data.copy()
        form.data[form.add_prefix("confirm_duplicates")] = "on"
    status = 409 if stale else 200
    return render(
        request,
        "clients/client_form.html",
        {
            "client": client,
            "form": form,
            "info_formset": info_formset,
            "contact_formset": contact_formset,
            "duplicates": duplicates,
            "stale": stale,
            "invalid": invalid,
            "next": request.GET.get("next", request.POST.get("next", "")),
        },
        status=status,
    )


def client_create(request: HttpRequest) -> HttpResponse:
    return client_edit(request)


@require_http_methods(["GET", "POST"])
@role_required(roles.SUPERVISOR, roles.ADMINISTRATOR)
def contact_info_kinds(request: HttpRequest) -> HttpResponse:
    """«Виды контактной информации»: the list is user-extensible."""
    formset = ContactInfoKindFormSet(request.POST or None, queryset=ContactInfoKind.objects.all())
    if request.method == "POST" and formset.is_valid():
        formset.save()
        messages.success(request, _("Виды контактной информации сохранены."))
        return redirect("clients:contact_info_kinds")
    return render(request, "clients/contact_info_kinds.html", {"formset": formset})


@require_http_methods(["GET"])
@role_required()
def fill_by_inn(request: HttpRequest) -> HttpResponse:
    """«Заполнить по ИНН»: what the company data service knows about the ИНН, as an htmx partial.
    Nothing is saved: «Подставить» only fills the card form in the browser."""
    inn = request.GET.get("inn") or request.GET.get("client-inn", "")
    return render(request, "clients/_company_data.html", {"lookup": company_data.look_up(inn)})
