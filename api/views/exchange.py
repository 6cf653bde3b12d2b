"""The exchange with an accounting system: `PUT /api/v1/exchange/<kind>/<source>/<id>/` upserts
one document by its external key, `POST /api/v1/exchange/batch/` up to 1,000 of them, all or
nothing. The documents are checked here for their form (api/exchange.py) and written by the
services (api.services.exchange); a batch is one write request for the rate limit."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api import exchange as inputs
from api.services.exchange import exchange
from api.views.base import HasCrmRole
from clients.models import Client
from crm.exchange import KINDS, ExchangeRefused, Outcome
from sales.models import Contract, Invoice, Payment

MODELS = {"clients": Client, "contracts": Contract, "invoices": Invoice, "payments": Payment}
OUTCOMES = [Outcome.CREATED, Outcome.CHANGED, Outcome.UNCHANGED]


class UpsertAnswer(serializers.Serializer):
    result = serializers.ChoiceField(choices=OUTCOMES)
    id = serializers.IntegerField(help_text="The row's id in the CRM.")


class ItemAnswer(serializers.Serializer):
    index = serializers.IntegerField()
    result = serializers.ChoiceField(choices=[*OUTCOMES, "not_kept"], required=False)
    error = serializers.JSONField(required=False, help_text='{"detail": "…"} or {"field": ["…"]}')


class BatchAnswer(serializers.Serializer):
    kept = serializers.BooleanField()
    detail = serializers.CharField(required=False)
    results = ItemAnswer(many=True)


class ExchangeView(APIView):
    permission_classes = [permissions.IsAuthenticated, HasCrmRole]


DOCUMENT = PolymorphicProxySerializer(
    component_name="ExchangeDocument",
    serializers=list(inputs.DATA.values()),
    resource_type_field_name=None,
)


class DocumentView(ExchangeView):
    @extend_schema(
        operation_id="exchange_upsert",
        request=DOCUMENT,
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=KINDS),
            OpenApiParameter("source", OpenApiTypes.STR, OpenApiParameter.PATH, pattern=inputs.SOURCE_PATTERN),
            OpenApiParameter("external_id", OpenApiTypes.STR, OpenApiParameter.PATH),
        ],
        responses={
            200: UpsertAnswer,
            201: UpsertAnswer,
            400: OpenApiResponse(description="bad input, an unknown client, contract or invoice"),
            403: OpenApiResponse(description="the row is another manager's"),
        },
    )
    def put(self, request, kind: str, source: str, external_id: str):
        """Create or change one document by the accounting system's key; the same document sent
        again changes nothing ("unchanged")."""
        if kind not in KINDS:
            raise exceptions.NotFound(_("Обмен знает только clients, contracts, invoices и payments."))
        document = inputs.document(kind, request.data, inputs.key_of(source, external_id))
        try:
            outcome = exchange([(kind, document)], user=request.user)[document.position]
        except ExchangeRefused as refused:
            message = refused.errors[document.position]
            if refused.forbidden:
                raise exceptions.PermissionDenied(message)
            raise exceptions.ValidationError({"detail": message})
        row = MODELS[kind].objects.get(external_source=document.source, external_id=document.external_id)
        code = status.HTTP_201_CREATED if outcome == Outcome.CREATED else status.HTTP_200_OK
        return Response({"result": outcome, "id": row.pk}, status=code)


class BatchView(ExchangeView):
    @extend_schema(
        operation_id="exchange_batch",
        request=inputs.ItemData(many=True),
        responses={
            200: BatchAnswer,
            400: BatchAnswer,
            413: OpenApiResponse(description="more than 1,000 documents"),
        },
    )
    def post(self, request):
        """Up to 1,000 documents `[{kind, source, id, data}]` in one transaction: all are kept, or
        none, and the answer names each document's result or error by its index."""
        if not isinstance(request.data, list):
            raise exceptions.ValidationError({"detail": _("Пакет — это JSON-массив документов.")})
        if len(request.data) > inputs.BATCH_MAX:
            return Response(
                {"detail": _("В пакете не больше %(max)s документов.") % {"max": inputs.BATCH_MAX}},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        items, errors = [], {}
        for position, raw in enumerate(request.data):
            try:
                items.append(inputs.item(raw, position))
            except serializers.ValidationError as error:
                errors[position] = error.detail
        outcomes = {}
        if not errors:
            try:
                outcomes = exchange(items, user=request.user)
            except ExchangeRefused as refused:
                errors = {position: {"detail": message} for position, message in refused.errors.items()}
        results = [
            {"index": n, "error": errors[n]} if n in errors else {"index": n, "result": outcomes.get(n, "not_kept")}
            for n in range(len(request.data))
        ]
        if errors:
            detail = _("Пакет не принят, ничего не записано: ошибки в документах %(indexes)s.") % {
                "indexes": ", ".join(map(str, sorted(errors)[:20]))
            }
            return Response({"kept": False, "detail": detail, "results": results}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"kept": True, "results": results})
