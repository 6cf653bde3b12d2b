"""Which statements took the database's time during a load run's measured minute: pg_stat_statements
read when the minute starts (the locustfile's «measuring» entry in the journal) and when the run
ends, and the difference shown by total time. Without the extension (bin/load given a database of
its own), the table says so."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2

READ = """
    SELECT queryid, calls, total_exec_time, rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 400)
      FROM pg_stat_statements
     WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND query NOT LIKE '%pg_stat_statements%'
"""


def read(dsn: str) -> dict[int, tuple[int, float, int, str]]:
    """{queryid: (calls, total ms, rows, text)} so far."""
    with contextlib.closing(psycopg2.connect(dsn)) as connection, connection.cursor() as cursor:
        cursor.execute(READ)
        return {queryid: (calls, total, rows, text) for queryid, calls, total, rows, text in cursor.fetchall()}


@dataclass
class StatementWatch:
    """Reads pg_stat_statements when the journal says the run with `users` users is measured, and
    again at stop(); `table()` is the difference."""

    dsn: str
    journal: Path
    users: int
    interval: float = 0.5
    first: dict | None = None
    last: dict | None = None
    error: str = ""
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        try:
            read(self.dsn)
        except psycopg2.Error as error:
            self.error = str(error).strip().splitlines()[0]
            return
        self._offset = self.journal.stat().st_size
        self._thread = threading.Thread(target=self._wait_for_measuring, daemon=True)
        self._thread.start()

    def _wait_for_measuring(self) -> None:
        with self.journal.open(encoding="utf-8") as f:
            f.seek(self._offset)
            pending = ""
            while not self._stop.is_set():
                pending += f.read()
                *lines, pending = pending.split("\n")
                for line in lines:
                    entry = json.loads(line) if line.strip() else {}
                    if entry.get("kind") == "measuring" and entry.get("users") == self.users:
                        self.first = read(self.dsn)
                        return
                time.sleep(self.interval)

    def stop(self) -> None:
        if self.error:
            return
        self._stop.set()
        self._thread.join()
        if self.first is not None:
            self.last = read(self.dsn)

    def table(self, requests: int, top: int = 12) -> list[str]:
        if self.error:
            return [f"The database's statements: not shown (pg_stat_statements: {self.error})."]
        if self.first is None or self.last is None:
            return ["The database's statements: not shown (the measured time was not reached)."]
        spent = []
        for queryid, (calls, total, rows, text) in self.last.items():
            calls0, total0, rows0, _ = self.first.get(queryid, (0, 0.0, 0, ""))
            if calls > calls0:
                spent.append((total - total0, calls - calls0, rows - rows0, text))
        spent.sort(reverse=True)
        whole = sum(s[0] for s in spent) or 1.0
        calls = sum(s[1] for s in spent)
        lines = [
            f"The database's statements in the measured time: {calls} run, {whole / 1000:.1f} s in all "
            f"({whole / max(requests, 1):.1f} ms and {calls / max(requests, 1):.1f} statements a request); "
            f"the {min(top, len(spent))} that took longest:",
            f"  {'share':>6} {'total s':>8} {'calls':>7} {'mean ms':>8} {'rows':>8}  statement",
        ]
        for total, n, rows, text in spent[:top]:
            lines.append(
                f"  {total / whole:>6.0%} {total / 1000:>8.2f} {n:>7} {total / n:>8.2f} {rows:>8}  {text[:150]}"
            )
        return lines
