"""`manage.py seed_demo --size S|M|L [--seed N] [--reset]`: generate the demo / benchmark data set.

Sizes: S = 1k clients, M = 10k, L = 100k (the data set of the performance budgets). The same size
and seed give the same data. If clients already exist the command refuses, unless `--reset` is
given: it then empties the seeded tables first (one TRUNCATE on PostgreSQL) and seeds again, all in
one transaction. On PostgreSQL the tables are vacuumed and analysed afterwards so that the planner
sees the new data at once.

Adding a seeder (e.g. for `sales` or `funnel`)
----------------------------------------------
`--missing` runs only the seeders whose SEED_GUARD table is empty: a data set made before an app had a
seeder gets that app's rows without being generated again.

Create `<app>/seed.py` in the app; it is found by module name, like Celery's autodiscovery, and the
seeders run in INSTALLED_APPS order, which is the order of the dependencies (clients, sales, tasks,
quality, funnel), so a seeder may read the rows made by the ones before it. The module provides:

    def seed(size: str, rng_seed: int, progress) -> dict[str, int]
        Create the app's rows for `size` ("XS", "S", "M" or "L"; XS is a tiny size for tests) and
        return row counts by name for the summary. Use `random.Random(f"<app>:{rng_seed}")` (and
        `Faker.seed_instance(rng_seed)`) so that the data are repeatable and adding a seeder does
        not change the data of the others. Insert with bulk_create in batches; `progress(total=..,
        desc=.., unit=..)` returns a tqdm-like bar (`update(n)`, `close()`).
    SEED_MODELS = (ModelA, ModelB, ...)
        The models the seeder fills, parents first. `--reset` empties them (children first).
    def finish() -> None   (optional)
        Called once every seeder has run and the indexes are back, in the same transaction: for
        derived data that is computed by SQL over what was seeded.
    SEED_GUARD = ModelA   (optional)
        The command refuses to seed while this model holds rows, unless `--reset` is given.

See clients/seed.py for an example.
"""

from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

SIZES = ("XS", "S", "M", "L")
# The seeders, in the order of the apps' dependencies: a seeder may read the rows of the ones before it.
SEEDERS = ("clients", "sales", "tasks", "quality", "funnel")


def discover_seeders() -> list[ModuleType]:
    """The seeder modules of devtools/seed/, in the order of the apps' dependencies."""
    return [importlib.import_module(f"devtools.seed.{name}") for name in SEEDERS]


def reset_seeded_data(seeders: list[ModuleType]) -> None:
    """Empty every table the seeders fill: one TRUNCATE on PostgreSQL, DELETEs elsewhere."""
    models = [model for seeder in seeders for model in getattr(seeder, "SEED_MODELS", ())]
    tables = list(dict.fromkeys(model._meta.db_table for model in models))
    if not tables:
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Deferred foreign-key checks of rows changed earlier in this transaction must run
            # before TRUNCATE, which refuses tables with pending trigger events.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # CASCADE also empties tables of apps without a seeder that point at these rows.
            cursor.execute(f"TRUNCATE {', '.join(quote(t) for t in tables)} RESTART IDENTITY CASCADE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            for table in reversed(tables):
                cursor.execute(f"DELETE FROM {quote(table)}")


@contextmanager
def secondary_indexes_dropped(seeders: list[ModuleType]) -> Iterator[None]:
    """On PostgreSQL, drop the secondary indexes of the seeded tables and build them again after
    the load: one index build is much cheaper than maintaining trigram (GIN) and B-tree indexes row
    by row. Indexes that back a constraint (primary keys, unique) stay. Run inside the seeding
    transaction, so a failure restores them with everything else."""
    if connection.vendor != "postgresql":
        yield
        return
    tables = list(dict.fromkeys(m._meta.db_table for s in seeders for m in getattr(s, "SEED_MODELS", ())))
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid = ANY(SELECT to_regclass(t) FROM unnest(%s::text[]) AS t)
              AND NOT i.indisprimary AND NOT i.indisunique
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            ORDER BY 1
            """,
            [tables],
        )
        indexes = cursor.fetchall()
        # Statistics targets set on index columns (see the trigram migrations) go with the index.
        cursor.execute(
            """
            SELECT a.attrelid::regclass::text, a.attnum, a.attstattarget
            FROM pg_attribute a
            WHERE a.attrelid = ANY(%s::regclass[]) AND a.attstattarget > 0
            """,
            [[name for name, _definition in indexes]],
        )
        statistics = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        # CREATE INDEX is refused while deferred foreign-key checks are pending: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, column, target in statistics:
            cursor.execute(f"ALTER INDEX {name} ALTER COLUMN {column} SET STATISTICS {target}")


def analyze() -> None:
    """Refresh planner statistics (and the visibility map, when outside a transaction)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")


class _SilentBar:
    def __init__(self, **kwargs):
        pass

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


class Command(BaseCommand):
    help = "Generate the demo data set: S = 1k clients, M = 10k, L = 100k (see the module docstring)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--size",
            choices=SIZES,
            default="S",
            metavar="S|M|L",
            help="data set size (default S; XS: 50 clients, for tests)",
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="random seed; the same seed gives the same data (default 1)"
        )
        parser.add_argument("--reset", action="store_true", help="delete the seeded data first")
        parser.add_argument(
            "--missing",
            action="store_true",
            help="seed only the apps that have no data yet (e.g. tasks for a base seeded before them)",
        )

    def handle(self, *args, size: str, seed: int, reset: bool, missing: bool = False, verbosity: int, **options):
        seeders = discover_seeders()
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
                reset_seeded_data(seeders)
                if verbosity:
                    self.stdout.write(f"Deleted the seeded data in {time.perf_counter() - t0:.1f} s.")
            with secondary_indexes_dropped(seeders):
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

    def _progress_factory(self, verbosity: int):
        if verbosity == 0:
            return _SilentBar
        from tqdm import tqdm

        stream = getattr(self.stdout, "_out", sys.stdout)  # tqdm needs the raw stream for its \r updates

        def progress(**kwargs):
            return tqdm(file=stream, mininterval=0.5, dynamic_ncols=True, **kwargs)

        return progress
