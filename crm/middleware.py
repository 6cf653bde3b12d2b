"""Requests the database could not take: a NUL character in the address's parameters (PostgreSQL
text cannot hold one) is answered 400 with a page that says so, before any view reads it. Forms
refuse a NUL on their own fields (Django's ProhibitNullCharactersValidator)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class RefuseNullCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()):
            return render(request, "crm/bad_request.html", status=400)
        return self.get_response(request)
