"""Real service processes for the fault tests: a Redis server of the test's own, a `celery worker`
process, and the throw-away PostgreSQL server of bin/test, each started, stopped or killed."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)
WORKER_OPTIONS = ("--pool=solo", "--without-gossip", "--without-mingle", "--loglevel=INFO")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(predicate, seconds: float = 30, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {seconds:.0f} s for {what or predicate}")
        time.sleep(0.1)


class OwnRedis:
    """A redis-server of this test: no snapshot, no append-only file — a restart loses the queue."""

    def __init__(self, folder: Path) -> None:
        self.port, self.folder, self.process = free_port(), folder, None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
        )
        wait_for(self.answers, 10, "redis-server to start")

    def answers(self) -> bool:
        try:
            return redis.Redis(port=self.port, socket_connect_timeout=0.2).ping()
        except redis.RedisError:
            return False

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)
        assert not self.answers()


class Worker:
    """`celery -A crm worker` in its own process group, against the test database and OwnRedis."""

    def __init__(self, broker: OwnRedis) -> None:
        self.broker, self.process, self.lines = broker, None, []

    def start(self) -> None:
        db = connection.settings_dict
        environment = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "REDIS_URL": self.broker.url(0),
            "CACHE_REDIS_URL": self.broker.url(1),
        }
        self.lines = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "crm", "worker", *WORKER_OPTIONS],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group: killpg takes it all
        )
        threading.Thread(target=self._read, daemon=True).start()
        wait_for(lambda: any("ready." in line for line in self.lines), 60, "the worker to be ready")

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    def kill(self) -> None:
        """SIGKILL, the worker and any child: what the OOM killer or a power cut does."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


def restart_postgres() -> None:
    """Restart the PostgreSQL server of bin/test (fast: every connection is cut), as an operator's
    restart or a crash recovery does; skipped when the tests were given a server of someone else's."""
    data, pg_ctl = os.environ.get("CRM_TEST_PG_DATA"), os.environ.get("CRM_TEST_PG_CTL")
    if not (data and pg_ctl):
        pytest.skip("the PostgreSQL server was not started by bin/test: it is not ours to restart")
    command = [pg_ctl, "-D", data, "-m", "fast", "-w", "-t", "60", "restart"]
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, cwd="/", stdout=subprocess.DEVNULL)
