"""Helpers for tests of every app."""

import importlib

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

# Data migrations that create reference rows the app cannot work without.
REFERENCE_DATA = [
    ("crm.migrations.0001_roles", "create_roles"),
    ("clients.migrations.0002_default_contact_info_kinds", "create_kinds"),
    ("clients.migrations.0007_default_field_group", "create_group"),
    ("clients.migrations.0011_default_required", "require_defaults"),
]


def restore_reference_data() -> None:
    """Re-create roles, default contact-info kinds, the default field group and the default
    required fields after a transactional test flushed them."""
    for module, function in REFERENCE_DATA:
        getattr(importlib.import_module(module), function)(apps, None)


def submitted_form(html: str | bytes, form_id: str = "", *, action: str = "") -> dict[str, str | list[str]]:
    """What a browser sends when the form `form_id` (or the form posting to `action`) of the page
    is submitted as it is: every successful control's value (an empty box as "", a ticked box's
    value or "on", a select's selected option — or its first one, as a browser does —, never an
    unticked box or a file). A name sent more than once becomes a list."""
    from lxml import html as lxml_html

    page = lxml_html.fromstring(html)
    form = page.get_element_by_id(form_id) if form_id else page.xpath(f'//form[@action="{action}"]')[0]
    pairs: list[tuple[str, str]] = []
    for control in form.inputs:
        name = control.name
        if not name or "disabled" in control.attrib:
            continue
        if control.tag == "textarea":
            # A line break right after <textarea> is not part of the value (HTML parsing rule).
            pairs.append((name, (control.text or "").removeprefix("\r").removeprefix("\n")))
        elif control.tag == "select":
            values = list(control.value) if control.multiple else [control.value]
            pairs.extend((name, value) for value in values if value is not None)
        elif control.type in ("checkbox", "radio"):
            if control.checked:
                pairs.append((name, control.get("value", "on")))
        elif control.type not in ("submit", "image", "reset", "file", "button"):
            pairs.append((name, control.get("value", "")))
    data: dict[str, str | list[str]] = {}
    for name, value in pairs:
        if name in data:
            previous = data[name]
            data[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            data[name] = value
    return data


def logged_in(user):
    """A test client (a browser of its own) logged in as `user`: two of them are two people."""
    from django.test import Client

    browser = Client()
    browser.force_login(user)
    return browser


def opened_form(browser, url: str, form_id: str) -> dict[str, str | list[str]]:
    """The form `form_id` of the page at `url` as this browser would send it unchanged."""
    response = browser.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return submitted_form(response.content, form_id)


def url_names(skipped_namespaces=("admin",)) -> dict[str, list[str]]:
    """Every URL name of the project, with its namespace (Django's admin site left out), and the
    names of the arguments its address takes."""
    found: dict[str, list[str]] = {}

    def walk(patterns, namespace: str, converters: list[str]) -> None:
        for entry in patterns:
            here = [*converters, *getattr(entry.pattern, "converters", {})]
            if isinstance(entry, URLResolver):
                if entry.namespace in skipped_namespaces:
                    continue
                walk(entry.url_patterns, f"{namespace}{entry.namespace}:" if entry.namespace else namespace, here)
            elif isinstance(entry, URLPattern) and entry.name:
                found[f"{namespace}{entry.name}"] = [c for c in here if c not in entry.default_args]

    walk(get_resolver().url_patterns, "", [])
    return found


def pages_without_arguments(leaving_out=()) -> list[str]:
    """The URL names whose address takes no argument (every list, report and settings page), but
    those `leaving_out`."""
    return sorted(name for name, arguments in url_names().items() if not arguments and name not in leaving_out)
