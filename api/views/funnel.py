"""Deals with their stage moves (funnel.access), moved by funnel.services.move."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.response import Response

from api import serializers
from api.views.base import ReadViewSet, documented
from api.writes import DealMoveSerializer
from funnel import access
from funnel import services as funnel_services
from funnel.models import Deal


@documented
class DealViewSet(ReadViewSet):
    queryset = Deal.objects.select_related("stage").prefetch_related("transitions")
    serializer_class = serializers.DealSerializer
    filterset_fields = ["funnel", "stage", "manager", "client"]

    def visible(self, queryset):
        return access.visible_deals(queryset, self.request.user)

    @extend_schema(request=DealMoveSerializer, responses={200: serializers.DealSerializer})
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """Move the deal to another stage of its funnel (a won one needs an amount, a lost one a reason)."""
        deal = self.get_object()
        if not access.may_change(request.user, deal):
            raise exceptions.PermissionDenied
        form = DealMoveSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            funnel_services.move(
                deal,
                data["stage"],
                user=request.user,
                seen_stage=data.get("seen_stage"),
                lost_reason=data.get("lost_reason"),
                amount=data.get("amount"),
                comment=data["comment"],
            )
        except funnel_services.FunnelError as error:
            raise exceptions.ValidationError({"detail": str(error)})
        deal = self.get_queryset().get(pk=deal.pk)
        return Response(self.get_serializer(deal).data)
