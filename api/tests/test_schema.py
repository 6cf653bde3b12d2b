"""The OpenAPI schema validates, without a warning, and documents every resource."""

from __future__ import annotations

import yaml
from django.core.management import call_command

RESOURCES = ["clients", "extra-fields", "contracts", "invoices", "payments", "deals", "tasks"]


def test_the_schema_validates_without_a_warning_and_names_every_resource(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text(encoding="utf-8"))
    paths = set(schema["paths"])
    for resource in RESOURCES:
        assert {f"/api/v1/{resource}/", f"/api/v1/{resource}/{{id}}/"} <= paths, resource
    assert {"/api/v1/exchange/{kind}/{source}/{external_id}/", "/api/v1/exchange/batch/"} <= paths
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert "If-Match" in {p["name"] for p in schema["paths"]["/api/v1/clients/{id}/"]["patch"]["parameters"]}


def test_the_docs_pages_are_served_from_the_package_for_a_logged_in_user(boss):
    from crm.testing import logged_in

    browser = logged_in(boss)
    swagger = browser.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in swagger
    redoc = browser.get("/api/redoc/").content.decode()
    assert "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js" in redoc
    assert "SwaggerUIBundle" in browser.get("/api/docs/?script=").content.decode()
