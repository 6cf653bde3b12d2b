"""The Content-Security-Policy (crm/settings.py, django-csp): every page answers with it, and no
page or template holds what it refuses — an inline script, an event handler, a style element or
attribute, a javascript: link. The browser proves the rest (test_csp_browser.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from lxml import html as lxml_html

from crm import testing

POLICY = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}
# Redoc (api:redoc) writes its styles into <style> elements that carry the page's nonce: on that page
# alone style-src names a nonce as well (api.views.docs.RedocView).
NONCE_STYLES = {"api:redoc"}
# The admin's pages without arguments that answer a GET with a page.
ADMIN_PAGES = ["admin:index", "admin:password_change", "admin:auth_user_changelist", "admin:auth_user_add"]


def pages_without_arguments() -> list[str]:
    return testing.pages_without_arguments(leaving_out={"logout"}) + ADMIN_PAGES


def policy_of(response) -> dict[str, set[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: set(sources) for name, *sources in directives}


def refused_parts(content: bytes) -> list[str]:
    """What the policy would refuse in a page: inline scripts and handlers, inline styles."""
    found = []
    for element in lxml_html.fromstring(content).iter():
        if not isinstance(element.tag, str):
            continue  # a comment
        if element.tag == "style" or "style" in element.attrib:
            found.append(f"<{element.tag}> style")
        if element.tag == "script" and not element.get("src") and element.get("type") != "application/json":
            found.append("inline <script>")
        found += [f"<{element.tag}> {name}=" for name in element.attrib if name.startswith("on")]
        if element.get("href", "").strip().lower().startswith("javascript:"):
            found.append(f"<{element.tag}> javascript: link")
    return found


@pytest.mark.parametrize("name", pages_without_arguments())
def test_every_page_answers_with_the_policy_and_holds_nothing_it_refuses(admin_client, name):
    response = admin_client.get(reverse(name))
    policy = policy_of(response)
    if name in NONCE_STYLES:
        nonces = {source for source in policy.get("style-src", ()) if source.startswith("'nonce-")}
        assert len(nonces) == 1, policy
        policy["style-src"] -= nonces
    assert policy == POLICY, f"{name} answered {response.status_code} with {policy_of(response)}"
    assert response.headers["X-Frame-Options"] == "DENY"
    if response.status_code == 200 and response.headers.get("Content-Type", "").startswith("text/html"):
        assert refused_parts(response.content) == [], name


def test_the_login_page_answers_with_the_policy_to_a_stranger(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert policy_of(response) == POLICY
    assert refused_parts(response.content) == []


def test_a_page_not_found_answers_with_the_policy(client):
    assert policy_of(client.get("/no-such-page/")) == POLICY


# A template's inline script, event handler (onclick=, hx-on…), style element or attribute, or
# javascript: link; the template language's own comments are not looked at.
REFUSED = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\shx-on|<style\b|\sstyle\s*=|javascript:", re.IGNORECASE
)
COMMENTS = re.compile(r"{#.*?#}|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.DOTALL)


def our_templates() -> list[Path]:
    root = Path(settings.BASE_DIR)
    folders = [root / "templates", *(path for path in root.glob("*/templates") if ".venv" not in path.parts)]
    return sorted(path for folder in folders for path in folder.rglob("*.html"))


def test_no_template_holds_what_the_policy_refuses():
    templates = our_templates()
    assert len(templates) > 50
    found = [
        f"{path.relative_to(settings.BASE_DIR)}: {match.group(0).strip()}"
        for path in templates
        for match in REFUSED.finditer(COMMENTS.sub("", path.read_text(encoding="utf-8")))
    ]
    assert found == []
