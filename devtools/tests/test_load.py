"""bin/load: the stack under the working day's mix, and `manage.py load_check` on what was saved."""

from __future__ import annotations

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

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from clients.models import ClientChange
from clients.services.writer import ClientChangeSet, write
from clients.tests.factories import ClientFactory, manager
from devtools.load.cpu import CpuSampler, cpu_table
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
    database = settings.DATABASES["default"]
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
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
    assert re.search(r"Nothing lost: [1-9]\d* card edits", result.stdout), result.stdout
    # Where the CPU went while measured: the app's workers and PostgreSQL used some of it.
    for part in (r"gunicorn \(the app's Python\)", "PostgreSQL", r"nginx \(TLS\)"):
        used = re.search(rf"^  {part} +(\d+\.\d) +\d+% +(\d+\.\d)$", result.stdout, re.MULTILINE)
        assert used and float(used.group(2)) > 0, f"{part}:\n{result.stdout}"


def test_the_cpu_sampler_gives_a_busy_process_its_cpu_seconds_in_the_window():
    """A process named like the simulated users spins for 0.8 s; the sampler's window over it
    finds about that much CPU in its part and not in the others."""
    sampler = CpuSampler(interval=0.1)
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
