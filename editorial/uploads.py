"""Reading an import file safely: CSV (UTF-8) or XLSX only, within a size limit."""

from __future__ import annotations

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
    head = text.lstrip()[:200].lower()
    if head.startswith(("<", "---", "%yaml", "{", "[")):
        raise UploadRefused(
            f"“{name}” looks like HTML, YAML or JSON, not CSV; export the spreadsheet as CSV."
        )
    try:
        return CSV().create_dataset(text)
    except Exception:
        raise UploadRefused(f"“{name}” could not be read as CSV.") from None
