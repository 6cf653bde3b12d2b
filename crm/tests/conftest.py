"""Fixtures of the fault tests: real service processes (crm.tests.processes)."""

import pytest

from crm.tests.processes import OwnRedis, Worker


@pytest.fixture
def queue(tmp_path, settings, reference_data):
    """OwnRedis as the broker and the cache of this process (the pages) and of the worker."""
    from crm.celery import app

    own = OwnRedis(tmp_path)
    own.start()
    saved = app.conf.broker_url
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": own.url(1)}}
    app.conf.broker_url = own.url(0)
    app._pool, app.amqp._producer_pool = None, None
    try:
        yield own
    finally:
        app.conf.broker_url = saved
        app._pool, app.amqp._producer_pool = None, None
        if own.process.poll() is None:
            own.stop()


@pytest.fixture
def worker(queue):
    process = Worker(queue)
    yield process
    process.stop()
