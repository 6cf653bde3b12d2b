"""Failed logins are counted per username and per address in the cache; past the limit, logins are
refused for a while without even checking the password."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache


def _keys(username: str, address: str) -> list[str]:
    return [f"login-fail:user:{username.strip().lower()}", f"login-fail:addr:{address}"]


def is_locked(username: str, address: str) -> bool:
    user_key, address_key = _keys(username, address)
    counts = cache.get_many([user_key, address_key])
    # One office shares an address, so the address gets a larger allowance than one username.
    return (
        counts.get(user_key, 0) >= settings.LOGIN_ATTEMPTS_LIMIT
        or counts.get(address_key, 0) >= settings.LOGIN_ATTEMPTS_PER_ADDRESS_LIMIT
    )


def record_failure(username: str, address: str) -> None:
    for key in _keys(username, address):
        cache.add(key, 0, timeout=settings.LOGIN_LOCKOUT_SECONDS)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS)


def reset(username: str) -> None:
    cache.delete(_keys(username, "")[0])
