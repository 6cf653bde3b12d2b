"""`Authorization: Bearer <token>` for Django REST Framework."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from api.services import tokens as services


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None  # no token: a session may still authenticate (the docs pages)
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Заголовок Authorization: Bearer <ключ>."))
        try:
            token = header[1].decode()
        except UnicodeDecodeError:
            token = ""
        row = services.check_token(token)
        if row is None:
            raise exceptions.AuthenticationFailed(_("Неверный или отозванный API-ключ."))
        return row.user, row

    def authenticate_header(self, request) -> str:
        return self.keyword
