"""Statistics of which list values belong to which field: PostgreSQL took the field and the value
as independent and guessed a filter by «Отрасль» at 1/25 of what it matches (8,600 values where
there are 203,000 at size XL), and planned the list's count as if for a few hundred clients.
PostgreSQL only."""

from django.db import migrations

from crm.migration_ops import postgresql_only

FORWARD = [
    "CREATE STATISTICS extravalue_field_option_stats (dependencies, mcv) ON field_id, value_option_id "
    "FROM clients_extravalue",
    "ANALYZE clients_extravalue",
]
BACKWARD = ["DROP STATISTICS extravalue_field_option_stats"]


class Migration(migrations.Migration):
    dependencies = [("clients", "0015_bulk_edit_kept")]

    operations = [postgresql_only(FORWARD, BACKWARD)]
