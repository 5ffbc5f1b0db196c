"""A GIN index on the stored search vector, on PostgreSQL only (SQLite uses a plain scan)."""

from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS version_search_vector_gin "
            "ON archive_incidentversion USING gin (search_vector)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS version_search_vector_gin")


class Migration(migrations.Migration):
    dependencies = [("archive", "0004_search_and_conflict")]
    operations = [migrations.RunPython(create_index, drop_index)]
