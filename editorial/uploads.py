"""Reading an import file safely: CSV (UTF-8) or XLSX only, within a size limit."""

from __future__ import annotations

import csv
import io

import tablib
from import_export.formats.base_formats import CSV, XLSX

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
FORMATS = {"csv": CSV, "xlsx": XLSX}


class UploadRefused(Exception):
    """The file cannot be read as an import; the message says why and what to do."""


def read_upload(name: str, raw: bytes, format_name: str | None = None) -> tablib.Dataset:
    extension = format_name or name.rsplit(".", 1)[-1] if "." in name else format_name or ""
    extension = extension.lower()
    if extension not in FORMATS:
        raise UploadRefused(
            f"“{name}” is not a CSV or XLSX file; save the spreadsheet as CSV (UTF-8) or XLSX."
        )
    if len(raw) > MAX_UPLOAD_BYTES:
        raise UploadRefused(
            f"“{name}” is {len(raw) / 1_048_576:.1f} MB; the limit is "
            f"{MAX_UPLOAD_BYTES // 1_048_576} MB. Split it into smaller files."
        )
    if not raw.strip():
        raise UploadRefused(f"“{name}” is empty.")
    if extension == "xlsx":
        if not raw.startswith(b"PK"):
            raise UploadRefused(f"“{name}” is not an XLSX workbook.")
        try:
            return XLSX().create_dataset(raw)
        except Exception:
            raise UploadRefused(f"“{name}” could not be read as an XLSX workbook.") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UploadRefused(
            f"“{name}” is not UTF-8 text (byte 0x{raw[error.start]:02x} at position "
            f"{error.start}); save it as “CSV UTF-8”."
        ) from None
    refuse_markup(name, text)
    try:
        return CSV().create_dataset(text)
    except Exception:
        raise UploadRefused(f"“{name}” could not be read as CSV.") from None


def refuse_markup(name: str, text: str) -> None:
    head = text.lstrip()[:200].lower()
    if head.startswith(("<", "---", "%yaml", "{", "[")):
        raise UploadRefused(
            f"“{name}” looks like HTML, YAML or JSON, not CSV; export the spreadsheet as CSV."
        )


class CsvChunks:
    """A CSV file read a chunk of rows at a time, so that a file of any length is imported in
    flat memory: ``headers``, then datasets of at most ``rows`` rows, and how far it has got
    (``fraction``, by bytes). Refuses the same files ``read_upload`` refuses, except that it
    has no size limit; a byte that is not UTF-8 further on stops it with the row's number."""

    def __init__(self, name: str, path, rows: int = 2000) -> None:
        self.name, self.rows = name, rows
        self.size = path.stat().st_size
        self.raw = path.open("rb")
        try:
            self.open()
        except UploadRefused:
            self.raw.close()
            raise

    def open(self) -> None:
        if not self.raw.read(4096).strip():
            raise UploadRefused(f"“{self.name}” is empty.")
        self.raw.seek(0)
        self.text = io.TextIOWrapper(self.raw, encoding="utf-8-sig", newline="")
        try:
            head = self.text.read(4096)
        except UnicodeDecodeError as error:
            raise self.not_utf8(error, 1) from None
        refuse_markup(self.name, head)
        self.text.seek(0)
        self.reader = csv.reader(self.text)
        self.read_rows = 0
        self.headers = self.next_row() or []

    def not_utf8(self, error: UnicodeDecodeError, row: int) -> UploadRefused:
        return UploadRefused(
            f"“{self.name}” is not UTF-8 text (byte 0x{error.object[error.start]:02x} near row "
            f"{row}); save it as “CSV UTF-8”."
        )

    def next_row(self) -> list[str] | None:
        try:
            row = next(self.reader, None)
        except UnicodeDecodeError as error:
            raise self.not_utf8(error, self.read_rows + 1) from None
        except csv.Error as error:
            raise UploadRefused(
                f"“{self.name}” could not be read as CSV near row {self.read_rows + 1}: {error}."
            ) from None
        if row is not None:
            self.read_rows += 1
        return row

    def __iter__(self):
        with self.raw:
            while True:
                chunk = []
                while len(chunk) < self.rows and (row := self.next_row()) is not None:
                    if any(cell.strip() for cell in row):
                        chunk.append(self.fitted(row))
                if not chunk:
                    return
                yield tablib.Dataset(*chunk, headers=self.headers)

    def fitted(self, row: list[str]) -> list[str]:
        """The row with as many cells as the header: missing cells are blank."""
        width = len(self.headers)
        if any(cell.strip() for cell in row[width:]):
            raise UploadRefused(
                f"“{self.name}”, row {self.read_rows}: {len(row)} cells, but the header has "
                f"{width} columns; check for a stray comma or a missing header."
            )
        return row[:width] + [""] * (width - len(row))

    @property
    def fraction(self) -> float:
        return min(1.0, self.raw.tell() / self.size) if not self.raw.closed else 1.0
