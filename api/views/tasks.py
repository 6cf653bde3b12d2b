"""Tasks the user sees (Task.visible_to); «Выполнено», «Принять», «Вернуть на доработку» (and
«Взять в работу») by tasks.services.transition, by its rules: only the executor completes, only
the reviewer accepts or returns."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.response import Response

from api import serializers
from api.errors import Refused
from api.views.base import ReadViewSet, documented
from api.writes import TaskActionSerializer
from tasks import services as task_services
from tasks.models import Task


@documented
class TaskViewSet(ReadViewSet):
    queryset = Task.objects.prefetch_related("events")
    serializer_class = serializers.TaskSerializer
    filterset_fields = ["state", "kind", "executor", "reviewer", "author", "importance"]

    def visible(self, queryset):
        return queryset.visible_to(self.request.user)

    def _act(self, request, name: str) -> Response:
        task = self.get_object()
        if request.user.pk != getattr(task, f"{task_services.TRANSITIONS[name].actor}_id"):
            raise exceptions.PermissionDenied
        form = TaskActionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            task_services.transition(task, request.user, name, comment=form.validated_data["comment"])
        except task_services.TaskError as error:
            raise Refused(str(error))
        return Response(self.get_serializer(self.get_queryset().get(pk=task.pk)).data)

    @extend_schema(request=TaskActionSerializer, responses={200: serializers.TaskSerializer})
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        """«Взять в работу»: the executor."""
        return self._act(request, "start")

    @extend_schema(request=TaskActionSerializer, responses={200: serializers.TaskSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """«Выполнено»: the executor (a task without a reviewer is accepted at once)."""
        return self._act(request, "complete")

    @extend_schema(request=TaskActionSerializer, responses={200: serializers.TaskSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """«Принять»: the reviewer of a done task."""
        return self._act(request, "accept")

    @extend_schema(request=TaskActionSerializer, responses={200: serializers.TaskSerializer})
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        """«Вернуть на доработку»: the reviewer of a done task, with a comment."""
        return self._act(request, "return")
