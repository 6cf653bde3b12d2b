"""Clients: read by every CRM role (as the list and the card), created and changed by whoever may
edit the card (clients.access) through the one client writer, history under the token's user."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response

from api import serializers
from api.errors import PreconditionFailed
from api.schema import IF_MATCH
from api.services import clients as client_services
from api.views.base import ReadViewSet, documented
from api.writes import ClientCreateSerializer, ClientPatchSerializer
from clients import access, extra_fields
from clients.filters import ClientFilterSet
from clients.models import Client, ExtraField


class ClientFilterBackend(DjangoFilterBackend):
    """The client list's own filters, the extra fields' among them (`extra_<id>…`)."""

    def get_filterset_kwargs(self, request, queryset, view):
        return {
            **super().get_filterset_kwargs(request, queryset, view),
            "extra_fields": extra_fields.client_definitions(),
        }


def expected_version(request) -> int | None:
    """The version `If-Match` names ("5", "\\"5\\"" or W/"5"); None without the header."""
    raw = request.headers.get("If-Match", "").strip()
    if not raw or raw == "*":
        return None
    raw = raw.removeprefix("W/").strip('"')
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        raise exceptions.ValidationError({"If-Match": [_("Укажите версию записи (поле version), например 5.")]})
    return int(raw)


def _answer(request, client_pk: int, code: int = status.HTTP_200_OK) -> Response:
    client = Client.objects.for_card().get(pk=client_pk)
    data = serializers.ClientSerializer(client, context={"request": request}).data
    return Response(data, status=code, headers={"ETag": f'"{client.version}"'})


@documented
class ClientViewSet(ReadViewSet):
    queryset = Client.objects.for_card()
    serializer_class = serializers.ClientSerializer
    filter_backends = [ClientFilterBackend]
    filterset_class = ClientFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def retrieve(self, request, *args, **kwargs):
        return _answer(request, self.get_object().pk)

    @extend_schema(request=ClientCreateSerializer, responses={201: serializers.ClientSerializer})
    def create(self, request):
        if not access.works_with(Client(responsible=request.user), request.user):
            raise exceptions.PermissionDenied
        form = ClientCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        edit = form.edit()
        edit.fields.setdefault("responsible", request.user)  # as the card page starts a new client
        client = client_services.create_client(edit, user=request.user)
        return _answer(request, client.pk, status.HTTP_201_CREATED)

    @extend_schema(
        request=ClientPatchSerializer,
        parameters=[IF_MATCH],
        responses={200: serializers.ClientSerializer, 412: OpenApiResponse(description="a field both changed")},
    )
    def partial_update(self, request, pk=None):
        if not (str(pk).isascii() and str(pk).isdigit()) or len(str(pk)) > 18:
            raise Http404
        client = access.editable_client(request.user, int(pk))
        version = expected_version(request)
        form = ClientPatchSerializer(data=request.data, client=client)
        form.is_valid(raise_exception=True)
        try:
            client_services.update_client(client.pk, form.edit(), user=request.user, expected_version=version)
        except client_services.UnknownRow as unknown:
            raise exceptions.ValidationError(unknown.errors)
        except client_services.VersionConflict as conflict:
            if conflict.ahead:
                raise PreconditionFailed(
                    _("Версии %(version)s ещё нет: сохранена версия %(stored)s. Ничего не записано.")
                    % {"version": version, "stored": conflict.client.version},
                    {"version": conflict.client.version},
                )
            raise PreconditionFailed(
                _("После версии %(version)s другой пользователь изменил эти поля: %(fields)s. Ничего не записано.")
                % {"version": version, "fields": ", ".join(conflict.conflicts)},
                {name: serializers.as_json(value) for name, value in conflict.conflicts.items()},
            )
        return _answer(request, client.pk)


@documented
class ExtraFieldViewSet(ReadViewSet):
    """The extra fields' definitions: their keys, types and list values."""

    queryset = ExtraField.objects.filter(hidden=False).select_related("group").prefetch_related("options")
    serializer_class = serializers.ExtraFieldSerializer
    filterset_fields = ["applies_to", "value_type"]
