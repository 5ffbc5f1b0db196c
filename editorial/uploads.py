"""Reading an import file: CSV (UTF-8) or XLSX only, within the limits in settings.

``open_import`` hands a file's rows on in chunks as it streams them, so that the command line
and the admin import a file of any shape in bounded memory; ``read_upload`` gives a small
file's rows as one dataset. ``UploadLimitHandler`` stops an upload at ``IMPORT_MAX_BYTES``
while its bytes arrive.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import IO

import tablib
from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest
from django.utils.translation import gettext

from archive.sizes import size_text
from editorial.tabular import ImportLimits, RowChunks, UploadRefused
from editorial.xlsx import XlsxChunks

FORMATS = ("csv", "xlsx")

# The csv module's own cap on a field (131,072 characters unless a library changes it for the
# whole process, as frictionless does) is not what bounds a cell here: ``lines`` cuts a row off
# at ``row_chars`` before the parser sees it, and every cell is then checked against
# ``cell_chars`` with its row and column. Lifting the cap once makes the refusal the same,
# naming the column, whatever else the process has imported.
csv.field_size_limit(2**31 - 2)
CHUNK_ROWS = 2000


def import_format(name: str, format_name: str | None = None) -> str:
    """``csv`` or ``xlsx``, as chosen or else as the file's name says."""
    extension = (format_name or (name.rsplit(".", 1)[-1] if "." in name else "")).lower()
    if extension not in FORMATS:
        raise UploadRefused(
            gettext(
                "“{name}” is not a CSV or XLSX file; save the spreadsheet as CSV (UTF-8) or XLSX."
            ).format(name=name)
        )
    return extension


def open_import(
    name: str,
    file: IO[bytes],
    format_name: str | None = None,
    *,
    rows: int = CHUNK_ROWS,
    any_size: bool = False,
) -> RowChunks:
    """The rows of ``file`` (named ``name``) in chunks of ``rows``, its header read already.
    ``any_size`` lifts the size limit from a CSV file, which is streamed whatever its length
    (the command line's); its rows stay limited. ``file`` is closed when its rows have been
    read, when the file is refused, or on ``close()``."""
    try:
        extension = import_format(name, format_name)
        limits = ImportLimits.from_settings()
        size = file.seek(0, 2)
        if size > limits.bytes and not (any_size and extension == "csv"):
            raise UploadRefused(
                gettext(
                    "“{name}” is {size}; the limit is {limit}. Split it into smaller files."
                ).format(name=name, size=size_text(size), limit=size_text(limits.bytes))
            )
        file.seek(0)
        if not file.read(4096).strip():
            raise UploadRefused(gettext("“{name}” is empty.").format(name=name))
        file.seek(0)
        if extension == "xlsx":
            if file.read(2) != b"PK":
                raise UploadRefused(gettext("“{name}” is not an XLSX workbook.").format(name=name))
            return XlsxChunks(name, file, rows, limits)
        return CsvChunks(name, file, rows, limits)
    except BaseException:
        file.close()
        raise


def read_upload(name: str, raw: bytes, format_name: str | None = None) -> tablib.Dataset:
    """A small file's rows in one dataset, read as ``open_import`` reads them."""
    with open_import(name, io.BytesIO(raw), format_name) as chunks:
        dataset = tablib.Dataset(headers=chunks.headers)
        for chunk in chunks:
            dataset.extend(chunk)
    return dataset


def refuse_markup(name: str, text: str) -> None:
    head = text.lstrip()[:200].lower()
    if head.startswith(("<", "---", "%yaml", "{", "[")):
        raise UploadRefused(
            gettext(
                "“{name}” looks like HTML, YAML or JSON, not CSV; export the spreadsheet as CSV."
            ).format(name=name)
        )


class CsvChunks(RowChunks):
    """A CSV file in UTF-8, a line at a time. A line is read at most as long as the longest
    row the limits allow, so that neither a huge cell nor a very wide row is built in memory
    before it is refused; a byte that is not UTF-8 further on stops it with the row's
    number."""

    def __init__(self, name: str, file: IO[bytes], rows: int, limits: ImportLimits) -> None:
        super().__init__(name, rows, limits)
        self.raw = file
        self.size = file.seek(0, 2)
        file.seek(0)
        self.read_rows = 0  # rows read so far, the header and blank rows too
        self.row_chars = 0  # characters read so far of the row being read
        try:
            self.text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
            try:
                head = self.text.read(4096)
            except UnicodeDecodeError as error:
                raise self.not_utf8(error, 1) from None
            refuse_markup(name, head)
            self.text.seek(0)
            self.start()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self.raw.close()

    def not_utf8(self, error: UnicodeDecodeError, row: int) -> UploadRefused:
        return UploadRefused(
            gettext(
                "“{name}” is not UTF-8 text (byte 0x{byte} near row {row}); save it as “CSV UTF-8”."
            ).format(name=self.name, byte=f"{error.object[error.start]:02x}", row=row)
        )

    def lines(self) -> Iterator[str]:
        """The file's lines for the CSV reader, refused once a row has read more characters
        than a row can hold."""
        limit = self.limits.row_chars
        while line := self.text.readline(limit + 1 - self.row_chars):
            self.row_chars += len(line)
            if self.row_chars > limit:
                raise UploadRefused(
                    gettext(
                        "“{name}”, row {number} holds more than {limit} characters; a row holds "
                        "at most {columns} cells of {cell_chars} characters. Check for a missing "
                        "closing quote."
                    ).format(
                        name=self.name,
                        number=self.read_rows + 1,
                        limit=f"{limit:,}",
                        columns=f"{self.limits.columns:,}",
                        cell_chars=f"{self.limits.cell_chars:,}",
                    )
                )
            yield line

    def numbered_rows(self) -> Iterator[tuple[int, list[str]]]:
        reader = csv.reader(self.lines())
        while True:
            number = self.read_rows + 1
            try:
                row = next(reader, None)
            except UnicodeDecodeError as error:
                raise self.not_utf8(error, number) from None
            except csv.Error as error:
                raise UploadRefused(
                    gettext("“{name}” could not be read as CSV near row {number}: {error}.").format(
                        name=self.name, number=number, error=error
                    )
                ) from None
            if row is None:
                return
            self.read_rows, self.row_chars = number, 0
            self.check_row_number(number)
            if len(row) > self.limits.columns:
                raise self.too_wide(number, len(row))
            for column, value in enumerate(row, start=1):
                if len(value) > self.limits.cell_chars:
                    raise self.cell_too_long(number, column)
            yield number, row

    @property
    def fraction(self) -> float:
        return min(1.0, self.raw.tell() / self.size) if not self.raw.closed else 1.0


# The request attribute the import view reads the reason from.
REFUSAL_ATTRIBUTE = "upload_refusal"


class UploadLimitHandler(FileUploadHandler):
    """Stops an upload as soon as its files pass ``IMPORT_MAX_BYTES``, counting the bytes as
    they arrive, whatever the request's Content-Length said, and before the handlers after it
    keep them in memory or spool them to a temporary file (which Django then deletes). The
    view finds the reason in ``request.upload_refusal``."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        limit = settings.IMPORT_MAX_BYTES
        if self.received > limit:
            if self.request is not None:
                message = gettext(
                    "The file is larger than {limit}, the limit for an import. Split it into "
                    "smaller files."
                ).format(limit=size_text(limit))
                setattr(self.request, REFUSAL_ATTRIBUTE, message)
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
