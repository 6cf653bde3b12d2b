"""A larger statistics sample on the trigram indexes: with the default, PostgreSQL misjudges how
many names match a rare word and walks the whole name index instead of using the trigram one.
PostgreSQL only."""

from django.db import migrations

from crm.migration_ops import postgresql_only

FORWARD = [
    "ALTER INDEX client_name_trgm_idx ALTER COLUMN 1 SET STATISTICS 2000",
    "ALTER INDEX contactinfo_value_trgm_idx ALTER COLUMN 1 SET STATISTICS 2000",
]
BACKWARD = [
    "ALTER INDEX client_name_trgm_idx ALTER COLUMN 1 SET STATISTICS -1",
    "ALTER INDEX contactinfo_value_trgm_idx ALTER COLUMN 1 SET STATISTICS -1",
]


class Migration(migrations.Migration):
    dependencies = [("clients", "0004_inn_pattern_index")]

    operations = [postgresql_only(FORWARD, BACKWARD)]
