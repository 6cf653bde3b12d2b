"""`manage.py bench_requests --scenario NAME [--warmup W] [--requests N] [--size S]`

Makes N requests of one bench scenario after W warm-up ones, and nothing else: no timing, no query
capture, no floors. For a counter outside the process — `bin/instructions` runs it under valgrind
with 0 and with N requests and divides the difference, which this machine's load cannot change as
it changes CPU time.
"""

from __future__ import annotations

import random

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test import Client as HttpClient
from django.test.utils import override_settings

from devtools.bench import runner as bench
from devtools.seed.common import SIZES


class Command(BaseCommand):
    help = "Make N requests of one bench scenario after W warm-up ones (for bin/instructions)."

    def add_arguments(self, parser):
        parser.add_argument("--scenario", required=True, metavar="NAME")
        parser.add_argument("--size", default="L", choices=sorted(SIZES), help="what the scenario draws for")
        parser.add_argument("--warmup", type=int, default=bench.DEFAULT_WARMUP)
        parser.add_argument("--requests", type=int, default=10)

    def handle(self, *args, scenario, size, warmup, requests, **options):
        registry = bench.discover()
        if scenario not in registry:
            raise CommandError(f"unknown scenario {scenario!r}; known: {sorted(registry)}")
        user = bench.bench_user()
        if user is None:
            raise CommandError("no user to log in as: seed the data first (bin/bench)")
        chosen, ctx = registry[scenario](), bench.BenchContext(rng=random.Random(0), user=user, size=size)
        chosen.setup(ctx)
        # As bench.run() makes them: DEBUG off, the test client's host allowed.
        with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"], DEBUG=False):
            http = HttpClient(raise_request_exception=True)
            http.force_login(chosen.user(ctx))
            try:
                for i in range(warmup):
                    bench.get_ok(http, chosen.url(i))
                bench.settle()
                for i in range(warmup, warmup + requests):
                    bench.get_ok(http, chosen.url(i))
            finally:
                http.logout()
        self.stdout.write(f"{scenario}: {requests} requests after {warmup} warm-up ones")
