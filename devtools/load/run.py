"""The Python half of `bin/load` (the shell half starts and stops the services).

    python -m devtools.load.run prepare OPTIONS --accounts FILE     seed if empty, write the accounts
    python -m devtools.load.run measure OPTIONS --host URL --work DIR
        runs locust headless once per user count (ramp at --spawn-rate, then --time measured with the
        statistics reset), prints per page p50/p95/p99, failures and throughput, the user count at
        which p95 passes 1 s, then `manage.py load_check` on the journal the users wrote. Exits 1
        when a request failed or something saved was lost.

OPTIONS: [--size L] [--users 60,200] [--time 60s] [--spawn-rate N] [--csv DIR] [--think 2-8] [--warmup 15s]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from devtools.load.cpu import CpuSampler, cpu_table, host_speed
from devtools.load.statements import StatementWatch

ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILE = Path(__file__).resolve().with_name("locustfile.py")
SIZES = ("XS", "S", "M", "L")
SLOW_MS = 1000  # the p95 whose user count is reported


def seconds(text: str) -> int:
    """`60`, `60s`, `2m`, `1h` → seconds."""
    found = re.fullmatch(r"(\d+)([smh]?)", text.strip())
    if not found:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (e.g. 60s, 2m)")
    return int(found.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[found.group(2)]


def user_counts(text: str) -> list[int]:
    try:
        counts = [int(n) for n in text.split(",") if n.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of user counts: {text!r} (e.g. 60,200)") from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("user counts must be positive")
    return counts


def think_range(text: str) -> str:
    found = re.fullmatch(r"(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)", text)
    if not found or float(found.group(1)) > float(found.group(2)):
        raise argparse.ArgumentTypeError(f"not a range of seconds: {text!r} (e.g. 2-8)")
    return text


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bin/load", description="The production stack under a working day's load.")
    p.add_argument("step", choices=["check-args", "prepare", "measure"], help=argparse.SUPPRESS)
    p.add_argument("--size", choices=SIZES, default="L", help="data set of bin/bench, seeded when empty (default L)")
    p.add_argument("--users", type=user_counts, default=[60, 200], help="simulated users, one run each (60,200)")
    p.add_argument(
        "--time", type=seconds, default=60, help="measured time of each run, once all users have logged in (60s)"
    )
    p.add_argument("--spawn-rate", type=float, help="users started per second (default: all within 20 s)")
    p.add_argument("--csv", type=Path, metavar="DIR", help="also write locust's CSV files and the summary here")
    p.add_argument("--think", type=think_range, default="2-8", help="seconds between a user's clicks (2-8)")
    p.add_argument(
        "--warmup",
        type=seconds,
        default=15,
        help="ten users without thinking first, not reported: warm workers (15s; 0: none)",
    )
    p.add_argument("--accounts", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--host", help=argparse.SUPPRESS)
    p.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    return p


# --- prepare -------------------------------------------------------------------------------------


def prepare(options: argparse.Namespace) -> None:
    """Seed the data set when the database is empty (as bin/bench does) and write who logs in."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from clients.models import Client, ContactInfoKind
    from crm import roles
    from devtools.seed.common import SIZES as CLIENTS
    from devtools.seed.users import DEMO_USERS, EXTRA_MANAGER_PASSWORD

    present, needed = Client.objects.count(), CLIENTS[options.size]
    if present == 0:
        print(f"==> generating the data set of size {options.size} ({needed} clients)", file=sys.stderr)
        call_command("seed_demo", size=options.size, verbosity=0)
    elif present < needed:
        sys.exit(
            f"error: the database holds {present} clients, fewer than size {options.size} needs ({needed}): "
            f"run bin/bench --size {options.size} --reset first, or choose a smaller --size"
        )
    else:
        call_command("seed_demo", size=options.size, missing=True, verbosity=0)

    passwords = {username: password for username, password, _role, _su in DEMO_USERS}
    users = get_user_model().objects.filter(is_active=True).order_by("pk")

    def accounts(role: str) -> list[dict]:
        found = []
        for user in users.filter(groups__name=role):
            password = passwords.get(user.username)
            if password is None and re.fullmatch(r"manager\d+", user.username):
                password = EXTRA_MANAGER_PASSWORD
            if password:
                found.append({"username": user.username, "password": password, "id": user.pk})
        if not found:
            sys.exit(f"error: no demo user of the role {role} in the database")
        return found

    email_kinds = ContactInfoKind.objects.filter(value_type=ContactInfoKind.ValueType.EMAIL, for_clients=True)
    people = {
        "roles": {
            "manager": accounts(roles.MANAGER),
            "supervisor": accounts(roles.SUPERVISOR),
            # The seeded tasks are reviewed by the supervisors; the wizard runs name them too.
            "reviewer": accounts(roles.SUPERVISOR),
            "saleshead": accounts(roles.SALES_HEAD),
        },
        "email_kinds": {kind.name: kind.pk for kind in email_kinds},
    }
    options.accounts.write_text(json.dumps(people, ensure_ascii=False, indent=1), encoding="utf-8")


# --- measure -------------------------------------------------------------------------------------


def _number(value: str) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def run_locust(
    options: argparse.Namespace, users: int, prefix: Path, journal: Path, *, warmup: bool = False
) -> tuple[int, int]:
    """One headless locust run; returns (ramp seconds, locust's exit code). A warm-up runs its
    users without thinking, so that every gunicorn worker has rendered every page once."""
    rate = options.spawn_rate or max(users / 20, 1.0)
    if warmup:
        rate = users
    ramp = int(users / rate + 0.999)
    measured = options.warmup if warmup else options.time
    env = {
        **os.environ,
        "LOAD_ACCOUNTS": str(options.accounts),
        "LOAD_JOURNAL": str(journal),
        "LOAD_THINK": "0.1-0.3" if warmup else options.think,
        "LOAD_MEASURE": str(measured),
        "LOAD_COSTS": f"{prefix}_costs.json",
    }
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--host",
        options.host,
        "--users",
        str(users),
        "--spawn-rate",
        str(rate),
        # The locustfile ends the run `time` after the last login; this bounds a run whose logins stall.
        "--run-time",
        f"{ramp + measured + 120 + users}s",
        "--csv",
        str(prefix),
        "--csv-full-history",
        "--only-summary",
        "--stop-timeout",
        "10",
        "--loglevel",
        "WARNING",
    ]
    if warmup:
        print(f"==> warming up: {users} users without thinking for {measured} s", file=sys.stderr)
    else:
        print(
            f"==> {users} users: started at {rate:g}/s (≥ {ramp} s), measured {measured} s after the last login",
            file=sys.stderr,
        )
    with open(f"{prefix}.log", "w", encoding="utf-8") as log:
        code = subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, check=False).returncode
    return ramp, code


def read_stats(prefix: Path) -> list[dict]:
    path = Path(f"{prefix}_stats.csv")
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def ramp_crossing(prefix: Path) -> int | None:
    """The user count at which the ramp's rolling p95 (locust's last 10 s, all pages) first passed 1 s."""
    path = Path(f"{prefix}_stats_history.csv")
    if not path.exists():
        return None
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            p95 = _number(row.get("95%"))
            if row.get("Name") == "Aggregated" and p95 is not None and p95 > SLOW_MS:
                return int(row["User Count"])
    return None


def stack_markers(work: Path) -> tuple[str, ...]:
    """What the command lines of the stack's daemons carry: the work folder (nginx's
    configuration), PostgreSQL's and Redis's ports."""
    markers = [str(work)]
    for variable, template in (("DATABASE_URL", "-p {port} "), ("REDIS_URL", ":{port} ")):
        port = urlsplit(os.environ.get(variable, "")).port
        if port:
            markers.append(template.format(port=port))
    return tuple(markers)


def measured_window(journal: Path, users: int) -> tuple[float, float]:
    """When the run with `users` users was measured (the locustfile's «measuring» entry)."""
    start, seconds = 0.0, 0.0
    with journal.open(encoding="utf-8") as f:
        for line in f:
            entry = json.loads(line)
            if entry.get("kind") == "measuring" and entry.get("users") == users:
                start, seconds = entry.get("at", 0.0), entry["seconds"]
    return start, start + seconds


def ms(value: str) -> str:
    number = _number(value)
    return "—" if number is None else f"{number:,.0f}".replace(",", " ")


def read_costs(prefix: Path) -> dict[str, list[float]]:
    """Per page: [answers timed, CPU ms, database ms, statements] summed (the locustfile's LOAD_COSTS)."""
    path = Path(f"{prefix}_costs.json")
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def page_table(users: int, rows: list[dict], measured: int, costs: dict[str, list[float]] | None = None) -> list[str]:
    """Per page: requests, failures, throughput, p50/p95/p99; with the app's Server-Timing costs,
    also its mean CPU ms, mean ms waiting on the database and statements per request, and the
    page's share of all the app's CPU in the measured time."""
    costs = costs or {}
    app_cpu = sum(cost[1] for cost in costs.values()) or 1.0
    header = f"  {'page':<40} {'requests':>8} {'failures':>8} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
    if costs:
        header += f" {'CPU ms':>7} {'SQL ms':>7} {'stmts':>6} {'CPU share':>9}"
    lines = [f"{users} users, {measured} s measured once all had logged in:", header]
    for row in sorted(rows, key=lambda r: (r["Name"] == "Aggregated", r["Name"])):
        if row["Request Count"] == "0":
            continue  # the logins: before the measured time (locust's history has them)
        name = "all pages" if row["Name"] == "Aggregated" else row["Name"]
        rate = _number(row["Requests/s"]) or 0.0
        line = (
            f"  {name:<40} {row['Request Count']:>8} {row['Failure Count']:>8} {rate:>6.1f}"
            f" {ms(row['50%']):>7} {ms(row['95%']):>7} {ms(row['99%']):>7}"
        )
        if costs:
            cost = (
                [sum(column) for column in zip(*costs.values(), strict=True)]
                if name == "all pages"
                else costs.get(name)
            )
            if cost and cost[0]:
                line += (
                    f" {cost[1] / cost[0]:>7.1f} {cost[2] / cost[0]:>7.1f} {cost[3] / cost[0]:>6.0f}"
                    f" {cost[1] / app_cpu:>9.0%}"
                )
        lines.append(line)
    return lines


def measure(options: argparse.Namespace) -> int:
    work: Path = options.work
    journal = work / "journal.jsonl"
    journal.touch()
    summary, crossings, failed = [], {}, 0
    speed_before = host_speed()
    if options.warmup:
        # What the warm-up's users save is checked with the rest; its figures are not shown.
        run_locust(options, 10, work / "warmup", journal, warmup=True)  # one of each role at least
    for users in options.users:
        prefix = work / f"load_{users}"
        sampler = CpuSampler(markers=stack_markers(work))
        statements = StatementWatch(os.environ["DATABASE_URL"], journal, users)
        sampler.start()
        statements.start()
        _ramp, code = run_locust(options, users, prefix, journal)
        sampler.stop()
        statements.stop()
        rows = read_stats(prefix)
        total = next((r for r in rows if r["Name"] == "Aggregated"), None)
        if total is None or int(total["Request Count"]) == 0:
            print(Path(f"{prefix}.log").read_text(encoding="utf-8")[-3000:], file=sys.stderr)
            print(f"error: the run with {users} users made no requests (locust exited with {code})", file=sys.stderr)
            return 1
        print("\n".join(page_table(users, rows, options.time, read_costs(prefix))))
        print()
        window = sampler.window(*measured_window(journal, users))
        if window is not None:
            print("\n".join(cpu_table(window, int(total["Request Count"]))))
            print()
        print("\n".join(statements.table(int(total["Request Count"]))))
        print()
        failed += int(total["Failure Count"])
        summary.append((users, total))
        crossings[users] = ramp_crossing(prefix)
        failures = Path(f"{prefix}_failures.csv")
        if failures.exists() and int(total["Failure Count"]):
            print(f"Failures of the run with {users} users:\n{failures.read_text(encoding='utf-8')}")

    print("Throughput and latency by user count (all pages):")
    print(f"  {'users':>6} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'requests':>9} {'failures':>9}")
    for users, total in summary:
        rate = _number(total["Requests/s"]) or 0.0
        print(
            f"  {users:>6} {rate:>7.1f} {ms(total['50%']):>7} {ms(total['95%']):>7} {ms(total['99%']):>7}"
            f" {total['Request Count']:>9} {total['Failure Count']:>9}"
        )
    print(slow_point(summary, crossings))
    print(
        f"Host speed: a fixed piece of Python (ten million additions) took {speed_before:.2f} s of CPU before "
        f"the runs and {host_speed():.2f} s after (0.48 s in a fast hour of the project's machine, 1.1 s in a "
        "slow one): figures of runs on slower hours are that much higher."
    )

    if options.csv:
        options.csv.mkdir(parents=True, exist_ok=True)
        for path in work.glob("load_*"):
            shutil.copy(path, options.csv / path.name)
        with (options.csv / "summary.csv").open("w", encoding="utf-8", newline="") as f:
            out = csv.writer(f)
            out.writerow(
                ["users", "requests_per_s", "p50_ms", "p95_ms", "p99_ms", "requests", "failures", "ramp_p95_over_1s_at"]
            )
            for users, total in summary:
                out.writerow(
                    [users, total["Requests/s"], total["50%"], total["95%"], total["99%"], total["Request Count"],
                     total["Failure Count"], crossings[users] or ""]
                )  # fmt: skip
        shutil.copy(journal, options.csv / "journal.jsonl")
        print(f"CSV files written to {options.csv}.")

    print("\nNothing lost? (manage.py load_check on what the users saved)")
    check = subprocess.run([sys.executable, "manage.py", "load_check", str(journal)], cwd=ROOT, check=False)
    if failed:
        print(f"error: {failed} requests failed", file=sys.stderr)
    return 1 if failed or check.returncode else 0


def slow_point(summary: list[tuple[int, dict]], crossings: dict[int, int | None]) -> str:
    """Where p95 passes 1 s: between the measured user counts, and where each ramp passed it."""
    slow = [users for users, total in summary if (_number(total["95%"]) or 0) > SLOW_MS]
    fast = [users for users, total in summary if (_number(total["95%"]) or 0) <= SLOW_MS]
    if not slow:
        steady = f"p95 stays under 1 s up to {max(fast)} users (the most measured)"
    elif not fast or min(slow) < min(fast):
        steady = f"p95 is over 1 s already at {min(slow)} users (the fewest measured)"
    else:
        below = max(u for u in fast if u < min(slow))
        steady = f"p95 passes 1 s between {below} and {min(slow)} users (steady runs)"
    ramps = [f"at {crossing} users in the ramp to {users}" for users, crossing in crossings.items() if crossing]
    ramp = (
        "; the rolling 10-s p95 of the ramp (logins included) passed 1 s " + ", ".join(ramps)
        if ramps
        else "; no ramp passed 1 s"
    )
    return steady + ramp + "."


def main(argv: list[str] | None = None) -> int:
    options = parser().parse_args(argv)
    if options.step == "prepare":
        prepare(options)
    elif options.step == "measure":
        return measure(options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
