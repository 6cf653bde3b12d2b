"""`manage.py seed_demo --size S|M|L [--seed N] [--reset]`: generate the demo / benchmark data set.

Sizes: S = 1k clients, M = 10k, L = 100k (the data set of the performance budgets). The same size
and seed give the same data. If clients already exist the command refuses, unless `--reset` is
given: it then empties the seeded tables first (one TRUNCATE on PostgreSQL) and seeds again, all in
one transaction. On PostgreSQL the tables are vacuumed and analysed afterwards so that the planner
sees the new data at once.

`--missing` runs only the seeders whose app has no data yet: a data set made before an app had a
seeder gets that app's rows without being generated again. The seeders and how to add one:
devtools/seed/__init__.py.
"""

from __future__ import annotations

import sys
import time
from types import ModuleType

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Model

from devtools.seed import add_data_set_arguments
from devtools.seed import seeders as all_seeders
from devtools.seed.common import ProgressFactory, no_progress
from devtools.seed.loading import analyze, reset_seeded_data, secondary_indexes_dropped


class Command(BaseCommand):
    help = "Generate the demo data set: S = 1k clients, M = 10k, L = 100k (see the module docstring)."

    def add_arguments(self, parser):
        add_data_set_arguments(parser, size="S")
        parser.add_argument("--reset", action="store_true", help="delete the seeded data first")
        parser.add_argument(
            "--missing",
            action="store_true",
            help="seed only the apps that have no data yet (e.g. tasks for a base seeded before them)",
        )

    def handle(self, *args, size: str, seed: int, reset: bool, missing: bool = False, verbosity: int, **options):
        seeders = all_seeders()
        if missing and reset:
            raise CommandError("--missing adds to the data and --reset replaces it: give one of them")
        if missing:
            seeders = [s for s in seeders if getattr(s, "SEED_GUARD", None) and not s.SEED_GUARD.objects.exists()]
            if not seeders:
                if verbosity:
                    self.stdout.write("Every app already has its data; nothing to seed.")
                return
        elif not reset:
            for seeder in seeders:
                guard = getattr(seeder, "SEED_GUARD", None)
                if guard is not None and guard.objects.exists():
                    raise CommandError(
                        f"The database already holds seeded data ({guard.objects.count()} rows in "
                        f"{guard._meta.db_table}); nothing was changed. "
                        "Run again with --reset to delete the seeded data and generate it anew."
                    )
        progress = self._progress_factory(verbosity)
        started = time.perf_counter()
        summary: list[tuple[str, dict[str, int], float]] = []
        with transaction.atomic():
            if reset:
                t0 = time.perf_counter()
                reset_seeded_data(seeded_models(seeders))
                if verbosity:
                    self.stdout.write(f"Deleted the seeded data in {time.perf_counter() - t0:.1f} s.")
            with secondary_indexes_dropped(seeded_models(seeders)):
                for seeder in seeders:
                    t0 = time.perf_counter()
                    counts = seeder.seed(size, seed, progress)
                    summary.append((seeder.__name__, counts or {}, time.perf_counter() - t0))
                t0 = time.perf_counter()
            if connection.vendor == "postgresql" and verbosity:
                self.stdout.write(f"Checked foreign keys and rebuilt the indexes in {time.perf_counter() - t0:.1f} s.")
            for seeder in seeders:
                finish = getattr(seeder, "finish", None)
                if finish is not None:
                    t0 = time.perf_counter()
                    finish()
                    if verbosity:
                        self.stdout.write(f"{seeder.__name__}: finished in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        analyze()
        analyzed = time.perf_counter() - t0
        if verbosity:
            for name, counts, seconds in summary:
                rows = ", ".join(f"{label}: {n}" for label, n in counts.items())
                self.stdout.write(f"{name}: {rows} ({seconds:.1f} s)")
            if connection.vendor == "postgresql":
                self.stdout.write(f"analyze: {analyzed:.1f} s")
            self.stdout.write(
                self.style.SUCCESS(f"Seeded size {size} with seed {seed} in {time.perf_counter() - started:.1f} s.")
            )

    def _progress_factory(self, verbosity: int) -> ProgressFactory:
        if verbosity == 0:
            return no_progress
        from tqdm import tqdm

        stream = getattr(self.stdout, "_out", sys.stdout)  # tqdm needs the raw stream for its \r updates

        def progress(**kwargs):
            return tqdm(file=stream, mininterval=0.5, dynamic_ncols=True, **kwargs)

        return progress


def seeded_models(seeders: list[ModuleType]) -> list[type[Model]]:
    return [model for seeder in seeders for model in getattr(seeder, "SEED_MODELS", ())]
