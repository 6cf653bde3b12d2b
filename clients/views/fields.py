"""«Настроить поля»: the card's user sections, their fields and list values, set up by a supervisor
without code. Every change goes through clients.services; bad input is a message, never a 500."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.db import IntegrityError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from clients import services
from clients.forms.fields import (
    FieldCreateForm,
    FieldEditForm,
    FieldGroupForm,
    FieldMoveForm,
    FieldOptionForm,
    duplicate_field_error,
)
from clients.models import ExtraField, ExtraFieldOption, FieldGroup
from crm import roles
from crm.access import role_required

SETTINGS_ROLES = (roles.SUPERVISOR, roles.ADMINISTRATOR)


def _groups() -> list[FieldGroup]:
    """Every section with its fields (hidden ones too) and their list values: three queries."""
    fields = ExtraField.objects.order_by("order", "id").prefetch_related("options")
    return list(FieldGroup.objects.order_by("order", "id").prefetch_related(Prefetch("fields", queryset=fields)))


def _page(request: HttpRequest, group_form: FieldGroupForm | None = None) -> HttpResponse:
    context = {"groups": _groups(), "group_form": group_form or FieldGroupForm(prefix="group")}
    return render(request, "clients/fields.html", context)


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@require_http_methods(["GET"])
@role_required(*SETTINGS_ROLES)
def field_settings(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_http_methods(["GET", "POST"])
@role_required(*SETTINGS_ROLES)
def field_create(request: HttpRequest) -> HttpResponse:
    initial = {"group": request.GET.get("group") or FieldGroup.objects.order_by("order", "id").first()}
    form = FieldCreateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            field = services.create_field(
                name=data["name"],
                value_type=data["value_type"],
                applies_to=data["applies_to"],
                group=data["group"],
                required=data["required"],
                options=data["options"],
            )
        except IntegrityError:  # the same name was added meanwhile
            form.add_error("name", duplicate_field_error(data["name"], data["applies_to"]))
        else:
            messages.success(request, _("Поле «%(name)s» добавлено.") % {"name": field.name})
            if field.value_type == ExtraField.ValueType.LIST and not data["options"]:
                return redirect("clients:field_edit", field.pk)
            return redirect("clients:fields")
    return render(request, "clients/fields_field_form.html", {"form": form, "field": None})


def _field_page(
    request: HttpRequest,
    field: ExtraField,
    *,
    form: FieldEditForm | None = None,
    option_form: FieldOptionForm | None = None,
    rename_form: FieldOptionForm | None = None,
) -> HttpResponse:
    """The field's own page: its settings and, for a list, its values with how often each is used.
    `rename_form` is a refused rename of one list value, shown with its error."""
    is_list = field.value_type == ExtraField.ValueType.LIST
    usage = services.option_usage(field) if is_list else {}
    value_count = sum(usage.values()) if is_list else field.values.count()  # one pass over the values
    if form is None:
        form = FieldEditForm(instance=copy.copy(field), value_count=value_count)
    options = []
    for option in field.options.all():
        if rename_form is not None and rename_form.instance.pk == option.pk:
            option_rename = rename_form
        else:
            option_rename = FieldOptionForm(instance=option, field=field, prefix=f"option-{option.pk}")
        options.append((option, usage.get(option.pk, 0), option_rename))
    context = {
        "field": field,
        "form": form,
        "value_count": value_count,
        "options": options,
        "option_form": option_form or FieldOptionForm(field=field, prefix="option"),
    }
    return render(request, "clients/fields_field_form.html", context)


@require_http_methods(["GET", "POST"])
@role_required(*SETTINGS_ROLES)
def field_edit(request: HttpRequest, pk: int) -> HttpResponse:
    field = get_object_or_404(ExtraField.objects.select_related("group"), pk=pk)
    if request.method == "GET":
        return _field_page(request, field)
    form = FieldEditForm(request.POST, instance=copy.copy(field), value_count=field.values.count())
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.update_field(
                field,
                name=data["name"],
                value_type=data["value_type"],
                applies_to=data["applies_to"],
                group=data["group"],
                required=data["required"],
                hidden=data["hidden"],
            )
        except services.FieldSettingsRefused as refusal:
            form.add_error("value_type" if data["value_type"] != field.value_type else "applies_to", str(refusal))
        except IntegrityError:
            form.add_error("name", duplicate_field_error(data["name"], data["applies_to"]))
        else:
            messages.success(request, _("Поле «%(name)s» сохранено.") % {"name": data["name"]})
            return redirect("clients:fields")
    return _field_page(request, field, form=form)


@require_http_methods(["GET", "POST"])
@role_required(*SETTINGS_ROLES)
def field_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Asks first, saying how many values go with the field."""
    field = get_object_or_404(ExtraField.objects.select_related("group"), pk=pk)
    if request.method == "POST":
        deleted = services.delete_field(field)
        messages.success(
            request, _("Поле «%(name)s» удалено, значений удалено: %(count)s.") % {"name": field.name, "count": deleted}
        )
        return redirect("clients:fields")
    return render(request, "clients/fields_field_delete.html", {"field": field, "value_count": field.values.count()})


@require_POST
@role_required(*SETTINGS_ROLES)
def field_move(request: HttpRequest, pk: int) -> HttpResponse:
    """A drop (group + position, from fields.js) or a «↑ ↓» button (direction)."""
    field = get_object_or_404(ExtraField.objects.select_related("group"), pk=pk)
    direction = request.POST.get("direction")
    if direction in ("up", "down"):
        services.move_field_by(field, -1 if direction == "up" else 1)
    else:
        form = FieldMoveForm(request.POST)
        if not form.is_valid():
            if _wants_json(request):
                return JsonResponse({"error": form.error_text()}, status=400)
            messages.error(request, form.error_text())
            return redirect("clients:fields")
        group = get_object_or_404(FieldGroup, pk=form.cleaned_data["group"])
        services.move_field(field, group, form.cleaned_data["position"])
    if _wants_json(request):
        return JsonResponse({"field": field.pk, "group": field.group_id, "position": field.order})
    return redirect(f"{reverse('clients:fields')}#field-{field.pk}")


@require_POST
@role_required(*SETTINGS_ROLES)
def field_group_create(request: HttpRequest) -> HttpResponse:
    form = FieldGroupForm(request.POST, prefix="group")
    if form.is_valid():
        try:
            group = services.create_group(form.cleaned_data["name"])
        except IntegrityError:
            form.add_error("name", _("Группа «%(name)s» уже есть.") % {"name": form.cleaned_data["name"]})
        else:
            messages.success(request, _("Группа «%(name)s» добавлена.") % {"name": group.name})
            return redirect(f"{reverse('clients:fields')}#group-{group.pk}")
    return _page(request, group_form=form)


@require_http_methods(["GET", "POST"])
@role_required(*SETTINGS_ROLES)
def field_group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename a section."""
    group = get_object_or_404(FieldGroup, pk=pk)
    form = FieldGroupForm(request.POST or None, instance=copy.copy(group))
    if request.method == "POST" and form.is_valid():
        try:
            form.save()
        except IntegrityError:
            form.add_error("name", _("Группа «%(name)s» уже есть.") % {"name": form.cleaned_data["name"]})
        else:
            messages.success(request, _("Группа «%(name)s» сохранена.") % {"name": form.instance.name})
            return redirect("clients:fields")
    return render(request, "clients/fields_group_form.html", {"group": group, "form": form})


@require_POST
@role_required(*SETTINGS_ROLES)
def field_group_move(request: HttpRequest, pk: int) -> HttpResponse:
    """«↑ ↓» on a section: the card shows its sections in this order."""
    group = get_object_or_404(FieldGroup, pk=pk)
    services.move_group_by(group, -1 if request.POST.get("direction") == "up" else 1)
    return redirect(f"{reverse('clients:fields')}#group-{group.pk}")


@require_POST
@role_required(*SETTINGS_ROLES)
def field_group_delete(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_object_or_404(FieldGroup, pk=pk)
    try:
        services.delete_group(group)
    except services.FieldSettingsRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Группа «%(name)s» удалена.") % {"name": group.name})
    return redirect("clients:fields")


def _list_field(pk: int) -> ExtraField:
    return get_object_or_404(ExtraField, pk=pk, value_type=ExtraField.ValueType.LIST)


def _option(pk: int) -> ExtraFieldOption:
    return get_object_or_404(ExtraFieldOption.objects.select_related("field"), pk=pk)


def _back_to_options(option_or_field: ExtraField | ExtraFieldOption) -> HttpResponse:
    field_id = option_or_field.field_id if isinstance(option_or_field, ExtraFieldOption) else option_or_field.pk
    return redirect(f"{reverse('clients:field_edit', args=[field_id])}#options")


@require_POST
@role_required(*SETTINGS_ROLES)
def field_option_add(request: HttpRequest, pk: int) -> HttpResponse:
    field = _list_field(pk)
    form = FieldOptionForm(request.POST, field=field, prefix="option")
    if form.is_valid():
        try:
            services.add_option(field, form.cleaned_data["name"])
        except IntegrityError:
            form.add_error("name", _("Значение «%(name)s» уже есть в списке.") % {"name": form.cleaned_data["name"]})
        else:
            messages.success(request, _("Значение «%(name)s» добавлено.") % {"name": form.cleaned_data["name"]})
            return _back_to_options(field)
    return _field_page(request, field, option_form=form)


@require_POST
@role_required(*SETTINGS_ROLES)
def field_option_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename a list value; the clients that have it show the new name."""
    option = _option(pk)
    form = FieldOptionForm(request.POST, instance=copy.copy(option), field=option.field, prefix=f"option-{option.pk}")
    if form.is_valid():
        try:
            form.save()
        except IntegrityError:
            form.add_error("name", _("Значение «%(name)s» уже есть в списке.") % {"name": form.cleaned_data["name"]})
        else:
            messages.success(request, _("Значение «%(name)s» сохранено.") % {"name": form.cleaned_data["name"]})
            return _back_to_options(option)
    return _field_page(request, option.field, rename_form=form)


@require_POST
@role_required(*SETTINGS_ROLES)
def field_option_move(request: HttpRequest, pk: int) -> HttpResponse:
    option = _option(pk)
    services.move_option(option, -1 if request.POST.get("direction") == "up" else 1)
    return _back_to_options(option)


@require_POST
@role_required(*SETTINGS_ROLES)
def field_option_retire(request: HttpRequest, pk: int, *, retired: bool = True) -> HttpResponse:
    """«Не используется»: kept on the clients that have it, no longer offered; and back
    (`retired` False, «Использовать снова»)."""
    option = _option(pk)
    services.set_option_retired(option, retired)
    done = _("Значение «%(name)s» больше не предлагается.") if retired else _("Значение «%(name)s» снова предлагается.")
    messages.success(request, done % {"name": option.name})
    return _back_to_options(option)


@require_POST
@role_required(*SETTINGS_ROLES)
def field_option_delete(request: HttpRequest, pk: int) -> HttpResponse:
    option = _option(pk)
    try:
        services.delete_option(option)
    except services.FieldSettingsRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Значение «%(name)s» удалено.") % {"name": option.name})
    return _back_to_options(option)
