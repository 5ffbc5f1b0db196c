from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from import_export.results import Result, RowResult

register = template.Library()

ACTIONS = {
    RowResult.IMPORT_TYPE_NEW: "New",
    RowResult.IMPORT_TYPE_UPDATE: "Update",
    RowResult.IMPORT_TYPE_SKIP: "Unchanged",
    RowResult.IMPORT_TYPE_DELETE: "Delete",
}


@register.simple_tag
def import_preview(result: Result):
    """What a previewed import will do: the totals, then each row of the file with its action
    and the record it writes. Built in Python: a template loop over thousands of rows cost
    the preview more than the dry run itself."""
    totals = result.totals
    summary = format_html(
        '<p class="import-totals">{} rows: <strong>{} new</strong>, <strong>{} updated</strong>, '
        "{} unchanged.</p>",
        f"{len(result.rows):,}",
        f"{totals[RowResult.IMPORT_TYPE_NEW]:,}",
        f"{totals[RowResult.IMPORT_TYPE_UPDATE]:,}",
        f"{totals[RowResult.IMPORT_TYPE_SKIP]:,}",
    )
    rows = format_html_join(
        "\n",
        '<tr class="{}"><td>{}</td><td class="import-type">{}</td><td>{}</td></tr>',
        (
            (
                row.import_type,
                number,
                ACTIONS.get(row.import_type, row.import_type),
                row.object_repr,
            )
            for number, row in enumerate(result.rows, start=2)  # the header is row 1
        ),
    )
    return format_html(
        '{}<table class="import-preview"><thead><tr><th scope="col">Row</th>'
        '<th scope="col">Action</th><th scope="col">Record</th></tr></thead>'
        "<tbody>{}</tbody></table>",
        summary,
        rows,
    )
