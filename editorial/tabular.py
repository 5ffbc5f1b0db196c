"""Rows read from an import file within fixed limits, handed on a chunk at a time.

Whatever a file declares about itself, it is read within the limits in settings
(``IMPORT_MAX_*``, docs/import-export.md): a file over one is refused with a message
that names the limit, while it is being read and before any row is imported.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import tablib
from django.conf import settings
from django.utils.translation import gettext

MIB = 1024 * 1024


class UploadRefused(Exception):
    """The file cannot be read as an import; the message says why and what to do."""


@dataclass(frozen=True)
class ImportLimits:
    bytes: int  # the file as uploaded (a CSV file named on the command line is streamed)
    rows: int  # below the header, blank rows included
    columns: int
    cell_chars: int
    inflated_bytes: int  # an XLSX file's parts, once inflated
    zip_ratio: int  # how many times a part may inflate
    shared_strings: int  # the distinct texts of an XLSX file, held while its sheet is read
    xml_depth: int

    @classmethod
    def from_settings(cls) -> ImportLimits:
        return cls(
            bytes=settings.IMPORT_MAX_BYTES,
            rows=settings.IMPORT_MAX_ROWS,
            columns=settings.IMPORT_MAX_COLUMNS,
            cell_chars=settings.IMPORT_MAX_CELL_CHARS,
            inflated_bytes=settings.IMPORT_MAX_INFLATED_BYTES,
            zip_ratio=settings.IMPORT_MAX_ZIP_RATIO,
            shared_strings=settings.IMPORT_MAX_SHARED_STRINGS,
            xml_depth=settings.IMPORT_MAX_XML_DEPTH,
        )

    @property
    def row_chars(self) -> int:
        """The most characters one row can hold: every column's cell at its longest."""
        return self.columns * self.cell_chars


def column_letters(index: int) -> str:
    """The spreadsheet's name of the 1-based column ``index``: 1 → A, 16384 → XFD."""
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class RowChunks:
    """A file's rows as datasets of at most ``rows`` rows under its header row, blank rows
    left out. A subclass reads the file (``numbered_rows``); this class checks each row
    against the header and the limits, and counts the rows as they stream past."""

    blank_cell: Any = ""

    def __init__(self, name: str, rows: int, limits: ImportLimits) -> None:
        self.name, self.rows, self.limits = name, rows, limits
        self.headers: list[Any] = []
        self.source: Iterator[tuple[int, list[Any]]] = iter(())

    def numbered_rows(self) -> Iterator[tuple[int, list[Any]]]:
        """Each row of the file with its number as a spreadsheet program shows it."""
        raise NotImplementedError

    def start(self) -> None:
        """Read as far as the header row, so that ``headers`` is known before any import."""
        self.source = self.numbered_rows()
        for _number, row in self.source:
            if not all(is_blank(value) for value in row):
                self.headers = row
                return

    def __iter__(self) -> Iterator[tablib.Dataset]:
        try:
            while True:
                chunk = []
                for number, row in self.source:
                    if not all(is_blank(value) for value in row):
                        chunk.append(self.fitted(number, row))
                    if len(chunk) == self.rows:
                        break
                if not chunk:
                    return
                yield tablib.Dataset(*chunk, headers=self.headers)
        finally:
            self.close()

    def close(self) -> None:
        """Let go of the file."""

    def __enter__(self) -> RowChunks:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def fitted(self, number: int, row: list[Any]) -> list[Any]:
        """The row with as many cells as the header: missing cells are blank."""
        width = len(self.headers)
        if not all(is_blank(value) for value in row[width:]):
            raise UploadRefused(
                gettext(
                    "“{name}”, row {number}: {count} cells, but the header has {width} "
                    "columns; check for a stray comma or a missing header."
                ).format(name=self.name, number=number, count=len(row), width=width)
            )
        return row[:width] + [self.blank_cell] * (width - len(row))

    def check_row_number(self, number: int) -> None:
        """Refuse the file as soon as a row lies beyond the limit, whatever its cells."""
        if number - 1 > self.limits.rows:
            raise UploadRefused(
                gettext(
                    "“{name}” has more than {rows} rows below its header; the limit is "
                    "{rows}. Split it into smaller files."
                ).format(name=self.name, rows=f"{self.limits.rows:,}")
            )

    def too_wide(self, number: int, cells: int) -> UploadRefused:
        return UploadRefused(
            gettext(
                "“{name}”, row {number}: {cells} cells; the limit is {columns} columns."
            ).format(
                name=self.name,
                number=number,
                cells=f"{cells:,}",
                columns=f"{self.limits.columns:,}",
            )
        )

    def cell_too_long(self, number: int, column: int | None) -> UploadRefused:
        limit = self.limits.cell_chars
        if column is None:
            place = gettext("“{name}”, row {row}")
        elif column <= len(self.headers) and not is_blank(self.headers[column - 1]):
            place = gettext("“{name}”, row {row}, column `{column}`")
        else:
            place = gettext("“{name}”, row {row}, column {column}")
        header = self.headers[column - 1] if column and column <= len(self.headers) else ""
        where = place.format(
            name=self.name,
            row=number,
            column=header if header and not is_blank(header) else column_letters(column or 1),
        )
        return UploadRefused(
            gettext(
                # Translators: {where} is the file, row and column, as “file.csv”, row 3,
                # column `quote`.
                "{where}: a cell of more than {limit} characters; the limit is {limit} "
                "characters in a cell."
            ).format(where=where, limit=f"{limit:,}")
        )
