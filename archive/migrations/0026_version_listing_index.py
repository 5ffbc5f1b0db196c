# The public list's index: its order (state, date, title, id) with the columns its filters read.
# On PostgreSQL it is built and the old one dropped CONCURRENTLY, so that a large archive keeps
# publishing while the index is built; SQLite builds it as usual.

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class ConcurrentlyOnPostgreSQL:
    """The CONCURRENTLY operation on PostgreSQL, the ``plain`` one elsewhere."""

    plain: type[migrations.AddIndex] | type[migrations.RemoveIndex]

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return self.plain.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return self.plain.database_backwards(self, app_label, schema_editor, from_state, to_state)


class AddIndexConcurrentlyOnPostgreSQL(ConcurrentlyOnPostgreSQL, AddIndexConcurrently):
    plain = migrations.AddIndex


class RemoveIndexConcurrentlyOnPostgreSQL(ConcurrentlyOnPostgreSQL, RemoveIndexConcurrently):
    plain = migrations.RemoveIndex


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("archive", "0025_translation_names"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="incidentversion",
            index=models.Index(
                fields=["state", "date_earliest", "title", "id"],
                include=("date_latest", "has_conflict", "context"),
                name="version_listing",
            ),
        ),
        RemoveIndexConcurrentlyOnPostgreSQL(
            model_name="incidentversion",
            name="version_state_date",
        ),
    ]
