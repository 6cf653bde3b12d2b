"""The test harness itself: tests run on PostgreSQL with a live Redis."""

import os

import redis
from django.core.cache import cache
from django.db import connection


def test_database_is_postgresql(db):
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        assert cursor.fetchone()[0].startswith("PostgreSQL")


def test_redis_answers_ping():
    url = os.environ.get("REDIS_URL")
    assert url, "REDIS_URL is not set: run the tests with bin/test"
    assert redis.Redis.from_url(url).ping() is True
    # The Django cache is the same Redis.
    cache.set("test_harness:ping", "pong", 30)
    assert cache.get("test_harness:ping") == "pong"
    cache.delete("test_harness:ping")
