"""The working day's mix that `bin/load` runs through locust (headless, against nginx + gunicorn).

Managers page, filter and search the client list, open cards and edit forms and save real edits,
move deals on the board, fill the items of their tasks and mark them done; supervisors run the
contact-information wizard to «Готово»; reviewers accept done tasks; sales heads open reports and
their Excel (one user in ten). Every user logs in once and thinks 2–8 s between clicks
(`LOAD_THINK`). Requests are named by page, not by URL. What was saved is appended to the JSONL
journal `LOAD_JOURNAL`, which `manage.py load_check` compares with the database afterwards.

Environment: LOAD_ACCOUNTS (JSON written by devtools.load.run: usernames, passwords, ids by role),
LOAD_JOURNAL, LOAD_THINK ("2-8"), LOAD_MEASURE (seconds measured once every user has logged in:
the statistics are reset then and the run ends after that long; the logins and the ramp are in
locust's history only), LOAD_COSTS (a JSON file: per page, what the app's Server-Timing header
said each measured request cost — CPU ms, ms waiting on the database, statements — written at
the end).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import gevent
from locust import FastHttpUser, between, events, task
from lxml import html as lxml_html

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from crm.testing import submitted_form

_PEOPLE = json.loads(Path(os.environ["LOAD_ACCOUNTS"]).read_text(encoding="utf-8"))
ACCOUNTS: dict[str, list[dict]] = _PEOPLE["roles"]
EMAIL_KINDS: dict[str, int] = _PEOPLE["email_kinds"]  # the e-mail kinds of contact information, by name
THINK = tuple(float(x) for x in os.environ.get("LOAD_THINK", "2-8").split("-", 1))
_journal = open(os.environ["LOAD_JOURNAL"], "a", encoding="utf-8", buffering=1)
_turns = {role: itertools.count() for role in ACCOUNTS}
MEASURE = float(os.environ.get("LOAD_MEASURE", "0"))
_logged_in = itertools.count(1)
COSTS = os.environ.get("LOAD_COSTS")
SERVER_TIMING = re.compile(r'(\w+);dur=([\d.]+)(?:;desc="(\d+)")?')
_costs: dict[str, list[float]] = {}  # page → [answers timed, CPU ms, database ms, statements]

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CSRF_HEADER = re.compile(r'&quot;X-CSRFToken&quot;: &quot;([^&]+)&quot;|"X-CSRFToken": "([^"]+)"')
CLIENT_LINK = re.compile(r'href="/clients/(\d+)/"')
TASK_LINK = re.compile(r'href="/tasks/(\d+)/"')
REPORTS = (
    "client_analysis",
    "completeness_by_manager",
    "task_iterations",
    "invoice_register",
    "invoices_to_pay",
    "debt_by_manager",
    "payments_by_manager",
    "funnel_conversion",
    "funnel_managers",
)
REPORT_URLS = {
    "client_analysis": "/reports/client-analysis/",
    "completeness_by_manager": "/reports/completeness-by-manager/",
    "task_iterations": "/reports/task-iterations/",
    "invoice_register": "/reports/invoice-register/",
    "invoices_to_pay": "/reports/invoices-to-pay/",
    "debt_by_manager": "/reports/debt-by-manager/",
    "payments_by_manager": "/reports/payments-by-manager/",
    "funnel_conversion": "/reports/funnel-conversion/",
    "funnel_managers": "/reports/funnel-managers/",
}


def journal(**entry) -> None:
    _journal.write(json.dumps(entry, ensure_ascii=False) + "\n")


def csrf_token(text: str) -> str:
    found = CSRF_INPUT.search(text)
    if found:
        return found.group(1)
    found = CSRF_HEADER.search(text)
    return (found.group(1) or found.group(2)) if found else ""


@events.request.add_listener
def _add_cost(name: str, response=None, **_kwargs) -> None:
    header = response.headers.get("Server-Timing") if response is not None and response.headers else None
    if not header:
        return
    timing = {metric: (float(dur), int(count or 0)) for metric, dur, count in SERVER_TIMING.findall(header)}
    if "cpu" in timing and "sql" in timing:
        cost = _costs.setdefault(name, [0, 0.0, 0.0, 0])
        cost[0] += 1
        cost[1] += timing["cpu"][0]
        cost[2] += timing["sql"][0]
        cost[3] += timing["sql"][1]


@events.quitting.add_listener
def _write_costs(**_kwargs) -> None:
    if COSTS:
        Path(COSTS).write_text(json.dumps(_costs, ensure_ascii=False), encoding="utf-8")


def think() -> None:
    time.sleep(random.uniform(*THINK))


class Person(FastHttpUser):
    """A logged-in user of one role; `call` and `send` name each request by its page."""

    abstract = True
    wait_time = between(*THINK)
    role = ""

    def on_start(self) -> None:
        accounts = ACCOUNTS[self.role]
        self.account = accounts[next(_turns[self.role]) % len(accounts)]
        page = self.call("/login/", "login")
        answer = self.send(
            "/login/",
            "login: submit",
            {
                "csrfmiddlewaretoken": csrf_token(page or ""),
                "username": self.account["username"],
                "password": self.account["password"],
            },
        )
        self._count_login()
        if answer is None:
            raise RuntimeError(f"{self.account['username']} could not log in")

    def _count_login(self) -> None:
        """When the last user has logged in: reset the statistics and end the run MEASURE s later."""
        runner = self.environment.runner
        if MEASURE and runner is not None and next(_logged_in) == runner.target_user_count:
            self.environment.stats.reset_all()
            _costs.clear()
            journal(kind="measuring", seconds=MEASURE, users=runner.target_user_count, at=time.time())
            gevent.spawn_later(MEASURE, runner.quit)

    def call(self, url: str, name: str, expect: tuple[int, ...] = (200,), headers: dict | None = None) -> str | None:
        """GET `url`; the page's text, or None (a failure) when the answer is not expected."""
        with self.client.get(url, name=name, headers=headers, catch_response=True, allow_redirects=False) as response:
            if response.status_code not in expect:
                response.failure(f"{response.status_code}")
                return None
            response.success()
            return response.text or ""

    def send(
        self, url: str, name: str, data, expect: tuple[int, ...] = (302,), *, json_answer: bool = False
    ) -> tuple[int, str, str] | None:
        """POST the form `data` as the browser does (Referer and Origin for Django's CSRF check over
        TLS); (status, Location, body), or None (a failure) when the answer is not expected."""
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"{self.host}{url}",
            "Origin": self.host,
        }
        if json_answer:
            headers |= {"Accept": "application/json", "X-CSRFToken": data.get("csrfmiddlewaretoken", "")}
        body = urlencode(data, doseq=True)
        with self.client.post(
            url, data=body, name=name, headers=headers, catch_response=True, allow_redirects=False
        ) as response:
            if response.status_code not in expect:
                response.failure(f"{response.status_code}")
                return None
            response.success()
            return response.status_code, response.headers.get("Location", "") or "", response.text or ""


class Manager(Person):
    """Менеджер: the client list, cards and their edits, the board, «Мои дела», invoices."""

    weight = 7
    role = "manager"

    def on_start(self) -> None:
        super().on_start()
        self.seen: list[int] = []

    @task(6)
    def client_list(self) -> None:
        choice = random.random()
        if choice < 0.3:
            url, name = f"/clients/?page={random.randint(1, 4)}", "clients:list paging"
        elif choice < 0.6:
            field = random.choice(
                ["abc_class=A", "kind=company", f"responsible={self.account['id']}", "kind=individual"]
            )
            url, name = f"/clients/?{field}", "clients:list filtered"
        else:
            url, name = "/clients/", "clients:list"
        page = self.call(url, name, expect=(200, 404))
        if not page:
            return
        self.seen = [int(pk) for pk in CLIENT_LINK.findall(page)] or self.seen
        if choice > 0.8 and self.seen:
            # A search by the start of a name seen on the page.
            names = re.findall(r'href="/clients/\d+/">([^<]+)</a>', page)
            words = [w for n in names for w in re.findall(r"\w{4,}", n)]
            if words:
                term = random.choice(words)[:5]
                self.call("/clients/?" + urlencode({"q": term}), "clients:list search")

    @task(4)
    def card(self) -> None:
        if self.seen:
            self.call(f"/clients/{random.choice(self.seen)}/", "clients:detail")

    @task(2)
    def edit_card(self) -> None:
        mine = self.call(f"/clients/?responsible={self.account['id']}", "clients:list filtered")
        own = [int(pk) for pk in CLIENT_LINK.findall(mine or "")]
        if own:
            # The first few cards of the list: colleagues on the same account meet on them.
            self.edit(random.choice(own[:5]))

    def edit(self, pk: int, fill: dict[str, str] | None = None, next_url: str = "") -> None:
        url = f"/clients/{pk}/edit/" + (f"?next={next_url}" if next_url else "")
        page = self.call(url, "clients:edit")
        if not page:
            return
        form = submitted_form(page, "client-form")
        field = random.choice(["comment", "legal_address"])
        value = f"Нагрузка {uuid.uuid4().hex[:10]}"
        form[f"client-{field}"] = value
        infos = dict(fill or {})
        for kind, info_value in list(infos.items()):
            blank = next((k for k in form if re.fullmatch(r"info-\d+-kind", k) and not form[k]), None)
            if blank is None:
                del infos[kind]
                continue
            form[blank] = kind
            form[blank.replace("-kind", "-value")] = info_value
        think()  # typing
        save, who = f"/clients/{pk}/edit/", self.account["username"]
        answer = self.send(save, "clients:edit save", form, expect=(302, 409, 200))
        if answer and answer[0] == 200 and 'name="client-confirm_duplicates" value="on"' in answer[2]:
            # «Такой клиент уже есть»: the second «Записать» saves anyway.
            answer = self.send(save, "clients:edit save", submitted_form(answer[2], "client-form"), (302, 409))
        if answer and answer[0] == 409:
            # A colleague changed the same field meanwhile: the form comes back from what is stored,
            # this user's changes kept, both values shown with «записать моё» chosen; saved again.
            journal(kind="conflict", client=pk, field=field, user=who)
            think()
            form = submitted_form(answer[2], "client-form")
            answer = self.send(save, "clients:edit save again", form, (302, 409))
        if answer is None or answer[0] == 409:
            return
        if answer[0] == 302:
            opened = int(form.get("client-version") or 0)
            journal(kind="edit", client=pk, field=field, value=value, user=who, opened_version=opened)
            for kind, info_value in infos.items():
                journal(kind="info", client=pk, info_kind=int(kind), value=info_value, user=who)
            return
        errors = re.findall(r'class="invalid-feedback[^"]*"[^>]*>([^<]+)', answer[2])
        self.environment.events.request.fire(
            request_type="CHECK",
            name="clients:edit save refused",
            response_time=0,
            response_length=0,
            exception=RuntimeError(f"client {pk}: the form was refused: {errors[:3]}"),
        )

    @task(2)
    def board(self) -> None:
        page = self.call("/funnel/", "funnel:board")
        if not page:
            return
        tree = lxml_html.fromstring(page)
        open_stages = [c.get("data-stage-id") for c in tree.xpath('//*[@data-column][@data-stage-kind="open"]')]
        cards = tree.xpath("//*[@data-move-url]")
        cards = [c for c in cards if c.get("data-stage-id") in open_stages]
        if len(open_stages) < 2 or not cards:
            return
        card = random.choice(cards)
        target = random.choice([s for s in open_stages if s != card.get("data-stage-id")])
        think()  # the drag
        data = {"csrfmiddlewaretoken": csrf_token(page), "stage": target, "seen_stage": card.get("data-stage-id")}
        # 409: someone moved it meanwhile; the board says so and puts the card back.
        answer = self.send(card.get("data-move-url"), "funnel:deal_move", data, (200, 409), json_answer=True)
        if answer and answer[0] == 200:
            deal = int(json.loads(answer[2])["deal"])
            journal(kind="move", deal=deal, stage=int(target), user=self.account["username"])

    @task(2)
    def fill_task(self) -> None:
        page = self.call("/tasks/", "tasks:my")
        tasks = TASK_LINK.findall(page or "")
        if not tasks:
            return
        pk = random.choice(tasks[:10])
        detail = self.call(f"/tasks/{pk}/", "tasks:detail")
        if not detail:
            return
        tree = lxml_html.fromstring(detail)
        rows = [
            r for r in tree.xpath('//table[@id="task-items"]/tbody/tr') if r.xpath(".//a[contains(@href, '/edit/')]")
        ]
        if rows and random.random() < 0.7:
            row = random.choice(rows)
            missing = row.xpath("./td[3]")[0].text_content()
            client = int(
                re.search(r"/clients/(\d+)/edit/", row.xpath(".//a[contains(@href, '/edit/')]")[0].get("href")).group(1)
            )
            think()
            fill = {
                str(kind_pk): f"load-{uuid.uuid4().hex[:10]}@example.com"
                for label, kind_pk in EMAIL_KINDS.items()
                if label in missing
            }
            self.edit(client, fill, next_url=f"/tasks/{pk}/")
        elif f"/tasks/{pk}/complete/" in detail:
            think()
            token = csrf_token(detail)
            # «Выполнено» at any progress; 409: the task changed meanwhile.
            if self.send(f"/tasks/{pk}/complete/", "tasks:action complete", {"csrfmiddlewaretoken": token}, (302, 409)):
                journal(kind="done", task=int(pk), user=self.account["username"])

    @task(1)
    def invoices(self) -> None:
        self.call("/sales/invoices/", "sales:invoice_list")


class Supervisor(Person):
    """Руководитель: «Контроль заполнения контактной информации» to «Готово», and the list."""

    weight = 1
    role = "supervisor"

    @task(1)
    def wizard(self) -> None:
        page = self.call("/quality/contact-info/", "quality:step1")
        if not page:
            return
        form = submitted_form(page, "wizard-step1")
        kinds = re.findall(r'name="client_kinds" value="(\d+)"', page)
        form["client_kinds"] = random.sample(kinds, min(len(kinds), random.randint(1, 2)))
        think()
        answer = self.send("/quality/contact-info/", "quality:step1 save", form)
        if not answer:
            return
        step2 = answer[1]
        page = self.call(step2, "quality:step2")
        if not page:
            return
        form = submitted_form(page, "wizard-step2")
        managers = [str(a["id"]) for a in ACCOUNTS["manager"]]
        form["responsible"] = random.choice(managers)
        think()
        answer = self.send(step2, "quality:step2 save", form)
        if not answer:
            return
        step3 = answer[1]
        page = self.call(step3, "quality:step3")
        if not page:
            return
        think()
        answer = self.send(step3, "quality:step3 save", {"csrfmiddlewaretoken": csrf_token(page)})
        if not answer:
            return
        step4 = answer[1]
        page = self.call(step4, "quality:step4")
        if not page:
            return
        form = submitted_form(page, "wizard-step4")
        form["reviewer"] = str(random.choice(ACCOUNTS["reviewer"])["id"])
        think()
        answer = self.send(step4, "quality:step4 Готово", form)
        if not answer:
            return
        run_url = answer[1]
        if random.random() < 0.3:
            self.send(step4, "quality:step4 Готово", form)  # a double click: the run makes its tasks once
        run = re.search(r"/quality/runs/([0-9a-f-]{36})/", run_url)
        if run:
            journal(kind="wizard", run=run.group(1), user=self.account["username"])
            for _ in range(3):
                time.sleep(1)
                # What the page's htmx asks every second until the run has finished.
                page = self.call(run_url, "quality:run_detail progress", headers={"HX-Request": "true"})
                if not page or "hx-trigger" not in page:
                    break

    @task(2)
    def client_list(self) -> None:
        self.call("/clients/?page=" + str(random.randint(1, 3)), "clients:list paging")

    @task(1)
    def board(self) -> None:
        self.call("/funnel/", "funnel:board")


class Reviewer(Person):
    """Проверяющий: «Мои дела» with its reminders, a done task opened and accepted."""

    weight = 1
    role = "reviewer"

    @task
    def review(self) -> None:
        page = self.call("/tasks/", "tasks:my")
        if not page:
            return
        reminders = page.split('id="reminders"', 1)
        waiting = TASK_LINK.findall(reminders[1]) if len(reminders) > 1 else []
        if not waiting:
            return
        pk = random.choice(waiting[:10])
        detail = self.call(f"/tasks/{pk}/", "tasks:detail")
        if not detail or f"/tasks/{pk}/accept/" not in detail:
            return
        think()
        # 409: a colleague on the same account decided first.
        answer = self.send(
            f"/tasks/{pk}/accept/", "tasks:action accept", {"csrfmiddlewaretoken": csrf_token(detail)}, (302, 409)
        )
        if answer and answer[0] == 302:
            journal(kind="accept", task=int(pk), user=self.account["username"])


class SalesHead(Person):
    """Руководитель отдела продаж: the reports and their Excel."""

    weight = 1
    role = "saleshead"

    @task(4)
    def report(self) -> None:
        name = random.choice(REPORTS)
        page = self.call(REPORT_URLS[name], f"reports:{name}")
        if page and random.random() < 0.3:
            think()
            self.call(REPORT_URLS[name] + "?export=xlsx", f"reports:{name} Excel")

    @task(1)
    def index(self) -> None:
        self.call("/reports/", "reports:index")
