"""HTML fragments drawn once per process. A fragment whose every input is named by its key — the
blank rows a form clones in the browser, say, which depend only on the offered choices and the
language — is drawn on first use and kept in memory (the least recently used leave first). The key
carries the data, so a change to the data is a new key, never a stale fragment."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from django.utils.safestring import SafeString, mark_safe

from crm.html import esc

LIMIT = 256
HOLE = "\x00hole\x00"

_kept: OrderedDict[Hashable, str] = OrderedDict()
_lock = threading.Lock()


def kept(key: Hashable, draw: Callable[[], str]) -> SafeString:
    """The fragment of `key`, drawn by `draw()` (HTML, already escaped) when it is not kept yet."""
    html = _get(key)
    if html is None:
        html = draw()
        _put(key, html)
    return mark_safe(html)


def kept_with_hole(key: Hashable, draw: Callable[[], str], drawn: str, value: object) -> SafeString:
    """Like kept(), for a fragment that differs between uses in one spot: the text `drawn` — say
    `name="info-__row__-client" value="42"`, the owner's id in a blank row — in which `value` (42)
    is what differs. The kept copy has a hole there, filled with `value` on each use. A drawing in
    which `drawn` does not occur exactly once is used as it is and not kept; a None `value` (no
    owner yet: an unsaved one draws no id) is a fragment of its own, without a hole."""
    if value is None:
        return kept((key, None), draw)
    key = (key, HOLE)
    pattern = _get(key)
    if pattern is None:
        html = draw()
        if html.count(drawn) != 1:
            return mark_safe(html)
        pattern = html.replace(drawn, drawn.replace(str(value), HOLE))
        _put(key, pattern)
    return mark_safe(pattern.replace(HOLE, str(esc(value))))


def forget() -> None:
    """Drop every kept fragment (tests)."""
    with _lock:
        _kept.clear()


def _get(key: Hashable) -> str | None:
    with _lock:
        html = _kept.get(key)
        if html is not None:
            _kept.move_to_end(key)
        return html


def _put(key: Hashable, html: str) -> None:
    with _lock:
        _kept[key] = html
        while len(_kept) > LIMIT:
            _kept.popitem(last=False)
