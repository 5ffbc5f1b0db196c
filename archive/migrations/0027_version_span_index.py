# On PostgreSQL, a partial GiST index of the published versions' dates as ranges
# (archive.filters.Span): the list from a year on finds the incidents going on as the year
# begins through it instead of walking the list from the archive's first day. Built
# CONCURRENTLY, so a large archive keeps publishing meanwhile. SQLite has no range type and
# gets nothing; the index is the database's alone, not the models' (a table SQLite rebuilds
# would otherwise be given an index it cannot make). A concurrent build that was interrupted
# leaves an invalid index of the name behind, which the planner ignores: it is dropped first.

from django.db import migrations

DROP = "DROP INDEX CONCURRENTLY IF EXISTS version_span"
CREATE = """
CREATE INDEX CONCURRENTLY version_span ON archive_incidentversion
USING gist (daterange(date_earliest, date_latest, '[]')) WHERE state = 'published'
"""


def on_postgresql(*statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("archive", "0026_version_listing_index"),
    ]

    operations = [
        migrations.RunPython(on_postgresql(DROP, CREATE), on_postgresql(DROP), elidable=False),
    ]
