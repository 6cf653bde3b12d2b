"""Helpers for tests of every app."""

import importlib

from django.apps import apps

# Data migrations that create reference rows the app cannot work without.
REFERENCE_DATA = [
    ("crm.migrations.0001_roles", "create_roles"),
    ("clients.migrations.0002_default_contact_info_kinds", "create_kinds"),
    ("clients.migrations.0007_default_field_group", "create_group"),
    ("clients.migrations.0011_default_required", "require_defaults"),
]


def restore_reference_data() -> None:
    """Re-create roles, default contact-info kinds, the default field group and the default
    required fields after a transactional test flushed them."""
    for module, function in REFERENCE_DATA:
        getattr(importlib.import_module(module), function)(apps, None)
