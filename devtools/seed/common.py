"""What every seeder uses: the sizes of the data set, progress bars, weighted choices, the projects."""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from crm.models import Project

# Number of clients per size. XS is for tests and is not advertised by the command.
SIZES = {"XS": 50, "S": 1_000, "M": 10_000, "L": 100_000, "XL": 1_000_000}
# The projects that documents and tasks belong to: whichever seeder runs first makes them.
PROJECTS = ("Чистая база 2026", "Выход в регионы", "Подготовка к сезону", "Переход с 1С")

ProgressFactory = Callable[..., Any]
"""`progress(total=..., desc=..., unit=...)` returns a tqdm-like bar: `update(n)`, `close()`."""


class NoProgress:
    """The bar of a run that nobody watches."""

    def __init__(self, **options) -> None:
        pass

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


no_progress: ProgressFactory = NoProgress


class Weighted:
    """Fast repeated weighted choice over a fixed population."""

    def __init__(self, items: Sequence, weights: Sequence[float]):
        self.items = list(items)
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random):
        return self.items[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


def weighted(pairs: Iterable[tuple[object, float]]) -> Weighted:
    """A `Weighted` choice from (item, weight) pairs."""
    items, weights = zip(*pairs, strict=True)
    return Weighted(items, weights)


def ensure_projects() -> list[Project]:
    return [Project.objects.get_or_create(name=name)[0] for name in PROJECTS]
