"""Every error of the API is JSON: {"detail": "…"} (or {field: [messages]} for bad input), never
a 500 page for bad input."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler


class PreconditionFailed(exceptions.APIException):
    """If-Match named a version, and a field this change sets was changed since by someone else."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "conflict"

    def __init__(self, detail: str, conflicts: dict[str, object]):
        super().__init__(detail)
        self.conflicts = conflicts


class Refused(exceptions.APIException):
    """What the object's rules refuse now (its state, a missing reason): 409 with the message."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "refused"


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, PreconditionFailed):
        response.data = {"detail": str(exc.detail), "conflicts": exc.conflicts}
    if response is None:
        return None
    if not isinstance(response.data, (dict, list)):
        response.data = {"detail": response.data}
    return response
