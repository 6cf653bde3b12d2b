"""API tokens: made (the secret returned once), checked, revoked. The token reads
`crm_<prefix>_<secret>`; only the SHA-256 of the whole token is stored."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone

from api.models import ApiToken

TOKEN_START = "crm_"
PREFIX_LENGTH = 8
# How stale last_used_at may get: a request writes it at most once a minute per token.
LAST_USED_STEP = datetime.timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_token(user, name: str) -> tuple[ApiToken, str]:
    """A new token of `user`; returns the row and the token text, which is never stored."""
    while True:
        prefix = secrets.token_hex(PREFIX_LENGTH // 2)
        if not ApiToken.objects.filter(prefix=prefix).exists():
            break
    token = f"{TOKEN_START}{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiToken.objects.create(user=user, name=name.strip()[:100], prefix=prefix, digest=_digest(token))
    return row, token


def revoke_token(user, pk: int) -> bool:
    """Revoke one of the user's own tokens; False when they have no such active token."""
    return bool(ApiToken.objects.filter(pk=pk, user=user, revoked_at__isnull=True).update(revoked_at=timezone.now()))


def tokens_of(user):
    return ApiToken.objects.filter(user=user)


def check_token(token: str) -> ApiToken | None:
    """The active token that `token` is, with its user; None for a wrong, malformed or revoked one.
    Marks it used (at most once a minute)."""
    if not token.startswith(TOKEN_START):
        return None
    prefix, _sep, secret = token[len(TOKEN_START) :].partition("_")
    if len(prefix) != PREFIX_LENGTH or not secret:
        return None
    row = ApiToken.objects.select_related("user").filter(prefix=prefix, revoked_at__isnull=True).first()
    if row is None or not hmac.compare_digest(row.digest, _digest(token)) or not row.user.is_active:
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_STEP:
        row.last_used_at = now
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row
