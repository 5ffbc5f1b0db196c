"""Importing a file's rows with a resource, a chunk at a time and all or nothing: the one path
that the ``import`` command and the admin's preview and confirm share."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import tablib
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from import_export.results import Result, RowResult

from editorial.import_base import ArchiveResource
from editorial.models import Channel
from editorial.tabular import UploadRefused


class ImportFailed(Exception):
    """Rows of the file are invalid; nothing was written. ``lines`` say what and where."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


@dataclass
class ImportOutcome:
    totals: Counter[str]
    rows: int
    held: int = 0  # rows whose changes wait for a second person's review
    first_rows: list[RowResult] = field(default_factory=list)  # what the preview shows
    diff_headers: list[str] = field(default_factory=list)


@transaction.atomic
def file_import(
    *,
    resource: ArchiveResource,
    chunks: Iterable[tablib.Dataset],
    file_name: str,
    dry_run: bool,
    user: AbstractBaseUser | None,
    channel: Channel,
    progress: Callable[[int, float], None] | None = None,
    keep_rows: int = 0,
) -> ImportOutcome:
    """Import every chunk in one transaction: an error in any chunk rolls back the chunks
    before it too, and a dry run rolls everything back at the end. The first ``keep_rows``
    rows' results are kept for a preview; the rest are counted and let go."""
    resource.in_chunks = True
    outcome = ImportOutcome(totals=Counter(), rows=0)
    for dataset in chunks:
        resource.row_offset = outcome.rows
        result = resource.import_data(
            dataset, raise_errors=False, file_name=file_name, user=user, channel=channel
        )
        if result.has_errors() or result.has_validation_errors():
            raise ImportFailed(error_lines(result, outcome.rows))
        if not outcome.diff_headers:
            outcome.diff_headers = list(result.diff_headers)
        outcome.first_rows += result.rows[: keep_rows - len(outcome.first_rows)]
        outcome.totals.update(result.totals)
        outcome.rows += len(dataset)
        if progress:
            progress(outcome.rows, getattr(chunks, "fraction", 1.0))
    if not outcome.rows:
        raise UploadRefused(f"“{Path(file_name).name}” has no rows below its header.")
    # Only the resources that link rows to one another check those links at the end.
    relation_problems: Callable[[], list[str]] = getattr(resource, "relation_problems", list)
    if problems := relation_problems():
        raise ImportFailed(problems)
    resource.record_import(
        file_name, outcome.totals, outcome.rows, dry_run=dry_run, channel=channel
    )
    outcome.held = len(getattr(resource, "held", []))
    if dry_run:
        transaction.set_rollback(True)
    return outcome


def error_lines(result: Result, offset: int) -> list[str]:
    """Every error of a chunk's result, rows numbered as in the file (the header is row 1)."""
    lines = [line for error in result.base_errors for line in str(error.error).splitlines()]
    lines += [
        f"row {offset + number + 1}: {error.error}"
        for number, errors in result.row_errors()
        for error in errors
    ]
    return lines
