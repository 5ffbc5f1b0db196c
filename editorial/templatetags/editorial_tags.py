from __future__ import annotations

from collections.abc import Callable

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from import_export.results import RowResult

from editorial.imports import ImportOutcome, PreviewRow

register = template.Library()


@register.simple_tag
def import_preview(outcome: ImportOutcome, shown: int) -> SafeString:
    """What a previewed import will do: the totals of the whole file, then the rows that
    change a record (each changed cell old → new), the new rows, and the unchanged rows
    behind a disclosure; up to ``shown`` rows of each. Built in Python: a template loop over
    thousands of rows cost the preview more than the dry run itself."""
    totals = outcome.totals
    html = format_html(
        '<p class="import-totals">{} rows: <strong>{} new</strong>, <strong>{} changed</strong>, '
        "{} unchanged, 0 errors.</p>",
        f"{outcome.rows:,}",
        f"{totals[RowResult.IMPORT_TYPE_NEW]:,}",
        f"{totals[RowResult.IMPORT_TYPE_UPDATE]:,}",
        f"{totals[RowResult.IMPORT_TYPE_SKIP]:,}",
    )
    if not outcome.changes:
        html += mark_safe(
            '<p class="import-nothing">0 changes: every row of this file matches the archive. '
            "Importing it would write nothing.</p>"
        )
    if outcome.changed:
        html += format_html(
            '<h3 id="import-changed">Rows that change a record ({})</h3>{}{}',
            f"{totals[RowResult.IMPORT_TYPE_UPDATE]:,}",
            more(totals[RowResult.IMPORT_TYPE_UPDATE], shown),
            table("import-changed-rows", "Changes (before → after)", outcome.changed, changes),
        )
    if outcome.new:
        html += format_html(
            '<h3 id="import-new">New rows ({})</h3>{}{}',
            f"{totals[RowResult.IMPORT_TYPE_NEW]:,}",
            more(totals[RowResult.IMPORT_TYPE_NEW], shown),
            table("import-new-rows", None, outcome.new, None),
        )
    if outcome.unchanged:
        html += format_html(
            '<details class="import-unchanged"><summary>Unchanged rows ({})</summary>{}{}'
            "</details>",
            f"{totals[RowResult.IMPORT_TYPE_SKIP]:,}",
            more(totals[RowResult.IMPORT_TYPE_SKIP], shown),
            table("import-unchanged-rows", None, outcome.unchanged, None),
        )
    return html


def more(total: int, shown: int) -> SafeString:
    if total <= shown:
        return mark_safe("")
    return format_html('<p class="help">The first {} of them are listed.</p>', f"{shown:,}")


def table(
    css: str,
    extra: str | None,
    rows: list[PreviewRow],
    cells: Callable[[PreviewRow], SafeString] | None,
) -> SafeString:
    head = format_html('<th scope="col">{}</th>', extra) if extra else mark_safe("")
    body = format_html_join(
        "\n",
        "<tr><td>{}</td><td>{}</td>{}</tr>",
        ((row.number, row.record, cells(row) if cells else mark_safe("")) for row in rows),
    )
    return format_html(
        '<table class="import-preview {}"><thead><tr><th scope="col">Row</th>'
        '<th scope="col">Record</th>{}</tr></thead><tbody>{}</tbody></table>',
        css,
        head,
        body,
    )


def changes(row: PreviewRow) -> SafeString:
    return format_html(
        '<td><ul class="import-change-list">{}</ul></td>',
        format_html_join(
            "",
            "<li><code>{}</code>: <del>{}</del> → <ins>{}</ins></li>",
            ((column, old or "(blank)", new or "(blank)") for column, old, new in row.changes),
        ),
    )
