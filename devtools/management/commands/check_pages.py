"""`manage.py check_pages [--user NAME ...]`: open every page of the app as each user, and say
which page failed.

A smoke test of a database with data in it — the SQLite demo after `seed_demo`, or a server after
a deploy: every GET page without parameters in the URL, the first object's page of each kind
(client, deal, invoice, payment, contract, акт сверки, task, wizard run), the ledger and the акт сверки of a
client with shipments, and each report's Excel, print view and «На дату» a year back, requested
in-process through django.test.Client as each user (the demo users by default). A page may answer
anything but a server error: 403 and 404 are what a role is allowed to get. Exits with 1 when a
page failed.
"""

from __future__ import annotations

import datetime
import logging
import traceback
from collections.abc import Iterator

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.test import Client as HttpClient
from django.test.utils import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

DEMO_USERS = ("manager", "supervisor", "saleshead", "admin")
SKIPPED = ("admin", "login", "logout", "set_language")  # Django's own pages and the login itself


def plain_pages(resolver: URLResolver | None = None, prefix: str = "/", namespace: str = "") -> Iterator[str]:
    """The paths of the URL patterns that take no parameters, each once."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = str(pattern.pattern)
        if "<" in route or route.startswith("^"):
            continue
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            yield from plain_pages(pattern, prefix + route, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name not in SKIPPED:
            yield prefix + route


def object_pages() -> Iterator[str]:
    """The page of the first object of each kind that has one."""
    from clients.models import Client
    from funnel.models import Deal
    from quality.models import WizardRun
    from sales.models import Contract, Invoice, Payment, Reconciliation
    from tasks.models import Task

    for names, model in (
        (("clients:detail", "clients:edit"), Client),
        (("funnel:deal_detail", "funnel:deal_edit"), Deal),
        (("sales:invoice_detail", "sales:invoice_edit"), Invoice),
        (("sales:payment_detail",), Payment),
        (("sales:contract_detail",), Contract),
        (("sales:reconciliation_detail", "sales:reconciliation_file"), Reconciliation),
        (("tasks:detail",), Task),
        (("quality:run_detail",), WizardRun),
    ):
        first = model.objects.order_by("pk").first()
        if first is not None:
            yield from (reverse(name, args=[first.pk]) for name in names)


def ledger_pages() -> Iterator[str]:
    """The client ledger and the акт сверки of the first client with a shipment, over the year of
    that shipment: the report of a client without documents shows nothing that could fail."""
    from sales.models import Invoice

    shipped = Invoice.objects.filter(status=Invoice.Status.SHIPPED).order_by("pk").first()
    if shipped is not None:
        query = f"?client={shipped.client_id}&start={shipped.shipped_on.replace(month=1, day=1).isoformat()}"
        yield from (reverse(name) + query for name in ("reports:client_ledger", "reports:reconciliation"))
        yield f"{reverse('sales:reconciliation_create')}{query}&end={shipped.shipped_on.isoformat()}"


def report_pages(pages: list[str]) -> Iterator[str]:
    """Each report's Excel and print view, and the report on a date a year back."""
    index = reverse("reports:index")
    year_ago = (timezone.localdate() - datetime.timedelta(days=365)).isoformat()
    for page in pages:
        if page.startswith(index) and page != index:
            yield f"{page}?export=xlsx"
            yield f"{page}?print=1"
            yield f"{page}?on={year_ago}"


class Command(BaseCommand):
    help = "Open every page as each user and report the pages that fail (a smoke test)."

    def add_arguments(self, parser):
        parser.add_argument("--user", action="append", dest="users", help="a username (repeatable)")

    def handle(self, *args, users=None, **options):
        usernames = users or DEMO_USERS
        found = {u.username: u for u in get_user_model().objects.filter(username__in=usernames)}
        missing = [name for name in usernames if name not in found]
        if missing:
            raise CommandError(f"no such users: {', '.join(missing)} (seed the demo data first)")
        pages = sorted(set(plain_pages()))
        pages += list(object_pages())
        pages += list(ledger_pages())
        pages += list(report_pages(pages))
        failed = 0
        logging.getLogger("django.request").setLevel(logging.ERROR)  # a 403, 404 or 405 is fine here
        with override_settings(ALLOWED_HOSTS=["testserver"]):
            for name in usernames:
                http = HttpClient()
                http.force_login(found[name])
                for page in pages:
                    try:
                        status = http.get(page).status_code
                    except Exception:  # the page raised: that is what this command looks for
                        status, detail = 500, traceback.format_exc(limit=-3)
                    else:
                        detail = ""
                    if status >= 500:
                        failed += 1
                        self.stderr.write(f"{name}: {page} → {status}\n{detail}")
        self.stdout.write(f"{len(pages)} pages × {len(usernames)} users, {failed} failed")
        if failed:
            raise CommandError(f"{failed} page(s) failed")
