from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from crm import roles


def role_required(*allowed: str) -> Callable:
    """Allow the view to users holding one of the roles (any CRM role when none are given)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            permitted = roles.has_any_role(request.user, *allowed) if allowed else roles.is_staff_role(request.user)
            if not permitted:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
