"""The project's middleware: requests the database could not take, and what an answer cost (for
bin/load)."""

from __future__ import annotations

import contextlib
import time

from django.db import connections
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class RefuseNullCharactersMiddleware:
    """A NUL character in the address's parameters (PostgreSQL text cannot hold one) is answered
    400 with a page that says so, before any view reads it. Forms refuse a NUL on their own fields
    (Django's ProhibitNullCharactersValidator)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()):
            return render(request, "crm/bad_request.html", status=400)
        return self.get_response(request)


class ServerTimingMiddleware:
    """With `SERVER_TIMING` on (bin/load sets it; off by default, as it tells anyone what a page
    costs), every answer says what it cost this process: `Server-Timing: cpu;dur=12.3,
    sql;dur=4.1;desc="9"` — CPU milliseconds of the request (process time, from the first
    middleware to the answer), milliseconds spent waiting on the database and the number of
    statements. Browsers show it in their network panel; bin/load adds it up per page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timer = _StatementTimer()
        cpu = time.process_time()
        with contextlib.ExitStack() as stack:
            for connection in connections.all():
                stack.enter_context(connection.execute_wrapper(timer))
            response = self.get_response(request)
        cpu = (time.process_time() - cpu) * 1000
        response["Server-Timing"] = f'cpu;dur={cpu:.1f}, sql;dur={timer.seconds * 1000:.1f};desc="{timer.statements}"'
        return response


class _StatementTimer:
    def __init__(self):
        self.seconds = 0.0
        self.statements = 0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.statements += 1
