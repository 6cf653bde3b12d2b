"""Rate limits per token (per user for a session), reads and writes counted apart, kept in the
cache (Redis). The rates are read from settings.API_RATE_LIMITS at each request, so a test or an
operator's change applies at once."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiToken

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class TokenRateThrottle(SimpleRateThrottle):
    def allow_request(self, request, view):
        self.scope = "read" if request.method in SAFE_METHODS else "write"
        self.rate = settings.API_RATE_LIMITS[self.scope]
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_rate(self):
        return None  # set per request in allow_request

    def get_cache_key(self, request, view) -> str | None:
        if isinstance(request.auth, ApiToken):
            who = f"token{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            who = f"user{request.user.pk}"
        else:
            return None  # refused by authentication anyway
        return f"api-throttle:{self.scope}:{who}"
