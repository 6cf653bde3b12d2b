"""pytest-xdist's workers on one Redis: each worker gets Redis databases of its own — its Celery
queue (the `celery_worker` fixture's worker consumes what its own tests queue, never another
worker's) and its cache. Loaded with `-p devtools.pytest_workers` (pytest.ini) so that it runs
before pytest-django imports the settings; xdist names the worker in PYTEST_XDIST_WORKER first.

Worker gwN uses databases 2N (queue) and 2N + 1 (cache) of the Redis that bin/test started (16
databases: up to 8 workers). Without xdist nothing changes."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and os.environ.get("REDIS_URL"):
    _number = int(_worker[2:])
    _redis = urlsplit(os.environ["REDIS_URL"])
    os.environ["REDIS_URL"] = _redis._replace(path=f"/{2 * _number}").geturl()
    os.environ["CACHE_REDIS_URL"] = _redis._replace(path=f"/{2 * _number + 1}").geturl()
