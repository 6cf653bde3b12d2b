from django.http import HttpRequest

from notifications import services


def bell(request: HttpRequest) -> dict:
    """`bell_count` for the top bar: the unread count as the cache keeps it (no query; None when
    it is not there, and the bell asks for it at once), read only when a page draws the bell."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"bell_count": lambda: services.kept_unread_count(user)}
