"""gunicorn as bin/load runs it behind nginx (docs/deploy.md): `gunicorn -c devtools/load/gunicorn.conf.py crm.wsgi`.

Environment: GUNICORN_BIND (127.0.0.1:8000), WEB_CONCURRENCY (workers, 4: two per core of the
2-core machine; the pages are CPU-bound Python, more workers only queue on the same cores).
"""

import gc
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
# The sync worker takes a connection only when it is free, so a request waits for the first free
# worker. gthread (one thread) went on accepting while busy and queued a request behind a worker's
# 4-second Excel file while others idled: at 200 users the machine was 18 % idle with p95 19 s;
# sync, 0 % idle, p95 6.3 s, 26.7 against 20.2 requests a second (bin/load, 2026-12-08). The price
# is a TCP set-up from nginx per request on loopback (nginx keeps no upstream connections).
worker_class = "sync"
timeout = 60
graceful_timeout = 10
# Django is imported once, before the workers fork: faster start, shared memory.
preload_app = True
accesslog = None
errorlog = "-"
loglevel = "warning"


# After these requests of a worker, what it has loaded for good is put out of the collector's sight too.
SETTLE_AFTER = (100, 1_000)


def when_ready(server):
    """Before the workers fork: Django's modules and objects, loaded once, are put out of the
    garbage collector's sight (gc.freeze). A worker's full collections otherwise walk all ~130,000
    of them every few dozen requests: 1.5–2.3 ms a request on the edit form and the board, measured
    in-process with gc.callbacks."""
    gc.freeze()


def post_request(worker, req, environ, resp):
    """A worker's first requests load what all later ones reuse — templates, URL patterns,
    translations, the extra fields' definitions, kept fragments — and each full collection walked
    it again: on the edit form, one of 130 ms every ~200 requests, 0.6 ms a request; settled, two
    of 20 ms, 0.2 ms a request (gc.callbacks over 200 requests, 2026-12-07). After its 100th and
    1,000th request (its answer sent) the worker collects what is garbage and puts the rest out of
    sight, as when_ready did before the fork. What is frozen is never collected: a cycle dropped
    later (a replaced definition) stays, a few kB each time the fields change."""
    if worker.nr in SETTLE_AFTER:
        gc.collect()
        gc.freeze()
