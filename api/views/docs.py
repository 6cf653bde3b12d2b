"""The schema's two documentation pages, served from drf-spectacular-sidecar's files (no CDN)."""

from __future__ import annotations

from csp.constants import NONCE
from csp.decorators import csp_update
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI with its settings in a script of its own address (`?script`): no inline script."""

    template_name = "api/swagger_ui.html"


class RedocView(SpectacularRedocView):
    """Redoc writes its styles into <style> elements (styled-components): the page's policy lets in
    those that carry its nonce, and no other inline style or script."""

    template_name = "api/redoc.html"

    @classmethod
    def as_view(cls, **initkwargs):
        return csp_update({"style-src": [NONCE]})(super().as_view(**initkwargs))
