"""The access matrix: every named URL of the project × every kind of user × GET and POST, answered as
crm/tests/access_matrix.txt says (its header tells how to read and regenerate it).

The URL names come from the URL resolver and the roles from the database, so a new page without a
row, a row of a page that is gone and a new role without a column all fail here, by name. Each
request runs in a savepoint that is rolled back, so every cell starts from the same data. No cell
may answer 5xx; a refused request must leave every table as it was; the owner's rows may not change
for users who may not change them, and the owner's deals, tasks and documents may not show on the
pages of users who may not see them."""

from __future__ import annotations

import os
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from clients.forms.bulk import tick_name
from crm.testing import logged_in, opened_form, url_names

TABLE = Path(__file__).with_name("access_matrix.txt")
WRITE = os.environ.get("ACCESS_MATRIX") == "write"
METHODS = ("GET", "POST")
# Not part of the matrix: Django's own admin site (staff only, its own permission system; left out
# by crm.testing.url_names) and static/media files (none are routed: uploads are served by views
# that check access).
# URL name -> the object its `pk` points at; other arguments are in EXTRA_KWARGS.
POINTS_AT = {
    "clients:detail": "client",
    "clients:edit": "client",
    "clients:completeness": "client",
    "clients:bulk_edit_run": "bulk_run",
    "run_retry": "bulk_run",
    "clients:field_edit": "field",
    "clients:field_delete": "field",
    "clients:field_move": "field",
    "clients:field_option_add": "field",
    "clients:field_group_edit": "group",
    "clients:field_group_delete": "group",
    "clients:field_group_move": "group",
    "clients:field_option_edit": "option",
    "clients:field_option_move": "option",
    "clients:field_option_retire": "option",
    "clients:field_option_restore": "option",
    "clients:field_option_delete": "option",
    "clients:export_detail": "export",
    "clients:export_download": "export",
    "clients:import_detail": "import",
    "clients:segment_edit": "segment",
    "clients:segment_delete": "segment",
    "clients:duplicate_search": "duplicate_search",
    "clients:merge_detail": "client_merge",
    "clients:merge_undo": "client_merge",
    "sales:invoice_detail": "invoice",
    "sales:invoice_edit": "request",
    "sales:invoice_status": "request",
    "sales:payment_detail": "payment",
    "sales:payment_allocate": "payment",
    "sales:payment_allocate_oldest": "payment",
    "sales:payment_release": "payment",
    "sales:reconciliation_detail": "reconciliation",
    "sales:reconciliation_move": "reconciliation",
    "sales:reconciliation_answer": "reconciliation",
    "sales:reconciliation_file": "reconciliation",
    "sales:reconciliation_scan": "reconciliation",
    "sales:contract_detail": "contract",
    "sales:contract_edit": "contract",
    "tasks:detail": "task",
    "tasks:edit": "task",
    "tasks:postpone": "task",
    "tasks:attachment_upload": "task",
    "tasks:action": "task",
    "tasks:attachment": "attachment",
    "quality:run_detail": "done_run",
    "quality:run_step": "draft_run",
    "quality:run_tick": "draft_run",
    "funnel:board_column": "stage",
    "funnel:deal_detail": "deal",
    "funnel:deal_edit": "deal",
    "funnel:deal_move": "deal",
    "funnel:deal_lines": "deal",
    "funnel:deal_convert": "lead",
    "funnel:deal_invoice": "deal",
    "funnel:funnel_edit": "funnel",
    "funnel:stage_add": "funnel",
    "funnel:stage_reorder": "funnel",
    "funnel:stage_edit": "stage",
    "funnel:stage_retire": "stage",
    "funnel:stage_restore": "stage",
    "funnel:reason_edit": "reason",
    "funnel:reason_toggle": "reason",
    "funnel:web_form_key": "leads",
    "webhooks:edit": "subscription",
    "webhooks:delete": "subscription",
    "webhooks:deliveries": "subscription",
    "webhooks:retry": "delivery",
    "notifications:open": "notification",
    "notifications:read": "notification",
    "api:token_revoke": "api_token",
    "api:client-detail": "client",
    "api:extra-field-detail": "field",
    "api:contract-detail": "contract",
    "api:invoice-detail": "invoice",
    "api:payment-detail": "payment",
    "api:deal-detail": "deal",
    "api:deal-move": "deal",
    "api:task-detail": "task",
    "api:task-start": "task",
    "api:task-complete": "task",
    "api:task-accept": "task",
    "api:task-return": "task",
    "saved_view_update": "saved_view",
    "saved_view_rename": "saved_view",
    "saved_view_delete": "saved_view",
}
EXTRA_KWARGS = {
    "tasks:action": lambda o: {"action": "start"},
    "run_retry": lambda o: {"label": "clients.bulkeditrun"},
    "quality:run_step": lambda o: {"step": 2},
    "reports:task_iterations_tasks": lambda o: {"executor_id": o["owner"].pk},
    "web_lead": lambda o: {"key": o["leads"].public_key},
    "api:exchange": lambda o: {"kind": "clients", "source": "1c-bp", "external_id": "matrix"},
}


# --- the URL conf ------------------------------------------------------------------------------------


def address(name: str, arguments: list[str], objects: dict) -> str:
    query = QUERIES[name](objects) if name in QUERIES else ""
    kwargs = {}
    if "pk" in arguments:
        assert name in POINTS_AT, f"{name}: which object does its pk point at? Add it to POINTS_AT"
        kwargs["pk"] = objects[POINTS_AT[name]].pk
    if set(arguments) - {"pk"}:
        assert name in EXTRA_KWARGS, f"{name}: add its arguments {arguments} to EXTRA_KWARGS"
        kwargs.update(EXTRA_KWARGS[name](objects))
    return reverse(name, kwargs=kwargs) + query


# --- asking ------------------------------------------------------------------------------------------

# Addresses that need a query string to reach their object (the client a document is made for...).
QUERIES = {
    "clients:bulk_edit": lambda o: f"?pk={o['client'].pk}",
    "sales:contract_create": lambda o: f"?client={o['client'].pk}",
    "sales:invoice_create": lambda o: f"?client={o['client'].pk}",
    "sales:payment_create": lambda o: f"?client={o['client'].pk}",
    "sales:reconciliation_create": lambda o: f"?client={o['client'].pk}&end=2026-03-31",
    "funnel:deal_create": lambda o: f"?client={o['client'].pk}",
    "funnel:board_column": lambda o: "?" + urlencode({"after": f"{timezone.now().isoformat()}_{10**9}"}),
    "reports:client_ledger": lambda o: f"?client={o['client'].pk}",
    "reports:reconciliation": lambda o: f"?client={o['client'].pk}",
}
# POST bodies that the allowed users' forms accept (the rest post an empty body): whoever may not
# make the change must be turned away with nothing written.
BODIES = {
    "clients:field_group_create": lambda o: {"name": "Новый раздел"},
    "clients:field_group_edit": lambda o: {"name": "Другой раздел"},
    "clients:field_option_add": lambda o: {"name": "Может быть"},
    "clients:field_option_edit": lambda o: {"name": "Конечно"},
    "sales:contract_create": lambda o: {"number": "M-2", "date": "01.02.2026"},
    "sales:invoice_status": lambda o: {"status": "ready"},
    "sales:invoice_create": lambda o: {
        "client": o["client"].pk,
        "date": "01.03.2026",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product": o["product"].pk,
        "lines-0-quantity": "1",
        "lines-0-price": "100.00",
    },
    "sales:payment_create": lambda o: {"client": o["client"].pk, "date": "05.03.2026", "amount": "10.00"},
    "sales:reconciliation_create": lambda o: {"client": o["client"].pk, "end": "31.03.2026"},
    "sales:reconciliation_move": lambda o: {"state": "signed"},
    "sales:reconciliation_answer": lambda o: {"answered_on": "03.04.2026", "their_closing": "2,00"},
    "funnel:deal_move": lambda o: {"stage": o["next_stage"].pk, "seen_stage": o["stage"].pk},
    "funnel:deal_convert": lambda o: {"create": "1"},
    "funnel:deal_create": lambda o: {"funnel": o["funnel"].pk, "title": "Новая", "client": o["client"].pk},
    "funnel:funnel_create": lambda o: {"new-name": "Новая воронка", "new-kind": "b2b"},
    "funnel:funnel_edit": lambda o: {"funnel-name": "Другая воронка", "funnel-kind": "b2b", "funnel-is_active": "on"},
    "funnel:stage_add": lambda o: {"stage-name": "Счёт", "stage-kind": "open", "stage-probability": "50"},
    "funnel:stage_edit": lambda o: {
        f"stage-{o['stage'].pk}-{key}": value
        for key, value in (("name", "Звонок"), ("kind", "open"), ("probability", "10"))
    },
    "funnel:reason_add": lambda o: {"reason-name": "Далеко"},
    "funnel:reason_edit": lambda o: {f"reason-{o['reason'].pk}-name": "Очень дорого"},
    "tasks:postpone": lambda o: {"period": "day"},
    "tasks:attachment_upload": lambda o: {"file": SimpleUploadedFile("ещё.txt", b"y")},
    "quality:run_tick": lambda o: {"key": f"c{o['client'].pk}", "ticked": "0"},
    "web_lead": lambda o: {"company": "Матрица-заявка", "email": "lead@m.ru"},
    "webhooks:create": lambda o: {"name": "Матрица-2", "url": "https://m.example/2", "events": ["deal.won"]},
    "webhooks:edit": lambda o: {"name": "Матрица-3", "url": "https://m.example/3", "events": ["task.done"]},
    "saved_view_create": lambda o: {"key": "clients", "name": "Матрица-2", "query": "q=1", "next": "/clients/"},
    "saved_view_update": lambda o: {"query": "status=request", "share": "", "next": "/sales/invoices/"},
    "saved_view_rename": lambda o: {"name": "Матрица-3", "next": "/sales/invoices/"},
}
# Changes made through the form of a page as the owner gets it (page URL name, form id, changes):
# the colleague, the sales head and the outsider must not be able to send them.
FORMS = {
    "clients:edit": ("clients:edit", "client-form", {"client-name": "ООО «Матрица-2»"}),
    "clients:bulk_edit": ("clients:bulk_edit", "bulk-edit-form", {tick_name("abc_class"): "on", "abc_class": "A"}),
    "sales:contract_edit": ("sales:contract_edit", "contract-form", {"number": "M-3"}),
    "sales:invoice_edit": ("sales:invoice_edit", "invoice-form", {"comment": "срочно"}),
    "funnel:deal_edit": ("funnel:deal_edit", "deal-form", {"title": "Поставка-2"}),
    "tasks:edit": ("tasks:detail", "task-essentials", {"result": "Сделано"}),
}
# The owner's rows that a column may never change, whatever the answer (the sales head and the
# supervisor move any deal; the supervisor and the administrator edit any card).
EVERY_OWN_ROW = (
    "client",
    "contract",
    "invoice",
    "request",
    "payment",
    "reconciliation",
    "deal",
    "lead",
    "task",
    "saved_view",
)
PROTECTED = {
    "out": EVERY_OWN_ROW,
    "col": EVERY_OWN_ROW,
    "head": tuple(row for row in EVERY_OWN_ROW if row not in ("deal", "lead")),
}
# Words on the owner's objects that a user who may not see them must not find on any page (the
# sales head reads the task's title in «Итерации задач», a report given to him).
SECRETS = {
    "Сделка-М17": ("out", "col"),
    "Лид-М17": ("out", "col"),
    "Задача-М17": ("out", "col"),
    # the invoices' numbers, the shipped one's total, the payment's number and sum
    "7717": ("out", "col"),
    "7718": ("out", "col"),
    "246,90": ("out", "col"),
    "8818": ("out", "col"),
    "51,37": ("out", "col"),
}


class Asker:
    """Asks as one user, each request in a savepoint rolled back afterwards; tells the answer's
    class and what went wrong besides."""

    def __init__(self, objects: dict):
        self.rows = {
            name: (objects[name]._meta.db_table, objects[name].pk) for names in PROTECTED.values() for name in names
        }
        self.tables = sorted(set(connection.introspection.django_table_names(only_existing=True)) - {"django_session"})
        parts = [
            f"(SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {t} t)" for t in self.tables
        ]
        self.sql = f"SELECT ARRAY[{', '.join(parts)}]"  # every row of every table but the sessions, hashed
        rows = ", ".join(f"(SELECT md5(t::text) FROM {table} t WHERE id = {pk})" for table, pk in self.rows.values())
        self.rows_sql = f"SELECT ARRAY[{rows}]"
        self.baseline = self.fingerprint()
        self.seen_by_owner: set[str] = set()  # the words of SECRETS, to know that they are looked for
        self.rows_baseline = self.row_fingerprint()

    def row_fingerprint(self) -> dict[str, str]:
        with connection.cursor() as cursor:
            cursor.execute(self.rows_sql)
            return dict(zip(self.rows, cursor.fetchone()[0], strict=True))

    def fingerprint(self) -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute(self.sql)
            return cursor.fetchone()[0]

    def ask(self, browser: Browser, col: str, method: str, url: str, body: dict) -> tuple[str, list[str]]:
        problems = []
        with transaction.atomic():
            try:
                response = browser.get(url) if method == "GET" else browser.post(url, body)
            except Exception as error:  # the test client re-raises what the view raised: a 500
                transaction.set_rollback(True)
                return "500", [f"{type(error).__name__}: {error}"]
            if response.streaming:  # read to the end, which closes the file (the test client's way)
                content = b"".join(response.streaming_content)
            else:
                content = response.content
            answer = answer_class(response)
            changed = [
                t
                for t, before, now in zip(self.tables, self.baseline, self.fingerprint(), strict=True)
                if before != now
            ]
            rows = self.row_fingerprint() if col in PROTECTED else {}
            transaction.set_rollback(True)
        problems += [
            f"changed the owner's {name}" for name in PROTECTED.get(col, ()) if rows[name] != self.rows_baseline[name]
        ]
        if answer.startswith("5"):
            problems.append(f"answered {answer}")
        if changed and answer != "ok":
            problems.append(f"answered {answer} but changed {', '.join(changed)}")
        text = content.decode("utf-8", "replace")
        if col == "own":
            self.seen_by_owner |= {word for word in SECRETS if word in text}
        problems += [f"shows «{word}»" for word, hidden_from in SECRETS.items() if col in hidden_from and word in text]
        return ("saved" if changed and answer == "ok" else answer), problems


def answer_class(response) -> str:
    """ok (2xx, or 3xx anywhere but the login page), login (3xx to the login page) or the status."""
    status = response.status_code
    if 300 <= status < 400:
        target = response.headers.get("Location", "").split("?")[0]
        return "login" if target.endswith(reverse("login")) else "ok"
    return "ok" if 200 <= status < 300 else str(status)


# --- the table ---------------------------------------------------------------------------------------

HEADER = """\
# The access matrix (crm/tests/test_access_matrix.py): every named URL of the project, asked by each
# kind of user with GET and with POST, and the class of the answer. A POST sends an empty body, or
# for the changes listed in BODIES of the test one that the allowed users' forms accept; a few
# addresses carry the client they are for (QUERIES).
#
# Users: anon = not logged in; out = logged in without a role; own = a manager (Менеджер) who owns
# every object the URLs point at (responsible for the client; manager of its invoice, payment and
# deals; executor of the task; author of the bulk edit and the export); col = another manager;
# sup = Руководитель (author of the wizard runs and the import, reviewer of the task);
# head = Руководитель отдела продаж; adm = Администратор.
# Answers: ok = 2xx, or a redirect anywhere but the login page; saved = ok, and rows were written
# (each request is rolled back after); login = a redirect to the login page; otherwise the status
# code (400 = the body was refused by the form, 403, 404, 405, 409 = refused in this state). A 500
# is never expected; an answer other than ok or saved must leave every table unchanged; the owner's
# deal, lead, task and invoice must not appear on any page that the colleague or the outsider gets.
# Not in the matrix: Django's admin site (/admin/, staff only) and static/media files (none routed).
# In it: login, logout and set_language (the project routes no password pages).
#
# Regenerate after a deliberate change, then review the diff:
#     ACCESS_MATRIX=write bin/test crm/tests/test_access_matrix.py
"""


def render_table(cells: dict[str, dict[str, list[str]]], cols: list[str]) -> str:
    width = max(len(name) for name in cells) + 1
    head = " ".join(f"{c:<5}" for c in cols)
    lines = [HEADER, f"{'URL name':<{width}}| GET   {head} | POST  {head}".rstrip()]
    for name in sorted(cells):
        get, post = (" ".join(f"{a:<5}" for a in cells[name][m]) for m in METHODS)
        lines.append(f"{name:<{width}}|       {get} |       {post}".rstrip())
    return "\n".join(lines) + "\n"


def parse_table(text: str) -> tuple[list[str], dict[str, dict[str, list[str]]]]:
    cols: list[str] = []
    rows: dict[str, dict[str, list[str]]] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, get, post = (part.split() for part in line.split("|"))
        if name == ["URL", "name"]:
            cols = get[1:]
            continue
        rows[name[0]] = {"GET": get, "POST": post}
    return cols, rows


def differences(expected: str, actual: dict[str, dict[str, list[str]]], cols: list[str]) -> list[str]:
    """What the table says and the project does not, each naming its URL, method and user."""
    table_cols, rows = parse_table(expected)
    if table_cols != cols:
        return [f"the table's columns are {table_cols}, the users (from the database's roles) are {cols}"]
    found = [f"{name}: a URL name without a row in {TABLE.name}" for name in sorted(set(actual) - set(rows))]
    found += [f"{name}: a row in {TABLE.name} for a URL name that is gone" for name in sorted(set(rows) - set(actual))]
    for name in sorted(set(actual) & set(rows)):
        for method in METHODS:
            for col, want, got in zip(cols, rows[name][method], actual[name][method], strict=True):
                if want != got:
                    found.append(f"{name} {method} as {col}: expected {want}, answered {got}")
    return found


# --- the tests ---------------------------------------------------------------------------------------


def test_every_url_answers_every_user_as_the_table_says(access_world):
    world = access_world
    browsers = {}
    for col, user in world.users.items():
        browsers[col] = Browser()
        if user is not None:
            browsers[col].force_login(user)
    cookies = {col: SimpleCookie(browser.cookies) for col, browser in browsers.items()}
    owner = logged_in(world.users["own"])  # for the forms of FORMS; logging in writes last_login
    asker = Asker(world.objects)
    names = url_names()

    cells: dict[str, dict[str, list[str]]] = {}
    failures: list[str] = []
    for name, arguments in sorted(names.items()):
        url = address(name, arguments, world.objects)
        form = FORMS.get(name)
        if form:
            page, form_id, changes = form
            form = {**opened_form(owner, address(page, names[page], world.objects), form_id), **changes}
        cells[name] = {}
        for method in METHODS:
            row = cells[name][method] = []
            for col, browser in browsers.items():
                browser.cookies = SimpleCookie(cookies[col])  # as logged in, whatever the last request did
                body = form or (BODIES[name](world.objects) if name in BODIES else {})
                body = body if method == "POST" else {}
                answer, problems = asker.ask(browser, col, method, url, body)
                row.append(answer)
                failures += [f"{name} {method} {url} as {col}: {problem}" for problem in problems]
    cols = list(world.users)
    failures += [
        f"«{word}» of SECRETS is on no page of the owner" for word in sorted(set(SECRETS) - asker.seen_by_owner)
    ]
    if WRITE:
        TABLE.write_text(render_table(cells, cols), encoding="utf-8")
    else:
        failures += differences(TABLE.read_text(encoding="utf-8"), cells, cols)
    assert not failures, "\n".join(failures)


def test_a_url_name_without_a_row_and_a_row_without_a_url_are_named():
    table = render_table(
        {
            "a:kept": {"GET": ["ok", "403"], "POST": ["405", "405"]},
            "a:gone": {"GET": ["ok", "ok"], "POST": ["ok", "ok"]},
        },
        ["anon", "own"],
    )
    actual = {
        "a:kept": {"GET": ["ok", "404"], "POST": ["405", "405"]},
        "a:new": {"GET": ["ok", "ok"], "POST": ["ok", "ok"]},
    }
    assert differences(table, actual, ["anon", "own"]) == [
        f"a:new: a URL name without a row in {TABLE.name}",
        f"a:gone: a row in {TABLE.name} for a URL name that is gone",
        "a:kept GET as own: expected 403, answered 404",
    ]
    assert differences(table, actual, ["anon", "own", "new"])[0].startswith("the table's columns are ['anon', 'own']")


def test_a_role_without_a_column_is_named(db, request):
    Group.objects.create(name="Кладовщик")
    with pytest.raises(AssertionError, match="Кладовщик"):
        request.getfixturevalue("access_world")


def test_every_url_name_is_found_with_its_namespace_and_arguments_and_no_admin_page():
    names = url_names()
    assert names["clients:detail"] == ["pk"]
    assert names["tasks:action"] == ["pk", "action"]
    assert names["clients:field_option_restore"] == ["pk"]  # `retired` is the URL conf's own argument
    assert names["login"] == names["set_language"] == []
    assert not [name for name in names if name.startswith("admin:")]
