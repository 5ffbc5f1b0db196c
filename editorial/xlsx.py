"""An XLSX workbook's active sheet, read row by row within fixed limits.

openpyxl believes what a workbook says of itself: in read-only mode it pads every row to the
sheet's declared ``<dimension>`` and fills every row up to the last one, it loads all the
shared strings, and it inflates parts of any size; a 1.5 KB file can ask it for gigabytes.
This reader streams the parts it needs through the standard library's expat parser and holds
one row at a time. The zip's parts are checked (how many, how large, how many times they
inflate) before they are inflated and counted while they are; a document type declaration,
and so any entity, is refused; elements nest at most ``limits.xml_depth`` deep; cells are
placed by their own references and refused beyond ``limits.columns``; a row numbered beyond
``limits.rows`` stops the reading. Values come out as openpyxl gives them (numbers, booleans,
dates by their style), so a workbook imports as it did; a formula without a saved value is
refused rather than read as a blank.
"""

from __future__ import annotations

import posixpath
import re
import struct
import zipfile
from collections.abc import Callable, Iterator
from typing import IO, Any
from xml.parsers import expat

from django.utils.translation import gettext
from openpyxl.styles.numbers import builtin_format_code, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import (
    CALENDAR_MAC_1904,
    CALENDAR_WINDOWS_1900,
    from_excel,
    from_ISO8601,
)

from archive.sizes import size_text
from editorial.tabular import (
    MIB,
    ImportLimits,
    RowChunks,
    UploadRefused,
    column_letters,
    is_blank,
)

BLOCK = 64 * 1024
MAX_PARTS = 1000  # a workbook has a few dozen parts (sheets, styles, themes, images)
MAX_CELL_FORMATS = 65_536  # Excel keeps at most 64,000
RATIO_GRACE = MIB  # a part that inflates to less than this is harmless, whatever its ratio
END_OF_DIRECTORY = b"PK\x05\x06"
REFERENCE = re.compile(r"([A-Z]{1,3})(\d+)")
OFFICE_DOCUMENT = "/officeDocument"


def local(name: str) -> str:
    """An element or attribute name without its namespace prefix: ``r:id`` → ``id``."""
    return name.rpartition(":")[2]


class Workbook:
    """The parts of an XLSX file that an import reads, each checked before it is inflated."""

    def __init__(self, name: str, file: IO[bytes], limits: ImportLimits) -> None:
        self.name, self.limits = name, limits
        self.budget = limits.inflated_bytes
        self.check_directory(file)
        try:
            self.zip = zipfile.ZipFile(file)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            raise self.unreadable() from None

    def unreadable(self, why: str = "") -> UploadRefused:
        return UploadRefused(
            gettext("“{name}” could not be read as an XLSX workbook: {why}.").format(
                name=self.name, why=why
            )
            if why
            else gettext("“{name}” could not be read as an XLSX workbook.").format(name=self.name)
        )

    def check_directory(self, file: IO[bytes]) -> None:
        """Count the parts from the zip's end record before ``zipfile`` reads an entry for
        each: a few megabytes of directory could otherwise hold a million of them."""
        size = file.seek(0, 2)
        tail_start = max(0, size - 65_557)  # the end record and the longest comment
        file.seek(tail_start)
        tail = file.read()
        file.seek(0)
        found = tail.rfind(END_OF_DIRECTORY)
        if found < 0 or found + 22 > len(tail):
            raise UploadRefused(gettext("“{name}” is not an XLSX workbook.").format(name=self.name))
        (parts,) = struct.unpack_from("<H", tail, found + 10)
        if parts > MAX_PARTS:
            raise UploadRefused(
                gettext(
                    "“{name}” holds {parts} parts; an XLSX workbook has a few dozen and at "
                    "most {limit} are read. Save it again from a spreadsheet program, or "
                    "as CSV (UTF-8)."
                ).format(name=self.name, parts=f"{parts:,}", limit=f"{MAX_PARTS:,}")
            )

    def close(self) -> None:
        self.zip.close()

    def has(self, path: str) -> bool:
        return path in self.zip.NameToInfo

    def blocks(
        self, path: str, progress: Callable[[int, int], None] | None = None
    ) -> Iterator[bytes]:
        """The inflated bytes of the part at ``path``, a block at a time, after checking what
        the directory declares; the bytes are counted too, against the whole file's budget."""
        try:
            info = self.zip.getinfo(path)
        except KeyError:
            raise self.unreadable(gettext("it has no part {path}").format(path=path)) from None
        if info.flag_bits & 0x1:
            raise self.unreadable(gettext("it is encrypted; save it without a password"))
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise self.unreadable(
                gettext("{path} is compressed in a way spreadsheets do not use").format(path=path)
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_GRACE and ratio > self.limits.zip_ratio:
            raise UploadRefused(
                gettext(
                    "“{name}”: its part {path} would inflate from {compressed} to {inflated}, "
                    "{ratio} "
                    "times; the limit is {limit} times. Spreadsheet programs do not save "
                    "workbooks like this: save it again, or as CSV (UTF-8)."
                ).format(
                    name=self.name,
                    path=path,
                    compressed=size_text(info.compress_size),
                    inflated=size_text(info.file_size),
                    ratio=f"{ratio:,.0f}",
                    limit=f"{self.limits.zip_ratio:,}",
                )
            )
        if info.file_size > self.budget:
            raise self.too_large()
        done = 0
        try:
            with self.zip.open(info) as stream:
                while block := stream.read(BLOCK):
                    self.budget -= len(block)
                    if self.budget < 0:
                        raise self.too_large()
                    done += len(block)
                    if progress:
                        progress(done, info.file_size)
                    yield block
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
            raise self.unreadable(
                gettext("{path} is damaged ({error})").format(path=path, error=error)
            ) from None

    def too_large(self) -> UploadRefused:
        return UploadRefused(
            gettext(
                "“{name}” would inflate to more than {size}, the limit for an XLSX file. "
                "Split it into smaller files, or save it as CSV (UTF-8) and import that."
            ).format(name=self.name, size=size_text(self.limits.inflated_bytes))
        )

    def parse(self, path: str, reader: PartReader) -> Iterator[None]:
        """Feed the part at ``path`` to ``reader``'s handlers a block at a time, yielding
        after each block so that the caller can take what the block completed."""
        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = lambda *args: reader.refuse_doctype()
        parser.EntityDeclHandler = lambda *args: reader.refuse_doctype()
        parser.StartElementHandler = reader.enter
        parser.EndElementHandler = reader.leave
        parser.CharacterDataHandler = reader.text
        reader.path = path
        try:
            for block in self.blocks(path, reader.progress):
                parser.Parse(block, False)
                yield
            parser.Parse(b"", True)
        except expat.ExpatError as error:
            raise self.unreadable(
                gettext("{path} is not well-formed XML ({error})").format(path=path, error=error)
            ) from None
        yield

    def read(self, path: str, reader: PartReader) -> None:
        for _ in self.parse(path, reader):
            pass

    def relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """The relationships of ``part``: id → (type, path of the part it points to)."""
        folder, file_name = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", file_name + ".rels")
        reader = Relationships(self, folder)
        if self.has(rels):
            self.read(rels, reader)
        return reader.found


class PartReader:
    """Expat's handlers for one part: depth counted, names without their prefixes."""

    progress: Callable[[int, int], None] | None = None  # told (bytes read, bytes in all)

    def __init__(self, workbook: Workbook) -> None:
        self.workbook = workbook
        self.depth = 0
        self.path = ""

    def refuse_doctype(self) -> None:
        raise UploadRefused(
            gettext(
                "“{name}”: {path} declares a document type, which workbooks never do and "
                "which could expand without end. Save it again from a spreadsheet "
                "program, or as CSV (UTF-8)."
            ).format(name=self.workbook.name, path=self.path)
        )

    def enter(self, name: str, attributes: dict[str, str]) -> None:
        self.depth += 1
        if self.depth > self.workbook.limits.xml_depth:
            raise UploadRefused(
                gettext(
                    "“{name}”: {path} nests its elements more than {limit} deep; a "
                    "workbook needs about ten. Save it again from a spreadsheet program, or "
                    "as CSV (UTF-8)."
                ).format(
                    name=self.workbook.name,
                    path=self.path,
                    limit=self.workbook.limits.xml_depth,
                )
            )
        self.start(local(name), {local(key): value for key, value in attributes.items()})

    def leave(self, name: str) -> None:
        self.depth -= 1
        self.end(local(name))

    def start(self, name: str, attributes: dict[str, str]) -> None:
        pass

    def end(self, name: str) -> None:
        pass

    def text(self, data: str) -> None:
        pass


class Relationships(PartReader):
    def __init__(self, workbook: Workbook, folder: str) -> None:
        super().__init__(workbook)
        self.folder = folder
        self.found: dict[str, tuple[str, str]] = {}

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if name == "Relationship" and attributes.get("TargetMode") != "External":
            target = attributes.get("Target", "")
            # A target is relative to the part's folder unless it starts at the root.
            path = posixpath.join(self.folder, target).lstrip("/")
            self.found[attributes.get("Id", "")] = (
                attributes.get("Type", ""),
                posixpath.normpath(path),
            )


class WorkbookPart(PartReader):
    """The sheets in order, which one is active, and the date system."""

    def __init__(self, workbook: Workbook) -> None:
        super().__init__(workbook)
        self.sheet_ids: list[str] = []
        self.active = 0
        self.epoch = CALENDAR_WINDOWS_1900

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if name == "sheet" and len(self.sheet_ids) < MAX_PARTS:
            self.sheet_ids.append(attributes.get("id", ""))
        elif name == "workbookView" and attributes.get("activeTab", "").isdigit():
            self.active = int(attributes["activeTab"])
        elif name == "workbookPr" and attributes.get("date1904") in ("1", "true"):
            self.epoch = CALENDAR_MAC_1904


class Styles(PartReader):
    """Which cell styles show a number as a date or a duration, as openpyxl works it out."""

    def __init__(self, workbook: Workbook) -> None:
        super().__init__(workbook)
        self.custom: dict[int, str] = {}
        self.formats: list[int] = []
        self.in_cell_formats = False

    def start(self, name: str, attributes: dict[str, str]) -> None:
        number = attributes.get("numFmtId", "0")
        if name == "numFmt" and number.isdigit() and len(self.custom) < MAX_CELL_FORMATS:
            self.custom[int(number)] = attributes.get("formatCode", "")[:255]
        elif name == "cellXfs":
            self.in_cell_formats = True
        elif name == "xf" and self.in_cell_formats:
            if len(self.formats) >= MAX_CELL_FORMATS:
                raise self.workbook.unreadable(
                    gettext("it has over {limit} cell formats").format(
                        limit=f"{MAX_CELL_FORMATS:,}"
                    )
                )
            self.formats.append(int(number) if number.isdigit() else 0)

    def end(self, name: str) -> None:
        if name == "cellXfs":
            self.in_cell_formats = False

    def styles_where(self, test: Callable[[str], bool]) -> set[int]:
        return {
            index
            for index, number in enumerate(self.formats)
            if test(self.custom.get(number) or builtin_format_code(number) or "")
        }


class SharedStrings(PartReader):
    """Every distinct text of the workbook, as the sheet refers to them by number."""

    def __init__(self, workbook: Workbook) -> None:
        super().__init__(workbook)
        self.strings: list[str] = []
        self.pieces: list[str] = []
        self.length = 0
        self.in_text = self.in_phonetic = False

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if name == "si":
            self.pieces, self.length = [], 0
        elif name == "t" and not self.in_phonetic:
            self.in_text = True
        elif name == "rPh":
            self.in_phonetic = True

    def text(self, data: str) -> None:
        if self.in_text:
            self.length += len(data)
            if self.length > self.workbook.limits.cell_chars:
                limit = self.workbook.limits.cell_chars
                raise UploadRefused(
                    gettext(
                        "“{name}” holds a text of more than {limit} characters; the limit is "
                        "{limit} characters in a cell."
                    ).format(name=self.workbook.name, limit=f"{limit:,}")
                )
            self.pieces.append(data)

    def end(self, name: str) -> None:
        if name == "t":
            self.in_text = False
        elif name == "rPh":
            self.in_phonetic = False
        elif name == "si":
            if len(self.strings) >= self.workbook.limits.shared_strings:
                limit = self.workbook.limits.shared_strings
                raise UploadRefused(
                    gettext(
                        "“{name}” holds more than {limit} different texts (its shared strings); "
                        "the limit is {limit}. Split it into smaller files, or save it as CSV "
                        "(UTF-8)."
                    ).format(name=self.workbook.name, limit=f"{limit:,}")
                )
            self.strings.append("".join(self.pieces))


class Sheet(PartReader):
    """A worksheet's rows as they complete: (row number, values by column)."""

    def __init__(self, workbook: Workbook, chunks: XlsxChunks, strings: list[str]) -> None:
        super().__init__(workbook)
        self.chunks, self.strings = chunks, strings
        self.done: list[tuple[int, list[Any]]] = []
        self.row_number = 0
        self.row: dict[int, Any] = {}
        self.column = 0
        self.capture: list[str] | None = None
        self.length = 0
        self.in_inline = self.in_phonetic = False
        self.kind, self.style = "n", 0
        self.value: str | None = None
        self.inline: list[str] | None = None
        self.formula: str | None = None

    def progress(self, done: int, total: int) -> None:
        self.chunks.fraction = done / max(total, 1)

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if name == "c":
            self.start_cell(attributes)
        elif name in ("v", "f"):
            self.capture = []
        elif name == "t" and self.in_inline and not self.in_phonetic:
            self.capture = self.inline  # the runs of a rich text make one text
        elif name == "is":
            self.in_inline, self.inline = True, []
            self.length = 0
        elif name == "rPh":
            self.in_phonetic = True
        elif name == "row":
            written = attributes.get("r", "")
            number = int(written) if written.isdigit() else self.row_number + 1
            if number <= self.row_number:
                raise self.workbook.unreadable(
                    gettext("row {row} comes after row {previous}").format(
                        row=number, previous=self.row_number
                    )
                )
            self.chunks.check_row_number(number)
            self.row_number, self.row, self.column = number, {}, 0

    def start_cell(self, attributes: dict[str, str]) -> None:
        reference = REFERENCE.fullmatch(attributes.get("r", ""))
        if reference:
            column = 0
            for letter in reference.group(1):
                column = column * 26 + ord(letter) - 64
        else:
            column = self.column + 1
        if column > self.workbook.limits.columns:
            raise UploadRefused(
                gettext(
                    # Translators: "the {number}th" is the column's position, e.g. "column XFE,
                    # the 16,385th"; write the ordinal as your language does.
                    "“{name}”, row {row}: a cell in column {letters}, the {number}th; the limit "
                    "is {limit} columns."
                ).format(
                    name=self.workbook.name,
                    row=self.row_number,
                    letters=column_letters(column),
                    number=f"{column:,}",
                    limit=f"{self.workbook.limits.columns:,}",
                )
            )
        style = attributes.get("s", "0")
        self.column = column
        self.kind, self.style = attributes.get("t", "n"), int(style) if style.isdigit() else 0
        self.value = self.inline = self.formula = None
        self.length = 0

    def text(self, data: str) -> None:
        if self.capture is not None:
            self.length += len(data)
            if self.length > self.workbook.limits.cell_chars:
                raise self.chunks.cell_too_long(self.row_number, self.column)
            self.capture.append(data)

    def end(self, name: str) -> None:
        if name == "v" and self.capture is not None:
            self.value, self.capture = "".join(self.capture), None
        elif name == "f" and self.capture is not None:
            self.formula, self.capture = "".join(self.capture), None
        elif name == "t":
            self.capture = None
        elif name == "rPh":
            self.in_phonetic = False
        elif name == "is":
            self.in_inline = False
        elif name == "c":
            value = self.cell_value()
            if value is not None:
                self.row[self.column] = value
        elif name == "row":
            width = max(self.row, default=0)
            values = [self.row.get(n) for n in range(1, width + 1)]
            if not self.chunks.headers and not all(is_blank(value) for value in values):
                # known at once, for the messages about the rows after it in this block
                self.chunks.headers = values
            self.done.append((self.row_number, values))

    def cell_value(self) -> Any:
        """The cell's value as openpyxl reads it with ``data_only``: what a formula last
        worked out, never the formula itself."""
        # An empty result is an empty text only when the cell's type says so: openpyxl, for
        # one, writes a formula with an empty <v/> and no result at all.
        saved = self.value is not None and (self.value != "" or self.kind == "str")
        if self.formula is not None and not saved:
            raise self.chunks.formula_without_value(self.row_number, self.column, self.formula)
        if self.kind == "inlineStr":
            return "".join(self.inline) if self.inline is not None else None
        value = self.value or None
        if value is None:
            return None
        try:
            if self.kind == "s":
                if not value.isdigit() or int(value) >= len(self.strings):
                    raise ValueError(value)  # a shared string the workbook does not have
                return self.strings[int(value)]
            if self.kind == "b":
                return bool(int(value))
            if self.kind == "d":
                return from_ISO8601(value)
            if self.kind in ("str", "e"):
                return value
            number = float(value) if any(c in value for c in ".Ee") else int(value)
        except ValueError:
            raise self.workbook.unreadable(
                gettext(
                    "the cell {cell} holds “{value}”, which is not a value of its type ({kind})"
                ).format(
                    cell=f"{column_letters(self.column)}{self.row_number}",
                    value=value[:50],
                    kind=self.kind,
                )
            ) from None
        if self.style in self.chunks.date_styles:
            try:
                return from_excel(
                    number, self.chunks.epoch, timedelta=self.style in self.chunks.duration_styles
                )
            except (OverflowError, ValueError):
                return "#VALUE!"
        return number


class XlsxChunks(RowChunks):
    """The active sheet of an XLSX workbook in chunks of ``rows`` rows, read in a stream."""

    blank_cell = None

    def __init__(self, name: str, file: IO[bytes], rows: int, limits: ImportLimits) -> None:
        super().__init__(name, rows, limits)
        self.file = file
        self.fraction = 0.0
        self.workbook = Workbook(name, file, limits)
        try:
            self.open()
            self.start()
        except BaseException:
            self.close()
            raise

    def open(self) -> None:
        """Find the active sheet and read what its cells refer to: styles, shared strings."""
        workbook = self.workbook
        package = workbook.relationships("")
        document = next(
            (path for kind, path in package.values() if kind.endswith(OFFICE_DOCUMENT)),
            "xl/workbook.xml",
        )
        parts = WorkbookPart(workbook)
        workbook.read(document, parts)
        related = workbook.relationships(document)
        sheets = [related[i][1] for i in parts.sheet_ids if i in related]
        if not sheets:
            raise workbook.unreadable(gettext("it has no worksheet"))
        self.sheet_path = sheets[parts.active] if parts.active < len(sheets) else sheets[0]
        self.epoch = parts.epoch
        by_kind = {kind.rsplit("/", 1)[-1]: path for kind, path in related.values()}
        styles = Styles(workbook)
        if workbook.has(by_kind.get("styles", "")):
            workbook.read(by_kind["styles"], styles)
        self.date_styles = styles.styles_where(is_date_format)
        self.duration_styles = styles.styles_where(is_timedelta_format)
        strings = SharedStrings(workbook)
        if workbook.has(by_kind.get("sharedStrings", "")):
            workbook.read(by_kind["sharedStrings"], strings)
        self.strings = strings.strings

    def numbered_rows(self) -> Iterator[tuple[int, list[Any]]]:
        sheet = Sheet(self.workbook, self, self.strings)
        for _ in self.workbook.parse(self.sheet_path, sheet):
            yield from sheet.done
            sheet.done.clear()
        self.fraction = 1.0

    def close(self) -> None:
        self.workbook.close()
        self.file.close()

    def formula_without_value(self, number: int, column: int, formula: str) -> UploadRefused:
        header = self.headers[column - 1] if column <= len(self.headers) else None
        letters = column_letters(column)
        where = (
            gettext("column `{header}` ({letters})").format(header=header, letters=letters)
            if header
            else gettext("column {letters}").format(letters=letters)
        )
        shown = formula if len(formula) <= 60 else formula[:57] + "…"
        return UploadRefused(
            (
                gettext(
                    "“{name}”, row {row}, {where}: the cell holds a formula (={formula}) but no "
                    "value worked out from it. Open the file in a spreadsheet program and "
                    "save it again, so that the values are saved with the formulas, or type "
                    "the value instead."
                )
                if shown
                else gettext(
                    "“{name}”, row {row}, {where}: the cell holds a formula but no "
                    "value worked out from it. Open the file in a spreadsheet program and "
                    "save it again, so that the values are saved with the formulas, or type "
                    "the value instead."
                )
            ).format(name=self.name, row=number, where=where, formula=shown)
        )
