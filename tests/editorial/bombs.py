"""Hostile import files, built small on disk: XLSX workbooks that declare or inflate to far
more than they hold, and CSV files of empty rows, one huge cell or very wide rows."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from pathlib import Path

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
PACKAGE_RELS = (
    f'<Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" '
    f'Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets>'
    '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    f'<Relationships xmlns="{PACKAGE}">'
    f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{RELATIONSHIPS}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
MIB = 1024 * 1024


def inline(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


def sheet(rows: str, dimension: str = "", padding: str = "") -> Iterable[bytes]:
    """A worksheet's XML: ``rows`` inside ``sheetData``, after ``padding`` (streamed)."""
    yield f'<worksheet xmlns="{MAIN}">'.encode()
    if dimension:
        yield f'<dimension ref="{dimension}"/>'.encode()
    yield b"<sheetData>"
    yield from ([padding.encode()] if isinstance(padding, str) else padding)
    yield rows.encode()
    yield b"</sheetData></worksheet>"


def write_xlsx(
    path: Path, worksheet: Iterable[bytes], shared_strings: Iterable[bytes] | None = None
) -> Path:
    """A workbook of one sheet; each part is written in pieces, so a part that inflates to
    hundreds of megabytes never sits in this process's memory."""
    strings = shared_strings or [f'<sst xmlns="{MAIN}"/>'.encode()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as workbook:
        workbook.writestr("[Content_Types].xml", CONTENT_TYPES)
        workbook.writestr("_rels/.rels", PACKAGE_RELS)
        workbook.writestr("xl/workbook.xml", WORKBOOK)
        workbook.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        for name, pieces in (
            ("xl/worksheets/sheet1.xml", worksheet),
            ("xl/sharedStrings.xml", strings),
        ):
            with workbook.open(name, "w") as part:
                for piece in pieces:
                    part.write(piece)
    return path


def repeated(piece: bytes, total: int) -> Iterable[bytes]:
    """``piece`` repeated to ``total`` bytes, a megabyte at a time."""
    block = piece * (MIB // len(piece))
    for _ in range(total // len(block)):
        yield block


def xlsx_declaring(path: Path, dimension: str) -> Path:
    """Two real cells, a header in A1 and a value in the last row that ``dimension`` declares
    (``A1:XFD20000``: A20000), in a sheet that declares it spans every cell between."""
    last_row = dimension.rsplit(":", 1)[-1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    rows = '<row r="1">' + inline("A1", "slug") + "</row>"
    rows += f'<row r="{last_row}">' + inline(f"A{last_row}", "katyn") + "</row>"
    return write_xlsx(path, sheet(rows, dimension=dimension))


def xlsx_cell_at(path: Path, reference: str) -> Path:
    """A header in A1 and one more real cell at ``reference``, far away."""
    number = "".join(ch for ch in reference if ch.isdigit())
    rows = '<row r="1">' + inline("A1", "slug") + "</row>"
    rows += f'<row r="{number}">' + inline(reference, "x") + "</row>"
    return write_xlsx(path, sheet(rows))


def xlsx_huge_shared_strings(path: Path, size: int = 100 * MIB) -> Path:
    """One shared string of ``size`` letters; the file is a few hundred kilobytes."""
    strings = [
        f'<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>'.encode(),
        *repeated(b"A", size),
        b"</t></si></sst>",
    ]
    row = '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    return write_xlsx(path, sheet(row), shared_strings=strings)


def xlsx_deeply_nested(path: Path, depth: int = 100_000) -> Path:
    """A cell whose inline string nests ``depth`` elements, under a megabyte inflated."""
    nested = "<x>" * depth + "</x>" * depth
    row = f'<row r="1"><c r="A1" t="inlineStr"><is>{nested}<t>slug</t></is></c></row>'
    return write_xlsx(path, sheet(row))


def xlsx_high_ratio(path: Path, size: int = 200 * MIB) -> Path:
    """A sheet padded with ``size`` bytes of spaces: about a thousand times its compressed
    size."""
    row = '<row r="1">' + inline("A1", "slug") + "</row>"
    return write_xlsx(path, sheet(row, padding=repeated(b" ", size)))


def csv_of_empty_rows(path: Path, size: int = 19 * MIB + MIB // 2) -> Path:
    """A header, then ``size`` bytes of rows with nothing in them."""
    with path.open("wb") as file:
        file.write(b"slug,title,summary\n")
        for block in repeated(b",,\n", size):
            file.write(block)
    return path


def csv_with_one_huge_cell(path: Path, size: int = 19 * MIB) -> Path:
    with path.open("wb") as file:
        file.write(b"slug,title\n")
        for block in repeated(b"x", size):
            file.write(block)
        file.write(b",A title\n")
    return path


def csv_of_wide_rows(path: Path, cells: int = 1_000_000, rows: int = 5) -> Path:
    with path.open("wb") as file:
        file.write(b"slug,title\n")
        for _ in range(rows):
            file.write(b"x," * cells + b"x\n")
    return path


class MultipartBody(io.RawIOBase):
    """A multipart body of ``size`` bytes (one file field), made as it is read: it counts the
    bytes read and, every 8 MB, the files that appeared in the folder ``watch``."""

    HEAD = (
        b'--B\r\nContent-Disposition: form-data; name="import_file"; filename="x.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n"
    )
    TAIL = b"\r\n--B--\r\n"

    def __init__(self, size: int, watch: Path | None = None) -> None:
        super().__init__()
        self.size, self.watch = size, watch
        self.read_bytes = self.files_seen = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        start = self.read_bytes
        count = min(len(buffer), self.size - start)
        if count <= 0:
            return 0
        piece = bytearray(b"x" * count)
        if start < len(self.HEAD):
            head = self.HEAD[start : start + count]
            piece[: len(head)] = head
        tail_start = self.size - len(self.TAIL)
        if start + count > tail_start:
            skip = max(0, tail_start - start)
            piece[skip:] = self.TAIL[max(0, start - tail_start) :][: count - skip]
        buffer[:count] = piece
        self.read_bytes += count
        if self.watch and self.read_bytes % (8 * 1024 * 1024) < count:
            self.files_seen = max(self.files_seen, len(list(self.watch.rglob("*"))))
        return count


def post_environ(body: MultipartBody, path: str = "/admin/login/") -> dict:
    """A WSGI request posting ``body``, with a CSRF cookie, as a browser that fetched the
    login page first would: Django's CSRF check then reads the body to find the token."""
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "CONTENT_TYPE": "multipart/form-data; boundary=B",
        "CONTENT_LENGTH": str(body.size),
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "HTTP_HOST": "localhost",
        "HTTP_COOKIE": "csrftoken=" + "a" * 32,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BufferedReader(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
