"""An incident's figures summarised by measure for its page: rows, parts and shares in order."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext

from archive.estimates.charts import Chart, YearChart, range_chart, year_chart
from archive.estimates.figures import Figure, is_count, is_share, is_whole, kept, scope_key
from archive.estimates.headlines import (
    Conflict,
    HeadlineFigure,
    conflicts,
    derived_text,
    figure_text,
    headlines,
    share_text,
)
from archive.models import Measure, Per

# -- The incident page ---------------------------------------------------------------------


@dataclass
class Row:
    """One line of a measure's table: a figure, indented under the figure it breaks down."""

    estimate: Figure
    depth: int = 0
    counts: str = ""  # what the figure counts, in words
    derived: str = ""  # a share's count, as arithmetic


@dataclass
class MeasureSummary:
    key: str
    label: str
    estimates: list[Figure] = field(default_factory=list)
    headline: HeadlineFigure | None = None
    sources: int = 0  # distinct publications behind the headline
    rejected: int = 0
    rows: list[Row] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    year_charts: list[YearChart] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)


def publications(estimates: Iterable[Figure]) -> int:
    """How many distinct publications give these figures (a claimant without a source record
    counts as one)."""
    return len({e.source_id or f"claimant:{e.claimant}" for e in estimates})


def _rows(own: list[Figure], by_ref: dict[str, Figure]) -> list[Row]:
    children: dict[str, list[Figure]] = {}
    roots = []
    for estimate in own:
        if estimate.part_of in by_ref and by_ref[estimate.part_of] in own:
            children.setdefault(estimate.part_of, []).append(estimate)
        else:
            roots.append(estimate)
    order = {"whole": 0, "scoped": 1, "share": 2, "rate": 3, "part": 4}

    def kind(e: Figure) -> str:
        if is_share(e):
            return "share"
        if e.per:
            return "rate"
        if e.part_of:
            return "part"
        return "whole" if is_whole(e) else "scoped"

    rows: list[Row] = []

    def visit(estimate: Figure, depth: int, trail: frozenset[str]) -> None:
        whole = by_ref.get(estimate.part_of or estimate.share_of)
        if is_share(estimate):
            counts = share_text(estimate, whole)
            derived = derived_text(estimate, whole) if whole is not None else ""
        elif estimate.part_of and whole is not None:
            # Translators: a figure for part of the victims of another figure: "girls, part
            # of 360".
            counts = gettext("%(part)s, part of %(figure)s") % {
                "part": estimate.scope.strip(),
                "figure": figure_text(whole),
            }
            derived = ""
        else:
            # Translators: what a figure counts when it is not limited to a part of them.
            counts = estimate.scope.strip() or gettext("all victims")
            derived = ""
        if estimate.per:
            # Translators: what a rate counts: "girls, a rate per day".
            counts = gettext("%(counts)s, a rate per %(period)s") % {
                "counts": counts,
                "period": Per(estimate.per).label,
            }
        rows.append(Row(estimate, depth, counts, derived))
        for child in children.get(estimate.ref, []):
            if child.ref not in trail:
                visit(child, depth + 1, trail | {child.ref})

    for root in sorted(roots, key=lambda e: order[kind(e)]):
        visit(root, 0, frozenset({root.ref}))
    return rows


def summarise(estimates: Sequence[Figure]) -> list[MeasureSummary]:
    """Estimates grouped by measure, in the vocabulary's order, each with its headline, its
    table (parts under their whole) and a chart per group of figures that count the same
    thing."""
    by_ref = {e.ref: e for e in estimates}
    found = conflicts(estimates)
    tops = {h.measure: h for h in headlines(estimates)}
    summaries = []
    for measure in Measure:
        own = [e for e in estimates if e.measure == measure.value]
        if not own:
            continue
        wholes = [e for e in own if is_whole(e) and kept(e)]
        summary = MeasureSummary(
            measure.value,
            str(measure.label),
            own,
            headline=tops.get(measure.value),
            sources=publications(wholes or [e for e in own if kept(e)]),
            rejected=sum(1 for e in own if not kept(e)),
            rows=_rows(own, by_ref),
            conflicts=[c for c in found if c.measure == measure.value],
        )
        groups: dict[str, list[Figure]] = {}
        for estimate in own:
            if is_count(estimate):
                groups.setdefault(scope_key(estimate), []).append(estimate)
        summary.charts = [
            chart
            for group in groups.values()
            if (chart := range_chart(summary.label, group)) is not None
        ]
        summary.year_charts = [
            by_year
            for group in groups.values()
            if (by_year := year_chart(summary.label, group)) is not None
        ]
        summaries.append(summary)
    return summaries
