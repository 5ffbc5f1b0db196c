from __future__ import annotations

from collections.abc import Callable

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext
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
        '<p class="import-totals">{}</p>',
        format_html(
            ngettext(
                # Translators: the English keeps "rows" for one row too; use your language's
                # plural forms. "changed" rows change a record that exists; "new" rows add one.
                "{rows} rows: <strong>{new} new</strong>, <strong>{changed} changed</strong>, "
                "{unchanged} unchanged, 0 errors.",
                "{rows} rows: <strong>{new} new</strong>, <strong>{changed} changed</strong>, "
                "{unchanged} unchanged, 0 errors.",
                outcome.rows,
            ),
            rows=f"{outcome.rows:,}",
            new=f"{totals[RowResult.IMPORT_TYPE_NEW]:,}",
            changed=f"{totals[RowResult.IMPORT_TYPE_UPDATE]:,}",
            unchanged=f"{totals[RowResult.IMPORT_TYPE_SKIP]:,}",
        ),
    )
    if not outcome.changes:
        html += format_html(
            '<p class="import-nothing">{}</p>',
            gettext(
                "0 changes: every row of this file matches the archive. Importing it would "
                "write nothing."
            ),
        )
    if outcome.changed:
        html += format_html(
            '<h3 id="import-changed">{}</h3>{}{}',
            gettext("Rows that change a record ({count})").format(
                count=f"{totals[RowResult.IMPORT_TYPE_UPDATE]:,}"
            ),
            more(totals[RowResult.IMPORT_TYPE_UPDATE], shown),
            table(
                "import-changed-rows", gettext("Changes (before → after)"), outcome.changed, changes
            ),
        )
    if outcome.new:
        html += format_html(
            '<h3 id="import-new">{}</h3>{}{}',
            gettext("New rows ({count})").format(count=f"{totals[RowResult.IMPORT_TYPE_NEW]:,}"),
            more(totals[RowResult.IMPORT_TYPE_NEW], shown),
            table("import-new-rows", None, outcome.new, None),
        )
    if outcome.unchanged:
        html += format_html(
            '<details class="import-unchanged"><summary>{}</summary>{}{}</details>',
            gettext("Unchanged rows ({count})").format(
                count=f"{totals[RowResult.IMPORT_TYPE_SKIP]:,}"
            ),
            more(totals[RowResult.IMPORT_TYPE_SKIP], shown),
            table("import-unchanged-rows", None, outcome.unchanged, None),
        )
    return html


def more(total: int, shown: int) -> SafeString:
    if total <= shown:
        return mark_safe("")
    return format_html(
        '<p class="help">{}</p>',
        ngettext(
            "The first {count} of them are listed.", "The first {count} of them are listed.", shown
        ).format(count=f"{shown:,}"),
    )


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
        '<table class="import-preview {}"><thead><tr><th scope="col">{}</th>'
        '<th scope="col">{}</th>{}</tr></thead><tbody>{}</tbody></table>',
        css,
        gettext("Row"),
        gettext("Record"),
        head,
        body,
    )


def changes(row: PreviewRow) -> SafeString:
    return format_html(
        '<td><ul class="import-change-list">{}</ul></td>',
        format_html_join(
            "",
            "<li><code>{}</code>: <del>{}</del> → <ins>{}</ins></li>",
            (
                (column, old or gettext("(blank)"), new or gettext("(blank)"))
                for column, old, new in row.changes
            ),
        ),
    )
