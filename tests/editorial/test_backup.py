import sqlite3

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.factories import make_published


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sqlite_online_backup_holds_the_published_content(tmp_path):
    if connection.vendor != "sqlite":
        with pytest.raises(CommandError, match="use pg_dump"):
            call_command("backup_sqlite", str(tmp_path / "x.sqlite3"))
        return
    make_published("katyn")
    target = tmp_path / "backup.sqlite3"
    call_command("backup_sqlite", str(target))
    copy = sqlite3.connect(target)
    slugs = copy.execute("select slug from archive_incident").fetchall()
    assert slugs == [("katyn",)]
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup_sqlite", str(target))
