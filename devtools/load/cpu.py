"""Where the machine's CPU goes during a load run: each part of the stack's CPU time, read from
/proc every second, so that the measured window can be cut out afterwards and shown per request."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")
TICK = os.sysconf("SC_CLK_TCK")
PARTS = (
    "gunicorn (the app's Python)",
    "PostgreSQL",
    "nginx (TLS)",
    "Redis",
    "Celery worker",
    "locust (the simulated users)",
)


def part_of(name: str, command: bytes) -> str | None:
    """The part of the stack a process belongs to (None: the rest of the machine)."""
    if name == "postgres" or command.startswith(b"postgres:"):
        return "PostgreSQL"
    if b"gunicorn" in command:
        return "gunicorn (the app's Python)"
    if name == "nginx":
        return "nginx (TLS)"
    if name.startswith("redis"):
        return "Redis"
    if b"celery" in command:
        return "Celery worker"
    if b"locust" in command:
        return "locust (the simulated users)"
    return None


def _processes(root: int, markers: tuple[bytes, ...]) -> dict[int, tuple[str, float]]:
    """{pid: (part, CPU seconds used so far)} of the stack's processes: `root` and whatever
    descends from it, and the processes whose command line carries a marker (a daemon of the
    stack: its PostgreSQL's postmaster, Redis, nginx) and their children. Other tests' PostgreSQL
    or Redis on the same machine are the rest of the machine."""
    table = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue  # gone meanwhile
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        rest = stat[stat.rindex(")") + 2 :].split()
        table[int(entry.name)] = (int(rest[1]), name, command, (int(rest[11]) + int(rest[12])) / TICK)
    ours = {root} | {pid for pid, (_, _, command, _) in table.items() if any(m in command for m in markers)}
    found = {}
    for pid, (_parent, name, command, used) in table.items():
        chain, seen = pid, 0
        while chain not in ours and chain in table and seen < 50:
            chain, seen = table[chain][0], seen + 1
        part = part_of(name, command) if chain in ours else None
        if part is not None:
            found[pid] = (part, used)
    return found


def _machine() -> tuple[float, float]:
    """(busy, idle) CPU seconds of the whole machine so far."""
    numbers = [int(n) for n in (PROC / "stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = numbers
    return (user + nice + system + irq + softirq + steal) / TICK, (idle + iowait) / TICK


@dataclass
class Sample:
    at: float  # time.time()
    parts: dict[str, float]  # CPU seconds of each part since the sampler started
    busy: float
    idle: float


@dataclass
class CpuSampler:
    """Samples every `interval` seconds in a thread between start() and stop(): the processes
    descending from `root` (by default this one's parent: bin/load) or carrying a `marker`."""

    interval: float = 1.0
    root: int = field(default_factory=os.getppid)
    markers: tuple[str, ...] = ()
    samples: list[Sample] = field(default_factory=list)

    def start(self) -> None:
        self._stop = threading.Event()
        self._seen: dict[int, float] = {}
        self._used = dict.fromkeys(PARTS, 0.0)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._sample()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def _sample(self) -> None:
        processes = _processes(self.root, tuple(m.encode() for m in self.markers))
        for pid, (part, used) in processes.items():
            # A process seen for the first time counts from its start (it started since the last
            # sample, or this is the first); one that exited loses at most an interval.
            self._used[part] += used - self._seen.get(pid, 0.0) if self.samples else 0.0
            self._seen[pid] = used
        busy, idle = _machine()
        self.samples.append(Sample(time.time(), dict(self._used), busy, idle))

    def window(self, start: float, end: float) -> tuple[dict[str, float], float, float, float] | None:
        """({part: CPU seconds}, the machine's busy and idle seconds, wall seconds) between the
        samples nearest to `start` and `end`; None without two samples in it."""
        inside = [s for s in self.samples if start - self.interval / 2 <= s.at <= end + self.interval / 2]
        if len(inside) < 2:
            return None
        first, last = inside[0], inside[-1]
        parts = {part: last.parts[part] - first.parts[part] for part in PARTS}
        return parts, last.busy - first.busy, last.idle - first.idle, last.at - first.at


def cpu_table(window: tuple[dict[str, float], float, float, float], requests: int) -> list[str]:
    """The measured window's CPU by part, in seconds, as a share of the machine and per request."""
    parts, busy, idle, wall = window
    total = busy + idle
    lines = [
        f"Where the CPU went ({wall:.0f} s measured, {total:.0f} CPU-seconds of {os.cpu_count()} cores, "
        f"{requests} requests):",
        f"  {'part':<32} {'CPU s':>7} {'share':>6} {'ms per request':>15}",
    ]
    rest = busy - sum(parts.values())
    for name, used in [*parts.items(), ("the rest of the machine", rest), ("idle", idle)]:
        per_request = f"{used * 1000 / requests:.1f}" if requests and name != "idle" else ""
        lines.append(f"  {name:<32} {used:>7.1f} {used / total:>6.0%} {per_request:>15}")
    return lines


LOOP = compile("i = 0\nfor _ in range(10_000_000):\n    i += 1\n", "<host speed>", "exec")


def host_speed() -> float:
    """CPU seconds of a fixed piece of Python on this host now — `python -c` of ten million
    additions to a module's variable, the loop the README's figures were read with: 0.48 s in a
    fast hour of the project's machine, 1.1 s in a slow one (a shared host)."""
    started = time.process_time()
    exec(LOOP, {})  # our own constant code, its names a module's as under python -c
    return time.process_time() - started
