"""Trigram indexes keep «contains» searches by name and contact value fast at 100k clients.
PostgreSQL only: the SQLite demo does without them."""

from django.db import migrations

from crm.migration_ops import postgresql_only

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS client_name_trgm_idx ON clients_client USING gin (upper(name) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS contactinfo_value_trgm_idx"
    " ON clients_contactinfo USING gin (upper(value) gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS contactinfo_value_trgm_idx",
    "DROP INDEX IF EXISTS client_name_trgm_idx",
]


class Migration(migrations.Migration):
    dependencies = [("clients", "0002_default_contact_info_kinds")]

    operations = [postgresql_only(FORWARD, BACKWARD)]
