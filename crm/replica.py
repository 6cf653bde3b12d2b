"""Reports and exports read from a streaming replica of the database, when there is one.

With `REPLICA_DATABASE_URL` set, the `replica` database alias is a read-only copy that PostgreSQL
keeps up to date (streaming replication). Code that only reads and may see data a few seconds old —
a report, a large export — runs inside `reading()`: the router then sends its reads to the replica,
while every write, and everything outside `reading()`, stays on the primary. Before that, the
replica is asked how far behind it is; past `REPLICA_MAX_LAG_SECONDS`, or when it does not answer,
the reads stay on the primary, so a report is never older than the bound. `Source` says which was
used and how old the data is, for the page to show.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connections
from django.utils import timezone
from django.utils.connection import ConnectionDoesNotExist

logger = logging.getLogger(__name__)
REPLICA = "replica"
_reading: ContextVar[bool] = ContextVar("crm_replica_reading", default=False)

# How far the replica is behind: nothing when it is streaming from the primary and has replayed
# all it received (an idle primary sends nothing new, so the last replayed transaction's age would
# look like a lag); else the age of the last transaction it replayed — which also covers a replica
# cut off from its primary (after a restart of either, until it streams again), whose received and
# replayed positions are equal however far behind it is.
LAG_SQL = """
    SELECT CASE WHEN EXISTS (SELECT FROM pg_stat_wal_receiver WHERE status = 'streaming')
                     AND pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 'Infinity') END
"""


@dataclass(frozen=True)
class Source:
    """Where a report's data came from: the replica (with its lag in seconds) or the primary."""

    replica: bool = False
    lag: float = 0.0

    @property
    def as_of(self) -> datetime.datetime:
        """The moment the data shows (its lag before now)."""
        return timezone.localtime() - datetime.timedelta(seconds=self.lag)


def configured() -> bool:
    try:
        connections[REPLICA]
    except ConnectionDoesNotExist:
        return False
    return True


def lag_seconds() -> float | None:
    """The replica's lag in seconds, or None when it does not answer."""
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(LAG_SQL)
            return float(cursor.fetchone()[0])
    except DatabaseError:
        logger.warning("the replica does not answer: reports read from the primary", exc_info=True)
        connections[REPLICA].close()
        return None


@contextlib.contextmanager
def reading() -> Iterator[Source]:
    """Send the reads inside to the replica, if there is one within the lag bound."""
    if _reading.get():  # within a reading already
        yield Source(replica=True)
        return
    source = Source()
    if configured():
        lag = lag_seconds()
        if lag is not None and lag <= settings.REPLICA_MAX_LAG_SECONDS:
            source = Source(replica=True, lag=lag)
    token = _reading.set(source.replica)
    try:
        yield source
    finally:
        _reading.reset(token)


class ReplicaRouter:
    """Reads inside `reading()` go to the replica; everything else is the default database's."""

    def db_for_read(self, model, **hints) -> str | None:
        return REPLICA if _reading.get() else None

    def db_for_write(self, model, **hints) -> str | None:
        return "default"

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        return True  # one database and its copy: every relation is within it

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool | None:
        return db != REPLICA
