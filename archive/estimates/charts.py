"""The charts of an incident's figures: their ranges on one axis, and the figures by year."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.translation import gettext, pgettext

from archive.estimates.figures import INFINITY, Figure, bounds, kept, number
from archive.models import ClaimantPosition

# -- Pictures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartRow:
    label: str
    title: str
    y: float
    x1: float
    x2: float
    point: bool
    open_right: bool
    rejected: bool

    @property
    def width(self) -> float:
        return max(round(self.x2 - self.x1, 1), 3.0)


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    rows: list[ChartRow]
    ticks: list[tuple[float, str]]
    log: bool
    description: str
    scope: str = ""
    key: str = ""


CHART_WIDTH, LABEL_WIDTH, ROW_HEIGHT, PAD = 640, 190, 26, 16


def _short(text: str, limit: int = 27) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _labels(group: list[Figure]) -> list[str]:
    """What tells the rows apart: the claimant and year, or, when those repeat, the figure
    as written."""
    labels = [f"{e.claimant}, {e.claim_year}" if e.claim_year else e.claimant for e in group]
    if len(set(labels)) < len(labels):
        labels = [e.as_written for e in group]
    return [_short(label) for label in labels]


class Axis:
    """A shared axis for figures, logarithmic when they span more than a factor of 20."""

    def __init__(self, values: list[float], x0: float, length: float) -> None:
        low, high = min(values), max(values)
        self.log = high / low > 20
        if self.log:
            self.start = 10 ** math.floor(math.log10(low))
            self.end = 10 ** math.ceil(math.log10(high))
        else:
            self.start, self.end = 0.0, high * 1.1
        self.x0, self.length = x0, length

    def __call__(self, value: float) -> float:
        value = min(max(value, self.start), self.end)
        if self.log:
            share = (math.log10(value) - math.log10(self.start)) / (
                math.log10(self.end) - math.log10(self.start)
            )
        else:
            share = (value - self.start) / (self.end - self.start)
        return round(self.x0 + share * self.length, 1)

    def values(self) -> list[float]:
        """Round values to mark on the axis: powers of ten, or about five even steps."""
        if self.log:
            values = [
                10.0**p
                for p in range(round(math.log10(self.start)), round(math.log10(self.end)) + 1)
            ]
        else:
            step = 10 ** math.floor(math.log10(self.end / 4 or 1))
            count = int(self.end // step)
            values = [step * n for n in range(0, count + 1, max(1, count // 5))]
        return [value for value in values if self.start <= value <= self.end]

    def ticks(self) -> list[tuple[float, str]]:
        return [(self(value), number(round(value))) for value in self.values()]


def _rejected() -> str:
    # Translators: after a figure the editors rejected, in a chart's text for screen readers.
    return " (" + pgettext("assessment", "rejected") + ")"


def range_chart(label: str, group: list[Figure]) -> Chart | None:
    """Figures that count the same thing as bars on a shared axis, for readers who would
    rather look than read."""
    spans = [(e, bounds(e)) for e in group]
    finite = [v for _, (lo, hi) in spans for v in (lo, hi) if v != INFINITY and v > 0]
    if len(group) < 2 or not finite:
        return None
    plot = CHART_WIDTH - LABEL_WIDTH - 4 * PAD  # room for the last tick's label
    axis = Axis(finite, LABEL_WIDTH + PAD, plot)
    rows = []
    for index, ((estimate, (lo, hi)), name) in enumerate(zip(spans, _labels(group), strict=True)):
        open_right = hi == INFINITY
        lo = max(lo, axis.start) if axis.log else lo
        rows.append(
            ChartRow(
                label=name,
                title=f"{estimate.claimant}: {estimate.as_written}",
                y=PAD + index * ROW_HEIGHT,
                x1=axis(lo),
                x2=axis(axis.end if open_right else hi),
                point=lo == hi and not open_right,
                open_right=open_right,
                rejected=not kept(estimate),
            )
        )
    scope = group[0].scope.strip()
    what = f"{label} ({scope})" if scope else label
    description = "; ".join(
        f"{e.claimant}: {e.as_written}" + ("" if kept(e) else _rejected()) for e in group
    )
    return Chart(
        width=CHART_WIDTH,
        height=PAD * 2 + len(rows) * ROW_HEIGHT + 18,
        rows=rows,
        ticks=axis.ticks(),
        log=axis.log,
        # Translators: a chart's text for screen readers: the measure, then each figure.
        description=gettext("%(what)s, as each source gives it: %(figures)s.")
        % {"what": what.capitalize(), "figures": description},
        scope=scope,
        key=group[0].ref,
    )


# Markers by who gives the figure: a shape for each (colour only repeats what the shape says).
MARKERS = {
    "perpetrator_state": "circle",
    "victim_side": "square",
    "independent_scholarship": "diamond",
    "court": "triangle",
}


YEAR_WIDTH, YEAR_HEIGHT, YEAR_LEFT, YEAR_RIGHT, YEAR_TOP, YEAR_BOTTOM = 640, 280, 78, 24, 16, 34


@dataclass(frozen=True)
class YearPoint:
    estimate: Figure
    x: float
    y_low: float  # the bar's bottom (larger y: lower on the page)
    y_high: float
    y_marks: list[float]  # the best or single figure; else both ends of the range
    marker: str
    open_top: bool
    rejected: bool

    @property
    def bar_height(self) -> float:
        return round(self.y_low - self.y_high, 1)


@dataclass(frozen=True)
class YearChart:
    width: int
    height: int
    points: list[YearPoint]
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    log: bool
    description: str
    markers: list[tuple[str, str]]  # (marker, position label) shown in the legend
    scope: str = ""
    key: str = ""

    @property
    def plot_bottom(self) -> int:
        return self.height - YEAR_BOTTOM

    @property
    def plot_right(self) -> int:
        return self.width - YEAR_RIGHT


def year_chart(label: str, group: list[Figure]) -> YearChart | None:
    """Figures that count the same thing, drawn by the year their claimant published them:
    how the figure moved over time and who moved it. Drawn when two or more carry a year."""
    year_of = {e.ref: e.claim_year for e in group if e.claim_year}
    dated = sorted((e for e in group if e.ref in year_of), key=lambda e: (year_of[e.ref], e.ref))
    if len(dated) < 2:
        return None
    spans = {e.ref: bounds(e) for e in dated}
    finite = [v for lo, hi in spans.values() for v in (lo, hi) if v != INFINITY and v > 0]
    if not finite:
        return None
    plot_height = YEAR_HEIGHT - YEAR_TOP - YEAR_BOTTOM
    axis = Axis(finite, 0, plot_height)

    def y(value: float) -> float:
        return round(YEAR_TOP + plot_height - axis(value), 1)

    first, last = year_of[dated[0].ref], year_of[dated[-1].ref]
    span = max(last - first, 1)
    start, end = first - span * 0.08 - 0.5, last + span * 0.08 + 0.5
    plot_width = YEAR_WIDTH - YEAR_LEFT - YEAR_RIGHT

    def x(year: float) -> float:
        return round(YEAR_LEFT + (year - start) / (end - start) * plot_width, 1)

    same_year: dict[int, int] = {}
    points = []
    for estimate in dated:
        lo, hi = spans[estimate.ref]
        year = year_of[estimate.ref]
        nth = same_year.get(year, 0)
        same_year[year] = nth + 1
        shift = (nth - (sum(1 for e in dated if year_of[e.ref] == year) - 1) / 2) * 12
        open_top = hi == INFINITY
        if estimate.best is not None:
            marks = [float(estimate.best)]
        else:
            marks = [lo] if open_top or lo == hi else [lo, hi]
        points.append(
            YearPoint(
                estimate=estimate,
                x=round(x(year) + shift, 1),
                y_low=y(max(lo, axis.start) if axis.log else lo),
                y_high=y(axis.end) if open_top else y(hi),
                y_marks=[y(max(mark, axis.start) if axis.log else mark) for mark in marks],
                marker=MARKERS.get(estimate.claimant_position, "ring"),
                open_top=open_top,
                rejected=not kept(estimate),
            )
        )
    years = sorted(set(year_of.values()))
    step = max(1, round(len(years) / 6))
    x_ticks = [(x(year), str(year)) for year in years[::step]]
    y_ticks = [(y(value), number(round(value))) for value in axis.values()]
    labels = dict(ClaimantPosition.choices)
    not_stated = str(ClaimantPosition.UNKNOWN.label)
    shown = {point.marker for point in points}
    legend = [
        (marker, str(labels[position])) for position, marker in MARKERS.items() if marker in shown
    ]
    if "ring" in shown:
        legend.append(("ring", gettext("another claimant, or not stated")))
    scope = group[0].scope.strip()
    what = f"{label} ({scope})" if scope else label
    description = "; ".join(
        f"{e.claim_year}, {e.claimant} ({labels.get(e.claimant_position, not_stated)}): "
        f"{e.as_written}" + ("" if kept(e) else _rejected())
        for e in dated
    )
    return YearChart(
        width=YEAR_WIDTH,
        height=YEAR_HEIGHT,
        points=points,
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        log=axis.log,
        # Translators: a chart's text for screen readers: the measure, then each figure.
        description=gettext("%(what)s, by the year each figure was published: %(figures)s.")
        % {"what": what.capitalize(), "figures": description},
        markers=legend,
        scope=scope,
        key=f"years-{group[0].ref}",
    )
