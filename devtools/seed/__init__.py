"""The seeders of the demo / benchmark data set (`manage.py seed_demo`), one module per app, run in
the order of SEEDERS, which is the order of the apps' dependencies, so that a seeder may read the
rows made by the ones before it. The pieces they share are in common.py (sizes, progress, weighted
choices, projects), loading.py (COPY, dropped keys and indexes), names.py and users.py.

A seeder module provides:

    def seed(size: str, rng_seed: int, progress) -> dict[str, int]
        Create the app's rows for `size` ("XS", "S", "M" or "L"; XS is a tiny size for tests) and
        return row counts by name for the summary. Use `random.Random(f"<app>:{rng_seed}")` (and
        `Faker.seed_instance(rng_seed)`) so that the data are repeatable and adding a seeder does
        not change the data of the others. Insert with bulk_create in batches or loading.insert_rows;
        `progress(total=.., desc=.., unit=..)` returns a tqdm-like bar (`update(n)`, `close()`).
    SEED_MODELS = (ModelA, ModelB, ...)
        The models the seeder fills, parents first. `--reset` empties them (children first).
    def finish() -> None   (optional)
        Called once every seeder has run and the indexes are back, in the same transaction: for
        derived data that is computed by SQL over what was seeded.
    SEED_GUARD = ModelA   (optional)
        The command refuses to seed while this model holds rows, unless `--reset` is given;
        `--missing` runs only the seeders whose SEED_GUARD table is empty.

See clients.py for an example.
"""

from __future__ import annotations

import importlib
from argparse import ArgumentParser
from types import ModuleType

from devtools.seed.common import SIZES

SEEDERS = ("clients", "sales", "tasks", "quality", "funnel", "notifications")


def seeders() -> list[ModuleType]:
    """The seeder modules, in the order they run."""
    return [importlib.import_module(f"{__name__}.{name}") for name in SEEDERS]


def add_data_set_arguments(parser: ArgumentParser, *, size: str) -> None:
    """`--size` (default `size`) and `--seed` of the data set, as the commands that make it take them."""
    parser.add_argument(
        "--size",
        choices=list(SIZES),
        default=size,
        metavar="S|M|L",
        help=f"data set size: S = 1k clients, M = 10k, L = 100k, the budgets' one (default {size}; XS for tests)",
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="random seed; the same seed gives the same data (default 1)"
    )
