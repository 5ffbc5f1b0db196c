"""django-import-export's ``import`` command, made strict for the archive.

The file must be CSV or XLSX, UTF-8 when it is CSV; any bad row means nothing is written and
every error is printed with its row and column. The file is read and imported a chunk of rows
at a time inside one transaction (``editorial.imports``), within the limits in settings, so
it is imported in flat memory, all or nothing, with a progress bar on a terminal.

``--user NAME`` records that person as the author of what the file brings in, after checking
that the account may import as the admin would let it; without it the import is recorded as
the command line's, and whoever submits its drafts counts as their author
(``services.author_ids``).
"""

from __future__ import annotations

import importlib
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

from django.conf import settings
from django.contrib.auth import get_permission_codename, get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Model
from django.utils.translation import gettext
from import_export.command_utils import get_resource_class
from import_export.results import RowResult

from archive.models import Citation, Estimate, IncidentVersion
from archive.sizes import size_text
from editorial.import_base import ArchiveResource
from editorial.imports import ImportFailed, file_import
from editorial.models import Channel
from editorial.tabular import RowChunks
from editorial.uploads import CHUNK_ROWS, UploadRefused, open_import

# "import" is a keyword, so the base command is loaded by name (and mypy sees its base).
if TYPE_CHECKING:
    ImportCommand = BaseCommand
else:
    ImportCommand = importlib.import_module("import_export.management.commands.import").Command


def permission(action: str, model: type[Model]) -> str:
    return f"{model._meta.app_label}.{get_permission_codename(action, model._meta)}"


class Command(ImportCommand):
    help = "Import a CSV or XLSX file with a resource, all or nothing (see README, Import)."

    def add_arguments(self, parser: CommandParser) -> None:
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

    def handle(self, *args: object, **options: Any) -> None:
        file_name = options["import_file_name"]
        # The stubs call what get_resource_class returns an instance; it is the class.
        resource_class = cast(type[ArchiveResource], get_resource_class(options["resource"]))
        resource = resource_class()
        model = resource._meta.model
        assert not isinstance(model, str)  # the archive's resources name their model class
        user = self.importer(options["user"], model)
        if options["interactive"] and input("Import the file? [yes/no]: ") != "yes":
            raise CommandError(gettext("Import cancelled."))
        try:
            with self.chunks(file_name, options.get("format"), options["chunk_rows"]) as chunks:
                outcome = file_import(
                    resource=resource,
                    chunks=chunks,
                    file_name=file_name,
                    dry_run=options["dry_run"],
                    user=user,
                    channel=Channel.COMMAND,
                    progress=self.progress(),
                )
        except (OSError, UploadRefused) as refusal:
            raise CommandError(str(refusal)) from None
        except ImportFailed as failure:
            self.refuse(failure.lines)
        totals = outcome.totals
        verb = "Would import" if options["dry_run"] else "Imported"
        self.stdout.write(
            f"{verb}: {totals[RowResult.IMPORT_TYPE_NEW]} new, "
            f"{totals[RowResult.IMPORT_TYPE_UPDATE]} updated, "
            f"{totals[RowResult.IMPORT_TYPE_SKIP]} unchanged "
            f"{model._meta.verbose_name_plural} ({outcome.rows} rows)."
        )
        if outcome.held:
            self.stdout.write(
                f"{outcome.held} of these rows change records that published pages show: those "
                "changes wait for a second person's review in the admin (Record changes)."
            )
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was written.")

    def chunks(self, file_name: str, format_name: str | None, rows: int) -> RowChunks:
        """The file's rows in chunks of ``rows``. A CSV file named here is streamed whatever
        its size; standard input is first copied to a temporary file (at most
        ``IMPORT_MAX_BYTES``), which goes when the chunks are closed."""
        if file_name != "-":
            file = Path(file_name).open("rb")  # noqa: SIM115 - the chunks close it
            return open_import(Path(file_name).name, file, format_name, rows=rows, any_size=True)
        limit = settings.IMPORT_MAX_BYTES
        spool = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115 - as above
        while block := sys.stdin.buffer.read(64 * 1024):
            spool.write(block)
            if spool.tell() > limit:
                spool.close()
                raise UploadRefused(
                    gettext(
                        "Standard input holds more than {limit}, the limit for an import file; "
                        "split it into smaller files."
                    ).format(limit=size_text(limit))
                )
        return open_import(file_name, spool, format_name, rows=rows)

    def importer(self, username: str | None, model: type[Model]) -> AbstractBaseUser | None:
        """The account named by ``--user``, if it may import ``model``'s records as the admin
        would let it: Data editors import, Contributors add and change content."""
        if username is None:
            return None
        users = get_user_model()._default_manager
        try:
            user = users.get_by_natural_key(username)
        except users.model.DoesNotExist:
            raise CommandError(
                gettext(
                    "There is no user “{username}”: give --user the username of the person "
                    "the import is recorded as, or leave it out to record it as the command "
                    "line's."
                ).format(username=username)
            ) from None
        if not user.is_active:
            raise CommandError(
                gettext(
                    "The user “{username}” is inactive and cannot import: give --user an "
                    "active account."
                ).format(username=username)
            )
        needed = [permission(action, model) for action in ("import", "add", "change")]
        if model in (Estimate, Citation):  # their rows may start a draft of the incident
            needed += [permission(action, IncidentVersion) for action in ("add", "change")]
        missing = sorted(code for code in needed if not user.has_perm(code))
        if missing:
            raise CommandError(
                gettext(
                    "“{username}” may not import {records}: the account lacks "
                    "{permissions}. The Data editors group gives the import permission, the "
                    "Contributors group adding and changing content."
                ).format(
                    username=username,
                    records=model._meta.verbose_name_plural,
                    permissions=", ".join(missing),
                )
            )
        return user

    def refuse(self, lines: list[str]) -> None:
        self.stderr.write("")
        self.stderr.write(self.style.ERROR("Nothing was imported:"))
        for line in lines:
            self.stderr.write(self.style.ERROR(line))
        raise CommandError(gettext("Import refused: fix the rows above and run it again."))

    def progress(self) -> Callable[[int, float], None]:
        """A one-line progress bar on a terminal; silent otherwise."""
        stream = cast(TextIO, self.stderr._out)  # the stream it wraps; absent from django-stubs

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
