"""bin/load: the stack under the working day's mix, and `manage.py load_check` on what was saved."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import re
import runpy
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import psycopg2
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from clients.models import ClientChange
from clients.services.writer import ClientChangeSet, write
from clients.tests.factories import ClientFactory, manager
from devtools.load.cpu import CpuSampler, cpu_table
from devtools.load.run import page_table
from devtools.load.statements import StatementWatch
from quality.models import WizardRun

ROOT = Path(settings.BASE_DIR)


def _save(client, user, **fields) -> None:
    change = ClientChangeSet(client)
    change.fields.update(fields)
    write([change], user=user, source=ClientChange.Source.FORM)


def _check(tmp_path, *entries, wait: int = 0) -> str:
    journal = tmp_path / "journal.jsonl"
    journal.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries), encoding="utf-8")
    out = []

    class Out:
        def write(self, text, *args, **kwargs):
            out.append(text)

    try:
        call_command("load_check", str(journal), wait=wait, stdout=Out())
    except CommandError as error:
        raise AssertionError("".join(out) + str(error)) from error
    return "".join(out)


def _edit(client, user, value, field="comment") -> dict:
    return {"kind": "edit", "client": client.pk, "field": field, "value": value, "user": user.username}


@pytest.mark.django_db
def test_load_check_passes_when_every_saved_edit_is_there(tmp_path):
    author, colleague = manager(), manager()
    client = ClientFactory(responsible=author)
    _save(client, author, comment="first")
    _save(client, colleague, legal_address="elsewhere")  # another field: a merge, nothing undone
    _save(client, author, comment="second")

    out = _check(
        tmp_path,
        _edit(client, author, "first"),
        _edit(client, colleague, "elsewhere", field="legal_address"),
        _edit(client, author, "second"),
    )

    assert "Nothing lost: 3 card edits" in out


@pytest.mark.django_db
def test_load_check_names_an_edit_missing_from_the_history(tmp_path):
    author = manager()
    client = ClientFactory(responsible=author)
    _save(client, author, comment="saved")

    with pytest.raises(AssertionError, match=rf"LOST: client {client.pk}: .*'never written' is not in its history"):
        _check(tmp_path, _edit(client, author, "saved"), _edit(client, author, "never written"))


@pytest.mark.django_db
def test_load_check_names_an_edit_undone_by_a_later_save(tmp_path):
    author, colleague = manager(), manager()
    client = ClientFactory(responsible=author)
    _save(client, author, comment="mine")
    _save(client, colleague, comment="")  # a save that sent the old value back: the edit is lost

    with pytest.raises(
        AssertionError, match=rf"client {client.pk}: comment set back to the earlier '' by .*an edit undone"
    ):
        _check(tmp_path, _edit(client, author, "mine"))


@pytest.mark.django_db
def test_load_check_names_a_wizard_run_that_made_no_tasks(tmp_path):
    run = WizardRun.objects.create(kind=WizardRun.Kind.CONTACT_INFO, author=manager(), state=WizardRun.State.QUEUED)

    with pytest.raises(AssertionError, match=rf"wizard run {run.pk} is queued"):
        _check(tmp_path, {"kind": "wizard", "run": str(run.pk), "user": "supervisor"})


@pytest.mark.skipif(not shutil.which("nginx"), reason="bin/load installs nginx itself; this machine has none")
def test_bin_load_runs_the_mix_through_nginx_and_loses_nothing(reference_data):
    """The whole stack at size XS: ten users (seven managers, one supervisor, one reviewer and one
    sales head) for 15 s, thinking under a second and a half."""
    url = _database_url()
    _with_statement_statistics(url)
    result = subprocess.run(
        [
            "bin/load",
            "--size",
            "XS",
            "--users",
            "10",
            "--time",
            "15s",
            "--spawn-rate",
            "10",
            "--think",
            "0.5-1.5",
            "--warmup",
            "0",
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert re.search(r"^  all pages +\d+ +0 ", result.stdout, re.MULTILINE), result.stdout
    for page in ("clients:list", "clients:detail", "clients:edit save", "tasks:my"):
        assert re.search(rf"^  {page} +[1-9]\d* +0 ", result.stdout, re.MULTILINE), f"{page} missing:\n{result.stdout}"
    assert re.search(r"^  reports:\S+ +[1-9]", result.stdout, re.MULTILINE), result.stdout
    assert "p95 " in result.stdout
    assert re.search(
        r"^Host speed: .* took \d\.\d\d s of CPU before the runs and \d\.\d\d s after", result.stdout, re.M
    )
    assert re.search(r"Nothing lost: [1-9]\d* card edits", result.stdout), result.stdout
    # Where the CPU went while measured: the app's workers and PostgreSQL used some of it.
    for part in (r"gunicorn \(the app's Python\)", "PostgreSQL", r"nginx \(TLS\)"):
        used = re.search(rf"^  {part} +(\d+\.\d) +\d+% +(\d+\.\d)$", result.stdout, re.MULTILINE)
        assert used and float(used.group(2)) > 0, f"{part}:\n{result.stdout}"
    # What each page cost the app (its Server-Timing header) and the statements that took the database's time.
    listed = re.search(r"^  clients:list +(?:\S+ +){6}(\d+\.\d) +(\d+\.\d) +(\d+) +\d+%$", result.stdout, re.M)
    assert listed and float(listed.group(1)) > 0 and int(listed.group(3)) > 5, result.stdout
    ran = re.search(r"^The database's statements in the measured time: (\d+) run", result.stdout, re.M)
    assert ran and int(ran.group(1)) > 100, result.stdout


def _database_url() -> str:
    database = settings.DATABASES["default"]
    return f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


def _with_statement_statistics(url: str) -> None:
    """pg_stat_statements in the test database (bin/test's server preloads the library)."""
    with contextlib.closing(psycopg2.connect(url)) as db, db, db.cursor() as cursor:
        cursor.execute("SELECT setting FROM pg_settings WHERE name = 'shared_preload_libraries'")
        if "pg_stat_statements" not in cursor.fetchone()[0]:
            pytest.skip("this PostgreSQL server does not preload pg_stat_statements (bin/test's does)")
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")


@pytest.mark.django_db
def test_the_statement_table_counts_only_what_ran_once_the_minute_was_measured(tmp_path):
    """Statements before the journal's «measuring» entry are not counted; those after it are, by
    their total time, with their calls."""
    url = _database_url()
    _with_statement_statistics(url)
    journal = tmp_path / "journal.jsonl"
    journal.write_text("")

    def run(sql: str, times: int) -> None:
        with contextlib.closing(psycopg2.connect(url)) as db, db, db.cursor() as cursor:
            for n in range(times):
                cursor.execute(sql, [n])

    watch = StatementWatch(url, journal, users=7, interval=0.05)
    watch.start()
    run("SELECT %s + 1717 AS before_the_minute", 5)
    with journal.open("a") as f:
        f.write(json.dumps({"kind": "measuring", "users": 7, "seconds": 1, "at": time.time()}) + "\n")
    for _ in range(100):
        if watch.first is not None:
            break
        time.sleep(0.05)
    run("SELECT pg_sleep(0.01), %s + 4242 AS in_the_minute", 3)
    watch.stop()

    table = "\n".join(watch.table(requests=3))
    assert "before_the_minute" not in table, table
    slept = re.search(r"^ +\d+% +(\d+\.\d\d) +3 +(\d+\.\d\d) +3  SELECT pg_sleep.* AS in_the_minute$", table, re.M)
    assert slept and float(slept.group(2)) >= 10, table
    assert "pg_stat_statements" not in table, table  # its own reading is not the load's


def test_the_statement_table_says_why_it_is_missing():
    watch = StatementWatch("postgres://nobody@127.0.0.1:1/none", Path("/nonexistent"), users=1)
    watch.start()
    watch.stop()
    assert watch.table(requests=1)[0].startswith("The database's statements: not shown (pg_stat_statements: ")


def test_the_page_table_shows_what_each_page_cost_the_app():
    rows = [
        {"Name": "clients:list", "Request Count": "4", "Failure Count": "0", "Requests/s": "0.4",
         "50%": "40", "95%": "90", "99%": "90"},
        {"Name": "tasks:my", "Request Count": "2", "Failure Count": "0", "Requests/s": "0.2",
         "50%": "30", "95%": "35", "99%": "35"},
        {"Name": "Aggregated", "Request Count": "6", "Failure Count": "0", "Requests/s": "0.6",
         "50%": "35", "95%": "90", "99%": "90"},
    ]  # fmt: skip
    costs = {"clients:list": [4, 60.0, 8.0, 48], "tasks:my": [2, 20.0, 3.0, 20]}
    table = "\n".join(page_table(10, rows, 60, costs))
    assert re.search(r"^  clients:list .* 15\.0 +2\.0 +12 +75%$", table, re.M), table
    assert re.search(r"^  tasks:my .* 10\.0 +1\.5 +10 +25%$", table, re.M), table
    assert re.search(r"^  all pages .* 13\.3 +1\.8 +11 +100%$", table, re.M), table
    assert "CPU ms" not in "\n".join(page_table(10, rows, 60))


def test_the_cpu_sampler_gives_a_busy_process_its_cpu_seconds_in_the_window():
    """A process named like the simulated users spins for 0.8 s; the sampler's window over it
    finds about that much CPU in its part and not in the others."""
    sampler = CpuSampler(interval=0.1, root=os.getpid())  # this test's processes, not its neighbours'
    sampler.start()
    start = time.time()
    spin = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.8: pass"
    subprocess.run([sys.executable, "-c", spin, "locust"], check=True)
    end = time.time()
    sampler.stop()
    parts, busy, idle, wall = sampler.window(start, end)
    assert 0.6 <= parts["locust (the simulated users)"] <= 1.1, parts
    assert parts["gunicorn (the app's Python)"] == 0
    assert busy >= parts["locust (the simulated users)"] * 0.9 and wall >= 0.7
    table = "\n".join(cpu_table((parts, busy, idle, wall), requests=10))
    assert re.search(r"locust \(the simulated users\) +0\.\d +\d+% +[6-9]\d\.\d$|1\d\d\.\d$", table, re.M), table


def test_a_gunicorn_worker_settles_its_heap_after_its_first_requests():
    """devtools/load/gunicorn.conf.py: after a worker's 100th request what it loaded is frozen
    (its full collections no longer walk it); other requests leave the collector alone."""
    config = runpy.run_path(str(Path(settings.BASE_DIR) / "devtools/load/gunicorn.conf.py"))
    try:
        for nr, settles in ((99, False), (100, True), (101, False)):
            gc.unfreeze()
            config["post_request"](SimpleNamespace(nr=nr), None, {}, None)
            assert (gc.get_freeze_count() > 0) is settles, nr
    finally:
        gc.unfreeze()
