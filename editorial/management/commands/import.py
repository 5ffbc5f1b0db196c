"""django-import-export's ``import`` command, made strict for the archive.

The file must be CSV or XLSX, UTF-8 when it is CSV; any bad row means nothing is written and
every error is printed with its row and column. A CSV file is read and imported a chunk of
rows at a time inside one transaction, so a file of any length is imported in flat memory,
all or nothing, with a progress bar on a terminal.

``--user NAME`` records that person as the author of what the file brings in, after checking
that the account may import as the admin would let it; without it the import is recorded as
the command line's, and whoever submits its drafts counts as their author
(``services.author_ids``).
"""

from __future__ import annotations

import importlib
import sys
from collections import Counter
from pathlib import Path

from django.contrib.auth import get_permission_codename, get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.management.base import CommandError
from django.db import transaction
from import_export.command_utils import get_resource_class
from import_export.results import RowResult

from archive.models import Citation, Estimate, IncidentVersion
from editorial.models import Channel
from editorial.uploads import CsvChunks, UploadRefused, read_upload

# "import" is a keyword, so the base command is loaded by name.
ImportCommand = importlib.import_module("import_export.management.commands.import").Command

CHUNK_ROWS = 2000


def permission(action: str, model) -> str:
    return f"{model._meta.app_label}.{get_permission_codename(action, model._meta)}"


class Command(ImportCommand):
    help = "Import a CSV or XLSX file with a resource, all or nothing (see README, Import)."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--chunk-rows",
            type=int,
            default=CHUNK_ROWS,
            help=f"rows read and imported at a time from a CSV file (default {CHUNK_ROWS})",
        )
        parser.add_argument(
            "--user",
            metavar="NAME",
            help="the username the import is recorded as, the author of the drafts it writes "
            "(default: the command line, and whoever submits a draft counts as its author)",
        )

    def handle(self, *args, **options) -> None:
        file_name = options["import_file_name"]
        resource = get_resource_class(options["resource"])()
        user = self.importer(options["user"], resource._meta.model)
        if options["interactive"] and input("Import the file? [yes/no]: ") != "yes":
            raise CommandError("Import cancelled.")
        try:
            chunks = self.chunks(file_name, options.get("format"), options["chunk_rows"])
            totals, rows = self.import_chunks(
                resource, chunks, file_name, options["dry_run"], user=user
            )
        except (OSError, UploadRefused) as refusal:
            raise CommandError(str(refusal)) from None
        verb = "Would import" if options["dry_run"] else "Imported"
        self.stdout.write(
            f"{verb}: {totals[RowResult.IMPORT_TYPE_NEW]} new, "
            f"{totals[RowResult.IMPORT_TYPE_UPDATE]} updated, "
            f"{totals[RowResult.IMPORT_TYPE_SKIP]} unchanged "
            f"{resource._meta.model._meta.verbose_name_plural} ({rows} rows)."
        )
        held = len(getattr(resource, "held", []))
        if held:
            self.stdout.write(
                f"{held} of these rows change records that published pages show: those "
                "changes wait for a second person's review in the admin (Record changes)."
            )
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was written.")

    def chunks(self, file_name: str, format_name: str | None, rows: int):
        """A CSV file in chunks of ``rows``; standard input or XLSX as one dataset."""
        name = Path(file_name).name
        if file_name != "-" and (format_name or Path(file_name).suffix[1:]).lower() == "csv":
            return CsvChunks(name, Path(file_name), rows=rows)
        raw = sys.stdin.buffer.read() if file_name == "-" else Path(file_name).read_bytes()
        return [read_upload(name, raw, format_name)]

    def importer(self, username: str | None, model) -> AbstractBaseUser | None:
        """The account named by ``--user``, if it may import ``model``'s records as the admin
        would let it: Data editors import, Contributors add and change content."""
        if username is None:
            return None
        users = get_user_model()._default_manager
        try:
            user = users.get_by_natural_key(username)
        except users.model.DoesNotExist:
            raise CommandError(
                f"There is no user “{username}”: give --user the username of the person the "
                "import is recorded as, or leave it out to record it as the command line's."
            ) from None
        if not user.is_active:
            raise CommandError(
                f"The user “{username}” is inactive and cannot import: give --user an active "
                "account."
            )
        needed = [permission(action, model) for action in ("import", "add", "change")]
        if model in (Estimate, Citation):  # their rows may start a draft of the incident
            needed += [permission(action, IncidentVersion) for action in ("add", "change")]
        missing = sorted(code for code in needed if not user.has_perm(code))
        if missing:
            raise CommandError(
                f"“{username}” may not import {model._meta.verbose_name_plural}: the account "
                f"lacks {', '.join(missing)}. The Data editors group gives the import "
                "permission, the Contributors group adding and changing content."
            )
        return user

    @transaction.atomic
    def import_chunks(
        self, resource, chunks, file_name: str, dry_run: bool, *, user: AbstractBaseUser | None
    ):
        """Every chunk in one transaction: any error rolls back the chunks before it too."""
        resource.in_chunks = True
        totals, rows = Counter(), 0
        progress = self.progress()
        for dataset in chunks:
            resource.row_offset = rows
            result = resource.import_data(
                dataset,
                raise_errors=False,
                file_name=file_name,
                user=user,
                channel=Channel.COMMAND,
            )
            if result.has_errors() or result.has_validation_errors():
                self.refuse(result, rows)
            totals.update(result.totals)
            rows += len(dataset)
            progress(rows, getattr(chunks, "fraction", 1.0))
        if not rows:
            raise UploadRefused(f"“{Path(file_name).name}” has no rows below its header.")
        if problems := getattr(resource, "relation_problems", list)():
            self.stderr.write(self.style.ERROR("Nothing was imported:"))
            for problem in problems:
                self.stderr.write(self.style.ERROR(problem))
            raise CommandError("Import refused: fix the rows above and run it again.")
        resource.record_import(file_name, totals, rows, dry_run=dry_run, channel=Channel.COMMAND)
        if dry_run:
            transaction.set_rollback(True)
        return totals, rows

    def refuse(self, result, offset: int) -> None:
        self.stderr.write("")
        self.stderr.write(self.style.ERROR("Nothing was imported:"))
        for error in result.base_errors:
            self.stderr.write(self.style.ERROR(str(error.error)))
        for number, errors in result.row_errors():
            for error in errors:
                self.stderr.write(self.style.ERROR(f"row {offset + number + 1}: {error.error}"))
        raise CommandError("Import refused: fix the rows above and run it again.")

    def progress(self):
        """A one-line progress bar on a terminal; silent otherwise."""
        stream = self.stderr._out

        def report(rows: int, fraction: float) -> None:
            if not stream.isatty():
                return
            width = 30
            filled = round(width * fraction)
            stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {fraction:4.0%} {rows} rows")
            if fraction >= 1:
                stream.write("\n")
            stream.flush()

        return report
