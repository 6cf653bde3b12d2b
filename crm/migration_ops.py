"""Migration operations shared by the apps."""

from django.db import migrations


def postgresql_only(forward: list[str], backward: list[str]) -> migrations.RunPython:
    """Raw SQL that only PostgreSQL understands (extensions, trigram indexes, statistics); the
    SQLite demo skips it."""

    def run(statements: list[str]):
        def operation(apps, schema_editor):
            if schema_editor.connection.vendor == "postgresql":
                for sql in statements:
                    schema_editor.execute(sql)

        return operation

    return migrations.RunPython(run(forward), run(backward))
