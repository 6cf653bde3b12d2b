"""One login limiter for every login door — the login page, the admin's, and any door to come that
calls django.contrib.auth.authenticate: the check is an authentication backend, the count a signal.

Failures are counted per account at an address, and per account from everywhere. Past
LOGIN_ATTEMPTS_LIMIT failures at one address the account is refused there, past
LOGIN_ATTEMPTS_PER_ACCOUNT_LIMIT from anywhere it is refused everywhere, for LOGIN_LOCKOUT_SECONDS,
without its password being checked. An address alone never locks anyone out: a whole company
behind one proxy is not locked because someone there guessed names, and an account nobody failed
on is never refused. The address is the client's own behind LOGIN_PROXY_HOPS trusted proxies.
With the cache down, logins are let through rather than refused for everyone."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.http import HttpRequest

logger = logging.getLogger(__name__)


def address_of(request: HttpRequest | None) -> str:
    """The client's address: REMOTE_ADDR, or behind N trusted proxies (each appending the address
    it was called from to X-Forwarded-For) the N-th address from the right — what a client puts
    in the header itself stands further left and is never believed."""
    if request is None:
        return ""
    hops = settings.LOGIN_PROXY_HOPS
    if hops <= 0:
        return request.META.get("REMOTE_ADDR", "")
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if len(forwarded) >= hops:
        return forwarded[-hops]
    return forwarded[0] if forwarded else request.META.get("REMOTE_ADDR", "")


def _keys(username: str, address: str) -> tuple[str, str]:
    account = (username or "").strip().lower()
    return f"login-fail:at:{account}:{address}", f"login-fail:account:{account}"


def is_locked(username: str, address: str) -> bool:
    at_address, anywhere = _keys(username, address)
    try:
        counts = cache.get_many([at_address, anywhere])
    except Exception:  # the cache is down: let people in
        logger.warning("login limiter: the cache does not answer; the limit is not applied", exc_info=True)
        return False
    return (
        counts.get(at_address, 0) >= settings.LOGIN_ATTEMPTS_LIMIT
        or counts.get(anywhere, 0) >= settings.LOGIN_ATTEMPTS_PER_ACCOUNT_LIMIT
    )


def record_failure(username: str, address: str) -> None:
    try:
        for key in _keys(username, address):
            if not cache.add(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS):
                cache.incr(key)
    except ValueError:  # expired between add and incr
        pass
    except Exception:
        logger.warning("login limiter: the cache does not answer; a failure is not counted", exc_info=True)


def reset(username: str, address: str) -> None:
    """A successful login forgets the account's failures at this address."""
    try:
        cache.delete(_keys(username, address)[0])
    except Exception:
        logger.warning("login limiter: the cache does not answer", exc_info=True)


class LimitedModelBackend(ModelBackend):
    """Django's backend, refusing an account that is locked without checking its password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is not None and is_locked(username, address_of(request)):
            if request is not None:
                request.login_locked = True
            raise PermissionDenied  # authenticate() stops here and sends user_login_failed
        return super().authenticate(request, username=username, password=password, **kwargs)


@receiver(user_login_failed, dispatch_uid="crm-login-failed")
def _count_failure(sender, credentials: dict, request: HttpRequest | None = None, **kwargs) -> None:
    if request is not None and getattr(request, "login_locked", False):
        return  # refused unchecked: not another guess
    username = credentials.get("username") or credentials.get(get_user_model().USERNAME_FIELD) or ""
    record_failure(username, address_of(request))


@receiver(user_logged_in, dispatch_uid="crm-logged-in")
def _forget_failures(sender, request: HttpRequest | None, user, **kwargs) -> None:
    reset(user.get_username(), address_of(request))
