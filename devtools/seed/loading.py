"""Loading the data set fast: COPY instead of INSERT on PostgreSQL (bulk_create elsewhere), foreign
keys and secondary indexes dropped during the load and made again in one pass afterwards, stored
timestamps instead of "now", and emptying the seeded tables for `seed_demo --reset`. Everything runs
inside the seeding transaction, so a failure restores what was dropped."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import IO

from django.db import connection
from django.db.models import Model

BATCH_SIZE = 5_000
NULL = "\\N"


@contextmanager
def explicit_timestamps(*fields) -> Iterator[None]:
    """Let bulk_create store the given auto_now/auto_now_add values instead of "now"."""
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    try:
        for f, _auto_now, _auto_now_add in saved:
            f.auto_now = f.auto_now_add = False
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def copy_text(value) -> str:
    """A value as COPY's text format writes it."""
    if value is None:
        return NULL
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return str(value)


def copy_into(model: type[Model], columns: Sequence[str], source: IO[str]) -> None:
    """`COPY` the rows that `source` reads (COPY text) into `columns` (attribute names) of `model`."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(c).column) for c in columns)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN", source)


def insert_rows(
    model: type[Model],
    columns: Sequence[str],
    rows: Sequence[tuple],
    *,
    use_copy: bool | None = None,
    batch_size: int = BATCH_SIZE,
) -> None:
    """Insert `rows` (tuples of `columns`): through COPY on PostgreSQL (a model instance per row
    costs more than the data), bulk_create elsewhere."""
    if not rows:
        return
    if use_copy is None:
        use_copy = connection.vendor == "postgresql"
    if not use_copy:
        instances = [model(**dict(zip(columns, row, strict=True))) for row in rows]
        model.objects.bulk_create(instances, batch_size=batch_size)
        return
    copy_into(model, columns, io.StringIO("".join("\t".join(map(copy_text, row)) + "\n" for row in rows)))


def reserve_ids(model, count: int) -> list[int]:
    """Ids for rows written with their id (transitions need their deal's)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [model._meta.db_table, count],
            )
            return [row[0] for row in cursor.fetchall()]
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return list(range(last + 1, last + 1 + count))


@contextmanager
def foreign_keys_dropped(model) -> Iterator[None]:
    """On PostgreSQL, load `model` without its foreign keys and add them again afterwards: adding
    one checks the whole table in a single join, where the deferred per-row checks of 1.5M extra
    values would take a minute. Inside the seeding transaction, so a failure restores them."""
    if connection.vendor != "postgresql":
        yield
        return
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
            "AND contype = 'f' ORDER BY conname",
            [model._meta.db_table],
        )
        constraints = cursor.fetchall()
        # ALTER TABLE is refused while deferred checks on the tables involved are pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for name, _definition in constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for name, definition in constraints:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def tables_of(models: Sequence[type[Model]]) -> list[str]:
    return list(dict.fromkeys(model._meta.db_table for model in models))


def reset_seeded_data(models: Sequence[type[Model]]) -> None:
    """Empty the tables of `models` (parents first): one TRUNCATE on PostgreSQL, DELETEs elsewhere."""
    tables = tables_of(models)
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
def secondary_indexes_dropped(models: Sequence[type[Model]]) -> Iterator[None]:
    """On PostgreSQL, drop the secondary indexes of the tables of `models` and build them again after
    the load: one index build is much cheaper than maintaining trigram (GIN) and B-tree indexes row
    by row. Indexes that back a constraint (primary keys, unique) stay. Run inside the seeding
    transaction, so a failure restores them with everything else."""
    if connection.vendor != "postgresql":
        yield
        return
    tables = tables_of(models)
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
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
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
