"""How the synthetic archive's rows are written and worded (``bench.synthetic``): multi-row
INSERTs (COPY on PostgreSQL) for rows whose ids nobody needs, figures in a source's words and
rounding, and EDTF ranges computed directly."""

from __future__ import annotations

import datetime

from django.db import connection, models

from archive.dates import DateRange, parse_date_range


def date_range(edtf: str, earliest: datetime.date, latest: datetime.date) -> DateRange:
    """The range of a generated EDTF date, computed directly (the EDTF grammar is slow).

    The first few of each run are checked against ``parse_date_range``, which ``save()``
    uses, so the two cannot drift apart unnoticed; the test suite checks every one.
    """
    span = DateRange(earliest, latest)
    if len(_checked) < 40 and edtf not in _checked:
        _checked.add(edtf)
        parsed = parse_date_range(edtf)
        if parsed != span:
            raise AssertionError(f"{edtf}: computed {span}, EDTF says {parsed}")
    return span


_checked: set[str] = set()


def insert(model: type[models.Model], fields: list[str], rows: list[tuple]) -> None:
    """Multi-row INSERTs for rows whose ids nobody needs back: bulk_create spends several
    times the database's own time preparing each value, and these are most of the rows."""
    if not rows:
        return
    meta, quote = model._meta, connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in fields)
    table = quote(meta.db_table)
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for values in rows:
                copy.write_row(values)
        return
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    chunk = max(1, 20000 // len(fields))  # well inside every database's parameter limit
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608
                + ", ".join([row] * len(part)),
                [value for values in part for value in values],
            )


def words(number: int) -> str:
    """A figure as a source would print it: 1,200 or 1.2 million."""
    if number >= 1_000_000:
        millions = f"{number / 1_000_000:.1f}".rstrip("0").rstrip(".")
        return f"{millions} million"
    return f"{number:,}"


def round_figure(value: float) -> int:
    """Figures as sources give them: two significant digits above a hundred."""
    value = max(1, round(value))
    if value < 100:
        return value
    magnitude = 10 ** (len(str(value)) - 2)
    return round(value / magnitude) * magnitude
