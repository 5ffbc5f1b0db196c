"""An online copy of the SQLite database, safe to take while the site is running."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils.translation import gettext


class Command(BaseCommand):
    help = "Copy the SQLite database with VACUUM INTO (consistent, while the site runs)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("target", help="Path of the backup file to create.")

    def handle(self, *args: object, target: str, **options: object) -> None:
        if connection.vendor != "sqlite":
            raise CommandError(
                gettext(
                    "This database is not SQLite: use pg_dump -Fc (see README, Backup and restore)."
                )
            )
        path = Path(target).resolve()
        if path.exists():
            raise CommandError(
                gettext("{path} exists already; choose a new file name.").format(path=path)
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [str(path)])
        self.stdout.write(f"Backed up to {path} ({path.stat().st_size:,} bytes).")
