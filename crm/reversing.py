"""Addresses of many objects of one kind, fast."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.urls import get_script_prefix, reverse


def url_maker(name: str) -> Callable[[int], str]:
    """reverse() for many ids of one URL pattern: reversed once (per script prefix), then filled in
    — a reverse() costs 20 µs, a thousand of them on a page of rows."""
    return _url_parts(name, get_script_prefix())


@functools.cache
def _url_parts(name: str, _prefix: str) -> Callable[[int], str]:
    marker = 2_147_483_647
    head, tail = reverse(name, args=[marker]).split(str(marker))
    return lambda pk: f"{head}{pk}{tail}"
