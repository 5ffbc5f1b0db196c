"""django-import-export's ``import`` command, made strict for the archive.

The file must be CSV or XLSX, UTF-8 when it is CSV, and within the size limit; any bad row
means nothing is written and every error is printed with its row and column.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from django.core.management.base import CommandError
from import_export.command_utils import get_resource_class
from import_export.results import RowResult

from editorial.uploads import UploadRefused, read_upload

# "import" is a keyword, so the base command is loaded by name.
ImportCommand = importlib.import_module("import_export.management.commands.import").Command


class Command(ImportCommand):
    help = "Import a CSV or XLSX file with a resource, all or nothing (see README, Import)."

    def handle(self, *args, **options) -> None:
        file_name = options["import_file_name"]
        resource = get_resource_class(options["resource"])()
        if options["interactive"] and input("Import the file? [yes/no]: ") != "yes":
            raise CommandError("Import cancelled.")
        try:
            raw = sys.stdin.buffer.read() if file_name == "-" else Path(file_name).read_bytes()
            dataset = read_upload(Path(file_name).name, raw, options.get("format"))
        except (OSError, UploadRefused) as refusal:
            raise CommandError(str(refusal)) from None
        self.stderr.write(f"Read {len(dataset)} rows; importing…")
        result = resource.import_data(
            dataset,
            dry_run=options["dry_run"],
            raise_errors=False,
            file_name=file_name,
            progress=self.progress(len(dataset)),
        )
        if result.has_errors():
            self.stderr.write(self.style.ERROR("Nothing was imported:"))
            for error in result.base_errors:
                self.stderr.write(self.style.ERROR(str(error.error)))
            for number, errors in result.row_errors():
                for error in errors:
                    self.stderr.write(self.style.ERROR(f"row {number + 1}: {error.error}"))
            raise CommandError("Import refused: fix the rows above and run it again.")
        totals = result.totals
        verb = "Would import" if options["dry_run"] else "Imported"
        self.stdout.write(
            f"{verb}: {totals[RowResult.IMPORT_TYPE_NEW]} new, "
            f"{totals[RowResult.IMPORT_TYPE_UPDATE]} updated, "
            f"{totals[RowResult.IMPORT_TYPE_SKIP]} unchanged "
            f"{resource._meta.model._meta.verbose_name_plural}."
        )
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was written.")

    def progress(self, total: int):
        """A one-line progress bar on a terminal; silent otherwise."""
        stream = self.stderr._out
        if not stream.isatty() or total < 200:
            return None

        def report(done: int) -> None:
            width = 30
            filled = width * done // total
            stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
            if done == total:
                stream.write("\n")
            stream.flush()

        return report
