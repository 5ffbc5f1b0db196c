"""Importing a file's rows with a resource, a chunk at a time and all or nothing: the one path
that the ``import`` command and the admin's preview and confirm share."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import tablib
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext
from import_export.results import Result, RowResult

from editorial.import_base import ArchiveResource, Change
from editorial.models import Channel
from editorial.tabular import UploadRefused


class ImportFailed(Exception):
    """Rows of the file are invalid; nothing was written. ``lines`` say what and where."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


@dataclass(frozen=True)
class PreviewRow:
    """A row of the file as the preview lists it."""

    number: int  # as a spreadsheet numbers it: the header is row 1
    record: str  # the record it writes
    changes: list[Change]  # for a row that changes a record: column, old, new


@dataclass
class ImportOutcome:
    totals: Counter[str]
    rows: int
    held: int = 0  # rows whose changes wait for a second person's review
    # What the preview lists, up to ``keep_rows`` of each; the totals count every row.
    changed: list[PreviewRow] = field(default_factory=list)
    new: list[PreviewRow] = field(default_factory=list)
    unchanged: list[PreviewRow] = field(default_factory=list)
    drafts: list[int] = field(default_factory=list)  # the versions written to, in file order

    @property
    def changes(self) -> int:
        return self.totals[RowResult.IMPORT_TYPE_NEW] + self.totals[RowResult.IMPORT_TYPE_UPDATE]


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
    list_drafts: bool = False,
) -> ImportOutcome:
    """Import every chunk in one transaction: an error in any chunk rolls back the chunks
    before it too, and a dry run rolls everything back at the end. Up to ``keep_rows`` rows
    of each kind (changed, new, unchanged) are kept for a preview; the rest are counted and
    let go. ``list_drafts``: name the drafts written to (the admin links them); the command
    line counts rows, and a million rows' drafts would only take memory."""
    resource.in_chunks = True
    outcome = ImportOutcome(totals=Counter(), rows=0)
    # What the import keeps of every row goes once it is used: the file's keys once every row
    # is read, the drafts written to once their history is written.
    with closing(resource.touched):
        try:
            for dataset in chunks:
                resource.row_offset = outcome.rows
                result = resource.import_data(
                    dataset, raise_errors=False, file_name=file_name, user=user, channel=channel
                )
                if result.has_errors() or result.has_validation_errors():
                    raise ImportFailed(error_lines(result, outcome.rows))
                if keep_rows:
                    keep(outcome, result.rows, first=outcome.rows + 2, limit=keep_rows)
                outcome.totals.update(result.totals)
                outcome.rows += len(dataset)
                if progress:
                    progress(outcome.rows, getattr(chunks, "fraction", 1.0))
        finally:
            resource.seen_keys.close()  # (the first chunk's before_import makes it anew)
        if not outcome.rows:
            raise UploadRefused(
                gettext("“{name}” has no rows below its header.").format(name=Path(file_name).name)
            )
        # Only the resources that link rows to one another check those links at the end.
        relation_problems: Callable[[], list[str]] = getattr(resource, "relation_problems", list)
        if problems := relation_problems():
            raise ImportFailed(problems)
        resource.record_import(
            file_name, outcome.totals, outcome.rows, dry_run=dry_run, channel=channel
        )
        outcome.drafts = list(resource.touched) if list_drafts else []
    outcome.held = len(getattr(resource, "held", []))
    if dry_run:
        transaction.set_rollback(True)
    return outcome


def keep(outcome: ImportOutcome, results: list[RowResult], *, first: int, limit: int) -> None:
    """Keep what the preview shows of a chunk's rows; ``first`` is the number of its first."""
    lists = {
        RowResult.IMPORT_TYPE_UPDATE: outcome.changed,
        RowResult.IMPORT_TYPE_NEW: outcome.new,
        RowResult.IMPORT_TYPE_SKIP: outcome.unchanged,
    }
    for number, result in enumerate(results, start=first):
        kept = lists.get(result.import_type)
        if kept is not None and len(kept) < limit:
            changes = getattr(result, "changes", None) or []
            kept.append(PreviewRow(number, str(result.object_repr or ""), changes))


def error_lines(result: Result, offset: int) -> list[str]:
    """Every error of a chunk's result, rows numbered as in the file (the header is row 1)."""
    lines = [line for error in result.base_errors for line in str(error.error).splitlines()]
    lines += [
        f"row {offset + number + 1}: {error.error}"
        for number, errors in result.row_errors()
        for error in errors
    ]
    return lines
