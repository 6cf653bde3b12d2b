"""Test infrastructure shared by every app: the PostgreSQL guard, a real Celery worker and a real
Chromium driven by Playwright. Data factories live in clients/tests/factories.py.

Run the tests with bin/test: it starts a throw-away PostgreSQL and Redis and sets DATABASE_URL and
REDIS_URL for pytest.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
POSTGRES_SCHEMES = ("postgres://", "postgresql://", "pgsql://")


# --- hooks ------------------------------------------------------------------------------------------


def pytest_configure(config):
    """The users the tests make get a fast password hash: Django's PBKDF2 takes 0.4 s a user here,
    which was a third of the suite. Logging in works the same (the hash is checked in-process)."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_collection_modifyitems(config, items):
    """Tests that use the worker or the browser fixtures get the matching marker, so that
    `-m "not browser"` / `-m "not celery_worker"` select them even when the marker was forgotten."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "celery_worker" in names:
            item.add_marker(pytest.mark.celery_worker)
        if "page" in names or "browser" in names:
            item.add_marker(pytest.mark.browser)


_screenshot_dir: Path | None = None


def _screenshot_path(nodeid: str, suffix: str) -> Path:
    global _screenshot_dir
    if _screenshot_dir is None:
        _screenshot_dir = Path(tempfile.mkdtemp(prefix="crm-screenshots-"))
    name = re.sub(r"[^\w.-]+", "_", nodeid).strip("_")[-150:]
    return _screenshot_dir / f"{name}{suffix}"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    # A failing browser test leaves a screenshot and the page's HTML behind, in a temp dir that
    # outlives the run; the paths are printed with the failure.
    page = getattr(item, "funcargs", {}).get("page")
    if report.when == "call" and report.failed and page is not None:
        try:
            png = _screenshot_path(item.nodeid, ".png")
            page.screenshot(path=str(png), full_page=True)
            html = png.with_suffix(".html")
            html.write_text(page.content(), encoding="utf-8")
            report.sections.append(("Playwright", f"page: {page.url}\nscreenshot: {png}\nhtml: {html}"))
            print(f"\nscreenshot: {png}")
        except Exception as exc:  # the page may be gone; the test failure matters more
            report.sections.append(("Playwright", f"no screenshot: {exc!r}"))
    return report


# --- PostgreSQL only --------------------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _require_postgresql():
    """The tests run on PostgreSQL only (SQLite is for the quick demo): fail loudly otherwise."""
    from django.conf import settings

    url = os.environ.get("DATABASE_URL", "")
    engine = settings.DATABASES["default"]["ENGINE"]
    if not url.startswith(POSTGRES_SCHEMES) or "postgresql" not in engine:
        pytest.fail(
            "Tests must run on PostgreSQL, but DATABASE_URL is "
            f"{url or 'not set'!r} (engine {engine}). Run them with bin/test: it starts a "
            "throw-away PostgreSQL and Redis (or uses DATABASE_URL/REDIS_URL when they are given).",
            pytrace=False,
        )


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language (Russian). A request in English switches the
    thread's language (LocaleMiddleware does not switch it back), which would leak into the next
    test's messages."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


# --- Celery ------------------------------------------------------------------------------------------


def _require_redis() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        pytest.fail(
            "This test needs Redis (Celery broker and result backend) but REDIS_URL is not set. "
            "Run the tests with bin/test.",
            pytrace=False,
        )
    return url


@pytest.fixture
def celery_app():
    """The project's Celery app, talking to the real Redis broker; queue purged before the test."""
    _require_redis()
    from crm.celery import app

    if app.conf.task_always_eager:
        pytest.fail("CELERY_TASK_ALWAYS_EAGER is on although REDIS_URL is set", pytrace=False)
    app.control.purge()
    yield app
    app.control.purge()


@pytest.fixture
def celery_worker(transactional_db, celery_app):
    """A real Celery worker, in a thread of this process, consuming from the Redis broker for the
    duration of the test. It has its own database connection, so the test uses transactional_db
    (rows are committed, the worker can see them); the worker thread closes its connection after
    every task so that the test database can be flushed and dropped."""
    from celery import signals
    from celery.contrib.testing.worker import start_worker
    from django.db import connections

    celery_app.conf.worker_hijack_root_logger = False  # keep pytest's log capturing

    def close_worker_connections(**kwargs):
        if threading.current_thread() is not threading.main_thread():
            connections.close_all()

    signals.task_postrun.connect(close_worker_connections, weak=False)
    try:
        with start_worker(
            celery_app,
            pool="solo",
            concurrency=1,
            perform_ping_check=False,
            shutdown_timeout=30,
            loglevel="WARNING",
        ) as worker:
            yield worker
    finally:
        signals.task_postrun.disconnect(close_worker_connections)


# --- Browser -----------------------------------------------------------------------------------------
#
# Playwright's sync API runs an asyncio event loop in the test thread for as long as it is started.
# While it runs, Django (1) refuses ORM calls unless DJANGO_ALLOW_ASYNC_UNSAFE is set and (2) keeps
# its database connections in a context-local store instead of the thread-local one, so tests and
# pytest-django would see *other* connection objects (without the test database's serialized
# contents, for one). Hence Chromium is started on first use and stopped as soon as the next test
# does not need it, the environment variable is set only meanwhile (so it does not leak into
# subprocesses of other tests), and the thread's connection objects are shared with the
# context-local store.


def _uses_browser(item) -> bool:
    names = getattr(item, "fixturenames", ())
    return "browser" in names or "page" in names


class _Chromium:
    def __init__(self):
        self.playwright = None
        self.browser = None
        self._saved_env: str | None = None

    def get(self):
        if self.browser is not None:
            return self.browser
        if not os.path.exists(CHROMIUM):
            pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (bin/test does it)", pytrace=False)
        from django.db import connections
        from playwright.sync_api import sync_playwright

        thread_connections = {alias: connections[alias] for alias in connections}
        self._saved_env = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        self.playwright = sync_playwright().start()
        for alias, connection in thread_connections.items():
            connections[alias] = connection  # the same objects while the event loop runs
        try:
            self.browser = self.playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        except BaseException:
            self.stop()
            raise
        return self.browser

    def stop(self):
        try:
            if self.browser is not None:
                self.browser.close()
        finally:
            self.browser = None
            if self.playwright is not None:
                self.playwright.stop()
                self.playwright = None
                if self._saved_env is None:
                    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
                else:
                    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = self._saved_env


_chromium = _Chromium()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    try:
        return (yield)
    finally:
        if nextitem is None or not _uses_browser(nextitem):
            _chromium.stop()


def pytest_sessionfinish(session):
    _chromium.stop()


@pytest.fixture
def browser():
    """A headless Chromium (Debian's /usr/bin/chromium), shared by consecutive browser tests."""
    return _chromium.get()


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies) and page per test, Russian locale."""
    context = browser.new_context(locale="ru-RU", timezone_id="Europe/Moscow", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def log_in(page, live_server, username: str, password: str):
    """Log in through the login page; `live_server` is the pytest-django fixture or a base URL.
    Returns the page, on whatever the login redirected to."""
    base = getattr(live_server, "url", live_server).rstrip("/")
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.press("#id_password", "Enter")
    if re.search(r"/login/?(\?|$)", page.url):
        errors = page.locator(".alert-danger").all_inner_texts()
        raise AssertionError(f"login as {username!r} failed: {' '.join(errors) or 'still on the login page'}")
    return page


@pytest.fixture
def login():
    """`login(page, live_server, username, password)`: log in through the real login form."""
    return log_in


# --- Reference data --------------------------------------------------------------------------------


@pytest.fixture
def reference_data(transactional_db):
    """Transactional tests (live server, Celery worker) start from a flushed database: bring back
    the rows that data migrations create (roles, default contact-info kinds)."""
    from crm.testing import restore_reference_data

    restore_reference_data()
