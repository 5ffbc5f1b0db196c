"""Cells that are safe to open in a spreadsheet, and undone again on import.

A cell that starts with = + - @, a tab or a carriage return could run as a formula; it is
written with a leading apostrophe. A cell that already starts with an apostrophe gets one
more, so reading strips exactly one and every value round-trips unchanged.
"""

from __future__ import annotations

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"


def neutralise(value: str) -> str:
    if value and (value.startswith(FORMULA_TRIGGERS) or value.startswith(ESCAPE)):
        return ESCAPE + value
    return value


def restore(value: str) -> str:
    return value[1:] if value.startswith(ESCAPE) else value


def safe_cell(value: object) -> str | int:
    """A CSV cell: numbers as they are, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return value
    return neutralise(str(value))
