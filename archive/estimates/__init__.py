"""What each figure counts, and what follows from it for readers.

A figure counts all the victims of its measure unless it has a scope (a group, a period, a
place). It may break another figure of the same incident down (``part_of``), be a percentage
of one (``share_of``), or be a rate (``per``). From that:

- two figures disagree only when they count the same thing (``conflicts``);
- an incident's headline per measure spans its whole counts and keeps their open bounds
  (``headlines``), and lists the parts when there is no whole, never inventing a total;
- totals across incidents add headlines only (``Headline`` rows, ``archive.totals``);
- a share's count is arithmetic, labelled as derived (``derived_count``).

Everything here is pure: it reads estimates already loaded and runs no query.

The package holds it by subject (figures, headlines, summary, charts); every name is importable
from ``archive.estimates``.
"""

from __future__ import annotations

from archive.estimates.charts import (
    CHART_WIDTH,
    LABEL_WIDTH,
    MARKERS,
    PAD,
    ROW_HEIGHT,
    YEAR_BOTTOM,
    YEAR_HEIGHT,
    YEAR_LEFT,
    YEAR_RIGHT,
    YEAR_TOP,
    YEAR_WIDTH,
    Axis,
    Chart,
    ChartRow,
    YearChart,
    YearPoint,
    range_chart,
    year_chart,
)
from archive.estimates.figures import (
    INFINITY,
    OPEN_ABOVE,
    OPEN_BELOW,
    Figure,
    bounds,
    is_count,
    is_share,
    is_whole,
    kept,
    measure_label,
    number,
    scope_key,
)
from archive.estimates.headlines import (
    Conflict,
    HeadlineFigure,
    conflicts,
    derived_count,
    derived_text,
    disagree,
    figure_text,
    headlines,
    percent_text,
    relation_errors,
    share_text,
)
from archive.estimates.summary import (
    MeasureSummary,
    Row,
    publications,
    summarise,
)

__all__ = [
    "CHART_WIDTH",
    "INFINITY",
    "LABEL_WIDTH",
    "MARKERS",
    "OPEN_ABOVE",
    "OPEN_BELOW",
    "PAD",
    "ROW_HEIGHT",
    "YEAR_BOTTOM",
    "YEAR_HEIGHT",
    "YEAR_LEFT",
    "YEAR_RIGHT",
    "YEAR_TOP",
    "YEAR_WIDTH",
    "Axis",
    "Chart",
    "ChartRow",
    "Conflict",
    "Figure",
    "HeadlineFigure",
    "MeasureSummary",
    "Row",
    "YearChart",
    "YearPoint",
    "bounds",
    "conflicts",
    "derived_count",
    "derived_text",
    "disagree",
    "figure_text",
    "headlines",
    "is_count",
    "is_share",
    "is_whole",
    "kept",
    "measure_label",
    "number",
    "percent_text",
    "publications",
    "range_chart",
    "relation_errors",
    "scope_key",
    "share_text",
    "summarise",
    "year_chart",
]
