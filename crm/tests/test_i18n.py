"""Internationalisation: the UI is Russian by default and English through locale/en.

The msgids are Russian; locale/en/LC_MESSAGES/django.po must translate every one of them (no empty
and no fuzzy entries) and the compiled django.mo must match it. bin/test compiles the catalogue
before pytest runs; by hand: `manage.py makemessages -l en --ignore=.venv --ignore=staticfiles
--no-obsolete`, translate, `manage.py compilemessages --ignore=.venv`.
"""

from __future__ import annotations

import gettext
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import reverse

from crm import roles

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
NAV = re.compile(r"<nav\b[^>]*\bnavbar\b.*?</nav>", re.S)
# Python %-placeholders (named or not; only in python-format entries) and Django template variables.
PERCENT = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")
BRACES = re.compile(r"\{\{.*?\}\}|\{[A-Za-z_]\w*\}")


# --- pages ------------------------------------------------------------------------------------------


@pytest.fixture
def supervisor(db, django_user_model):
    user = django_user_model.objects.create_user(username="i18n-boss", password="secret-pass-1")
    user.groups.add(Group.objects.get(name=roles.SUPERVISOR))
    return user


def nav_of(html: str) -> str:
    match = NAV.search(html)
    assert match, "the page has no navbar"
    return match.group(0)


def test_the_default_language_is_russian(client, supervisor):
    client.force_login(supervisor)
    response = client.get(reverse("clients:list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ru">' in html
    nav = nav_of(html)
    for word in ("Клиенты", "Мои дела", "Продажи", "Отчёты", "Сервис", "Карточка клиента", "Руководитель", "Выйти"):
        assert word in nav, word
    assert "Clients" not in nav
    assert "Найдено клиентов: 0" in html


def test_switching_to_english_translates_the_ui(client, supervisor):
    assert MO.exists(), f"{MO} is missing: run `manage.py compilemessages --ignore=.venv`"
    client.force_login(supervisor)
    list_url = reverse("clients:list")

    response = client.post(reverse("set_language"), {"language": "en", "next": list_url})
    assert response.status_code == 302
    assert response["Location"] == list_url
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    response = client.get(list_url)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    nav = nav_of(html)
    nav_words = ("Clients", "My tasks", "Sales", "Funnel", "Reports", "Service", "Client card", "Supervisor", "Log out")
    for word in nav_words:
        assert word in nav, word
    # Nothing in the navbar is left in Russian (the user has an ASCII name).
    assert not CYRILLIC.search(nav), CYRILLIC.findall(nav)
    assert "Клиенты" not in html
    # The page itself: filter labels, buttons and the counter.
    page_texts = (
        "<title>Clients · CRM</title>",
        "Search",
        "Business region",
        "Segment",
        "Find",
        "Reset",
        "Create",
        "Columns",
        "Clients found: 0",
    )
    for text in page_texts:
        assert text in html, text

    # ...and back to Russian.
    client.post(reverse("set_language"), {"language": "ru", "next": list_url})
    html = client.get(list_url).content.decode()
    assert "Клиенты" in nav_of(html)
    assert "Clients" not in nav_of(html)


# --- the catalogue ----------------------------------------------------------------------------------


def placeholders(entry: dict, text: str) -> list[str]:
    found = BRACES.findall(text)
    if "python-format" in entry["flags"]:
        found += PERCENT.findall(text)
    return sorted(found)


def _unquote(s: str) -> str:
    # A .po string literal: C escapes, which for this file's content are the JSON ones.
    return json.loads(s)


def read_po(path: Path) -> list[dict]:
    """The entries of a .po file: {"flags", "msgctxt", "msgid", "msgid_plural", "msgstr": [...]}.
    Obsolete (#~) entries are skipped."""
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        entry: dict = {"flags": set(), "msgstr": {}}
        key = None
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("#,"):
                entry["flags"] |= {f.strip() for f in line[2:].split(",") if f.strip()}
            elif line.startswith("#") or not line:
                continue
            elif line.startswith('"'):
                if isinstance(key, int):
                    entry["msgstr"][key] += _unquote(line)
                else:
                    entry[key] += _unquote(line)
            else:
                match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(\".*\")$", line)
                assert match, f"{path}: cannot parse {line!r}"
                word, index, text = match.groups()
                if word == "msgstr":
                    key = int(index or 0)
                    entry["msgstr"][key] = _unquote(text)
                else:
                    key = word
                    entry[key] = _unquote(text)
        if "msgid" in entry:
            entry["msgstr"] = [entry["msgstr"][i] for i in sorted(entry["msgstr"])]
            entries.append(entry)
    return entries


def test_the_english_catalogue_is_complete():
    assert PO.exists(), f"{PO} is missing"
    entries = read_po(PO)
    header = next(e for e in entries if e["msgid"] == "")
    meta = header["msgstr"][0]
    assert "Language: en\n" in meta
    assert "charset=UTF-8" in meta
    assert "Plural-Forms: nplurals=2; plural=(n != 1);\n" in meta
    assert "fuzzy" not in header["flags"]

    messages = [e for e in entries if e["msgid"]]
    assert len(messages) > 100
    fuzzy = [e["msgid"] for e in messages if "fuzzy" in e["flags"]]
    assert not fuzzy, f"fuzzy entries: {fuzzy}"
    untranslated = [e["msgid"] for e in messages if not all(e["msgstr"]) or not e["msgstr"]]
    assert not untranslated, f"untranslated entries: {untranslated}"
    for e in messages:
        if "msgid_plural" in e:
            assert len(e["msgstr"]) == 2, e["msgid"]
        # English must not keep Russian text by accident.
        for s in e["msgstr"]:
            assert not CYRILLIC.search(s), (e["msgid"], s)
        # Placeholders survive translation, each one as often as in the original.
        if "msgid_plural" in e:
            singular, plural = placeholders(e, e["msgid"]), placeholders(e, e["msgid_plural"])
            assert placeholders(e, e["msgstr"][-1]) == plural, (e["msgid"], e["msgstr"])
            # The singular form may drop the count (e.g. "one client" for %(count)s).
            assert set(placeholders(e, e["msgstr"][0])) <= set(singular) | set(plural), (e["msgid"], e["msgstr"])
        else:
            assert placeholders(e, e["msgstr"][0]) == placeholders(e, e["msgid"]), (e["msgid"], e["msgstr"])


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
def test_msgfmt_reports_no_untranslated_or_fuzzy_messages():
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(PO)],
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C", "LANGUAGE": ""},
    )
    assert result.returncode == 0, result.stderr
    stats = result.stderr.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ translated messages?\.", stats), stats


def test_the_compiled_catalogue_matches_the_po():
    """django.mo is what Django reads: it must hold every translation of django.po."""
    assert MO.exists(), f"{MO} is missing: run `manage.py compilemessages --ignore=.venv`"
    with MO.open("rb") as fp:
        catalog = gettext.GNUTranslations(fp)
    stale = []
    for e in read_po(PO):
        if not e["msgid"]:
            continue
        prefix = e["msgctxt"] + "\x04" if "msgctxt" in e else ""
        if "msgid_plural" in e:
            got = [catalog._catalog.get((prefix + e["msgid"], i)) for i in range(len(e["msgstr"]))]
        else:
            got = [catalog._catalog.get(prefix + e["msgid"])]
        if got != e["msgstr"]:
            stale.append(e["msgid"])
    assert not stale, f"django.mo is out of date (run compilemessages): {stale}"
