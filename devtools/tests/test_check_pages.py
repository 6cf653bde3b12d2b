"""The demo runs on SQLite (bin/demo), the tests on PostgreSQL: this opens every page of a seeded
SQLite database as each demo user (manage.py check_pages), so a query SQLite does not take — a
LIMIT inside a UNION, an ORDER BY in a compound subquery — fails here and not in a user's demo."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_every_page_opens_on_the_seeded_sqlite_demo_for_every_demo_user(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CACHE_REDIS_URL")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    env["MEDIA_ROOT"] = str(tmp_path / "media")
    for step in (("migrate", "--noinput"), ("seed_demo", "--size", "XS", "--seed", "1"), ("check_pages",)):
        result = manage(*step, env=env)
        assert result.returncode == 0, f"{' '.join(step)}:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
    assert "× 4 users, 0 failed" in result.stdout
