from __future__ import annotations

import re

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from import_export.results import RowResult

from editorial.imports import ImportOutcome

register = template.Library()
# How diff-match-patch marks a change; the value's own text has its "<" escaped.
STYLED_CHANGE = re.compile(r'<(ins|del) style="background:#[0-9a-f]{6};">')

ACTIONS = {
    RowResult.IMPORT_TYPE_NEW: "New",
    RowResult.IMPORT_TYPE_UPDATE: "Update",
    RowResult.IMPORT_TYPE_SKIP: "Unchanged",
    RowResult.IMPORT_TYPE_DELETE: "Delete",
}


@register.simple_tag
def import_preview(outcome: ImportOutcome, shown: int) -> SafeString:
    """What a previewed import will do: the totals of the whole file, then each of its first
    ``shown`` rows with its action and the record it writes, or the changes to its fields
    where the resource compares them. Built in Python: a template loop over thousands of
    rows cost the preview more than the dry run itself."""
    totals = outcome.totals
    summary = format_html(
        '<p class="import-totals">{} rows: <strong>{} new</strong>, <strong>{} updated</strong>, '
        "{} unchanged.</p>",
        f"{outcome.rows:,}",
        f"{totals[RowResult.IMPORT_TYPE_NEW]:,}",
        f"{totals[RowResult.IMPORT_TYPE_UPDATE]:,}",
        f"{totals[RowResult.IMPORT_TYPE_SKIP]:,}",
    )
    if outcome.rows > len(outcome.first_rows):
        summary += format_html("<p>The first {} rows are listed below.</p>", f"{shown:,}")
    rows = outcome.first_rows
    if rows and rows[0].diff:
        head = format_html_join("", '<th scope="col">{}</th>', ((h,) for h in outcome.diff_headers))
        body = format_html_join(
            "\n",
            '<tr class="{}"><td>{}</td><td class="import-type">{}</td>{}</tr>',
            (
                (
                    row.import_type,
                    number,
                    ACTIONS.get(row.import_type, row.import_type),
                    format_html_join("", "<td>{}</td>", ((unstyled(f),) for f in row.diff or [])),
                )
                for number, row in enumerate(rows, start=2)  # the header is row 1
            ),
        )
    else:
        head = mark_safe('<th scope="col">Record</th>')
        body = format_html_join(
            "\n",
            '<tr class="{}"><td>{}</td><td class="import-type">{}</td><td>{}</td></tr>',
            (
                (
                    row.import_type,
                    number,
                    ACTIONS.get(row.import_type, row.import_type),
                    row.object_repr,
                )
                for number, row in enumerate(rows, start=2)
            ),
        )
    return format_html(
        '{}<table class="import-preview"><thead><tr><th scope="col">Row</th>'
        '<th scope="col">Action</th>{}</tr></thead><tbody>{}</tbody></table>',
        summary,
        head,
        body,
    )


def unstyled(html: str) -> SafeString:
    """The library's diff of a value without its inline styles, which the Content Security
    Policy refuses (``admin.css`` marks insertions and deletions instead)."""
    return mark_safe(STYLED_CHANGE.sub(r"<\1>", str(html)))
