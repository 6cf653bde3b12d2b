"""`manage.py bench [--size S|M|L] [--repeat N] [--json FILE] [--scenario NAME ...]`

Measures the pages against the performance budgets (see devtools/bench/runner.py for what is
measured and how to add scenarios). PostgreSQL only. Seeds the data set of the size first when the
database holds no clients; reuses the data when it holds at least as many clients as the size has.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from clients.models import Client
from devtools.bench import runner as bench
from devtools.seed import add_data_set_arguments
from devtools.seed.common import SIZES


class Command(BaseCommand):
    help = "Measure server time and SQL queries of the pages against the budgets (PostgreSQL only)."

    def add_arguments(self, parser):
        add_data_set_arguments(parser, size="L")
        parser.add_argument("--repeat", type=int, default=bench.DEFAULT_REPEAT, help="timed requests per scenario")
        parser.add_argument("--warmup", type=int, default=bench.DEFAULT_WARMUP, help="untimed requests first")
        parser.add_argument("--json", dest="json_path", metavar="FILE", help="also write the results as JSON")
        parser.add_argument("--scenario", action="append", metavar="NAME", help="only these scenarios (repeatable)")
        parser.add_argument(
            "--reset", action="store_true", help="replace the data when the database holds fewer clients than the size"
        )

    def handle(self, *args, size, repeat, warmup, json_path, scenario, seed, reset, verbosity, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                f"bench measures PostgreSQL only, but the database is {connection.vendor}. "
                "Set DATABASE_URL=postgres://... (the budgets are for PostgreSQL; SQLite is for the demo)."
            )
        if repeat < 1 or warmup < 0:
            raise CommandError("--repeat must be at least 1 and --warmup at least 0")
        registry = bench.discover()
        unknown = sorted(set(scenario or ()) - set(registry))
        if unknown:
            raise CommandError(f"unknown scenario(s) {unknown}; known: {sorted(registry)}")

        needed, present = SIZES[size], Client.objects.count()
        if present == 0 or (present < needed and reset):
            self.stdout.write(f"The database holds {present} clients; generating size {size} ({needed} clients).")
            call_command("seed_demo", size=size, seed=seed, reset=present > 0, verbosity=verbosity, stdout=self.stdout)
        elif present < needed:
            raise CommandError(
                f"The database holds {present} clients, fewer than size {size} needs ({needed}). "
                "Run with --reset to replace them with the generated data set, or choose a smaller --size."
            )
        else:
            self.stdout.write(f"Reusing the {present} clients in the database (size {size} needs {needed}).")
            # Apps that got a seeder after the data set was made get their rows now.
            call_command("seed_demo", size=size, seed=seed, missing=True, verbosity=verbosity, stdout=self.stdout)

        self.stdout.write(f"{repeat} timed requests per scenario after {warmup} warm-up ones; times in ms.")
        self.stdout.write(bench.format_table([]))
        results = bench.run(scenario, size=size, repeat=repeat, warmup=warmup, log=self.stdout.write)
        over = [r.scenario for r in results if r.over_budget]
        if json_path:
            Path(json_path).write_text(
                json.dumps([r.as_dict() for r in results], ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )
            self.stdout.write(f"Results written to {json_path}.")
        if over:
            self.stdout.write(self.style.WARNING(f"Over budget: {', '.join(over)}."))
        else:
            self.stdout.write(self.style.SUCCESS("All scenarios within budget."))
