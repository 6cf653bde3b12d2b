"""Escaping for the HTML we draw in Python (table cells, widgets, the card's fields): what
django.utils.html.conditional_escape gives, without its lazy-string wrapper around itself and
escape(), which cost more than the escaping where a page escapes a thousand values."""

from __future__ import annotations

import html


def esc(value) -> str:
    """`value` as HTML: markup (anything with __html__) as it is, anything else escaped."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))
