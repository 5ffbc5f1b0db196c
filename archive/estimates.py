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
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from archive.models import Assessment, ClaimantPosition, Measure, Per, Qualifier

INFINITY = float("inf")
OPEN_ABOVE = (Qualifier.OVER, Qualifier.AT_LEAST)
OPEN_BELOW = (Qualifier.UP_TO, Qualifier.AT_MOST, Qualifier.ALMOST)


class Figure(Protocol):
    """What these functions read of an estimate (a model instance or an imported row)."""

    ref: str
    measure: str
    low: int | None
    best: int | None
    high: int | None
    qualifier: str
    as_written: str
    claimant: str
    claimant_position: str
    claim_year: int | None
    assessment: str
    scope: str
    part_of: str
    share_low: Decimal | None
    share_high: Decimal | None
    share_of: str
    per: str
    source_id: int | None


def is_share(estimate: Figure) -> bool:
    return bool(estimate.share_of) or (
        estimate.share_low is not None or estimate.share_high is not None
    )


def is_count(estimate: Figure) -> bool:
    """A number of people, on its own: neither a part, a share nor a rate."""
    return not (estimate.part_of or estimate.per or is_share(estimate))


def is_whole(estimate: Figure) -> bool:
    """A count of all the victims of its measure: what a headline and a total are made of."""
    return is_count(estimate) and not estimate.scope.strip()


def kept(estimate: Figure) -> bool:
    return estimate.assessment != Assessment.REJECTED


def scope_key(estimate: Figure) -> str:
    return " ".join(estimate.scope.split()).casefold()


def bounds(estimate: Figure) -> tuple[float, float]:
    """The interval a count allows: "over 20,000" has no top, "up to 2 million" no bottom."""
    figures = [v for v in (estimate.low, estimate.best, estimate.high) if v is not None]
    lower, upper = float(min(figures)), float(max(figures))
    if estimate.qualifier in OPEN_ABOVE and estimate.high is None:
        upper = INFINITY
    if estimate.qualifier in OPEN_BELOW and estimate.low is None:
        lower = 0.0
    return lower, upper


def number(value: float | int) -> str:
    return f"{int(value):,}"


def measure_label(measure: str) -> str:
    return str(Measure(measure).label) if measure in Measure.values else measure


# -- Conflict ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Conflict:
    """Two figures that count the same thing and cannot both be true."""

    measure: str
    scope: str
    higher: Figure  # the figure whose bottom is above ...
    lower: Figure  # ... this figure's top

    @property
    def reason(self) -> str:
        what = measure_label(self.measure) + (f" ({self.scope})" if self.scope else "")
        return (
            f"{what}: “{self.higher.as_written}” ({self.higher.claimant}) is more than "
            f"“{self.lower.as_written}” ({self.lower.claimant}) allows"
        )


def conflicts(estimates: Iterable[Figure]) -> list[Conflict]:
    """Per measure and scope, the counts not rejected whose ranges cannot all be true.

    Parts, shares and rates never conflict with anything: they count something else.
    """
    groups: dict[tuple[str, str], list[Figure]] = {}
    for estimate in estimates:
        if is_count(estimate) and kept(estimate):
            groups.setdefault((estimate.measure, scope_key(estimate)), []).append(estimate)
    found = []
    for (measure, _), group in groups.items():
        if len(group) < 2:
            continue
        higher = max(group, key=lambda e: bounds(e)[0])
        lower = min(group, key=lambda e: bounds(e)[1])
        if bounds(higher)[0] > bounds(lower)[1]:
            found.append(Conflict(measure, group[0].scope.strip(), higher, lower))
    return found


def disagree(estimates: Iterable[Figure]) -> bool:
    """True when two figures count the same thing and cannot both be right."""
    return bool(conflicts(estimates))


# -- Headlines -----------------------------------------------------------------------------


@dataclass(frozen=True)
class HeadlineFigure:
    """What one measure of an incident comes to, as the page words it."""

    measure: str
    low: int | None
    high: int | None
    low_open: bool  # no bottom: "up to 2,000,000"
    high_open: bool  # no top: "over 20,000"
    text: str

    @property
    def has_figure(self) -> bool:
        return self.low is not None or self.high is not None


def _qualifier_word(estimates: Sequence[Figure]) -> str:
    qualifiers = {e.qualifier for e in estimates}
    if len(qualifiers) == 1 and (qualifier := qualifiers.pop()) != Qualifier.EXACT:
        return str(Qualifier(qualifier).label) + " "
    return ""


def _span_text(estimates: Sequence[Figure]) -> tuple[int | None, int | None, str]:
    spans = [bounds(e) for e in estimates]
    lower, upper = min(lo for lo, _ in spans), max(hi for _, hi in spans)
    if upper == INFINITY:
        at_bottom = [e for e in estimates if bounds(e)[0] == lower]
        word = "over" if all(e.qualifier == Qualifier.OVER for e in at_bottom) else "at least"
        return int(lower), None, f"{word} {number(lower)}"
    if lower == 0 and any(e.qualifier in OPEN_BELOW and e.low is None for e in estimates):
        at_top = {e.qualifier for e in estimates if bounds(e)[1] == upper}
        word = str(Qualifier(at_top.pop()).label) if len(at_top) == 1 else "up to"
        word = "up to" if word == str(Qualifier.EXACT.label) else word
        return None, int(upper), f"{word} {number(upper)}"
    if lower == upper:
        return int(lower), int(upper), _qualifier_word(estimates) + number(lower)
    about = "about " if all(e.qualifier == Qualifier.ABOUT for e in estimates) else ""
    return int(lower), int(upper), f"{about}{number(lower)} – {number(upper)}"


def _hedge(estimates: Sequence[Figure]) -> str:
    """The doubt the table shows beside a figure, carried into the headline."""
    contested = sum(1 for e in estimates if e.assessment == Assessment.CONTESTED)
    if not contested:
        return ""
    if contested == len(estimates):
        return " (contested)"
    return f" ({contested} of {len(estimates)} figures contested)"


def figure_text(estimate: Figure) -> str:
    """One count in words: "over 5,000", "9,254 – 10,861", "about 120"."""
    return _span_text([estimate])[2]


def _scoped(estimate: Figure) -> str:
    scope = estimate.scope.strip()
    text = figure_text(estimate)
    if scope:  # "406 Wehrmacht soldiers", "60,000 in Polish camps", "1,803,392 (1930–1931)"
        text += f" ({scope})" if scope[0].isdigit() else f" {scope}"
    if estimate.per:
        text += f" a {Per(estimate.per).label}"
    return text


def share_text(share: Figure, whole: Figure | None) -> str:
    """A share as the page words it: "at least 33.33 % of 320,000 captured"."""
    low, high = share.share_low, share.share_high
    if low is not None and high is not None and low != high:
        percent = f"{percent_text(low)} – {percent_text(high)} %"
    else:
        percent = _qualifier_word([share]) + f"{percent_text(low if low is not None else high)} %"
    scope = share.scope.strip()
    who = f"{scope}: " if scope else ""
    if whole is None:
        return f"{who}{percent} of figure “{share.share_of}”"
    return f"{who}{percent} of {figure_text(whole)} {measure_label(whole.measure)}"


def percent_text(value: Decimal | None) -> str:
    """33.33 stays 33.33; 58.00 is 58."""
    if value is None:
        return "–"
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def headlines(estimates: Iterable[Figure]) -> list[HeadlineFigure]:
    """Per measure, in the vocabulary's order: the span of the whole counts not rejected, with
    their open bounds; where there is none, what the figures are (a list by group, a share, a
    rate), never an invented total."""
    estimates = [e for e in estimates if kept(e)]
    by_ref = {e.ref: e for e in estimates}
    result = []
    for measure in Measure.values:
        own = [e for e in estimates if e.measure == measure]
        if not own:
            continue
        label = measure_label(measure)
        wholes = [e for e in own if is_whole(e)]
        if wholes:
            low, high, text = _span_text(wholes)
            text = f"{text} {label}{_hedge(wholes)}"
            result.append(HeadlineFigure(measure, low, high, low is None, high is None, text))
            continue
        words = [_scoped(e) for e in own if is_count(e) or e.per]
        words += [share_text(e, by_ref.get(e.share_of)) for e in own if is_share(e)]
        if words:  # parts alone, of a whole that was rejected, say nothing on their own
            text = f"{label}: no overall figure; given separately: " + "; ".join(words)
            result.append(HeadlineFigure(measure, None, None, False, False, text))
    return result


def derived_count(share: Figure, whole: Figure) -> tuple[int, int | None]:
    """The count a share implies: (low, high), high None when open. Arithmetic, not a
    source's figure: the page labels it as derived."""
    lower, upper = bounds(whole)
    share_low = share.share_low if share.share_low is not None else Decimal(0)
    if share.share_high is not None:
        share_high = share.share_high
    elif share.qualifier in OPEN_ABOVE:
        share_high = Decimal(100)  # "at least one third": up to all of them
    else:
        share_high = share_low
    low = math.floor(lower * float(share_low) / 100)
    high = None if upper == INFINITY else math.ceil(upper * float(share_high) / 100)
    return low, high


def derived_text(share: Figure, whole: Figure) -> str:
    """The derived count in words, keeping the whole's and the share's hedges: "about 1,400",
    "almost 870,000", "at least 3,000", "106,656 – 320,000"."""
    low, high = derived_count(share, whole)
    about = "about " if Qualifier.ABOUT in (share.qualifier, whole.qualifier) else ""
    if high is None:
        return f"at least {about}{number(low)}"
    if low == 0 and whole.qualifier in OPEN_BELOW and whole.low is None:
        return f"{Qualifier(whole.qualifier).label} {about}{number(high)}"
    if low == high:
        return f"{about}{number(low)}"
    return f"{about}{number(low)} – {number(high)}"


# -- Relations, checked across the figures of one version -----------------------------------


def relation_errors(estimates: Iterable[Figure]) -> dict[str, dict[str, str]]:
    """What is wrong with the parts and shares of one version's figures, per ref and field.

    The database checks each row on its own; what needs the other figures is checked here,
    by the admin, the import and the workflow alike."""
    estimates = list(estimates)
    by_ref = {e.ref: e for e in estimates}
    errors: dict[str, dict[str, str]] = {}
    for estimate in estimates:
        mine = errors.setdefault(estimate.ref, {})
        if estimate.part_of:
            whole = by_ref.get(estimate.part_of)
            if whole is None:
                mine["part_of"] = (
                    f"“{estimate.part_of}” is not a figure of this incident: a part breaks down "
                    "a figure of the same incident (give the ref of that figure)."
                )
            elif not is_count(whole) and not whole.part_of:
                mine["part_of"] = (
                    f"“{whole.ref}” is a share or a rate: a part breaks down a count of people."
                )
            elif whole.measure != estimate.measure:
                mine["part_of"] = (
                    f"“{whole.ref}” counts people {measure_label(whole.measure)}, this figure "
                    f"people {measure_label(estimate.measure)}: a part has its whole's measure."
                )
            elif bounds(estimate)[0] > bounds(whole)[1]:
                mine["part_of"] = (
                    f"This part ({estimate.as_written}) is more than its whole "
                    f"“{whole.ref}” ({whole.as_written}) allows."
                )
            if not estimate.scope.strip():
                mine["scope"] = "Say which part of the whole this figure counts, e.g. “girls”."
        if estimate.share_of:
            whole = by_ref.get(estimate.share_of)
            if whole is None:
                mine["share_of"] = (
                    f"“{estimate.share_of}” is not a figure of this incident: a share is taken "
                    "of a figure of the same incident (give the ref of that figure)."
                )
            elif is_share(whole) or whole.per:
                mine["share_of"] = (
                    f"“{whole.ref}” is itself a share or a rate: a share is taken of a count."
                )
        if estimate.per and estimate.part_of:
            mine["per"] = "A rate cannot be a part of a count: clear “part of” or “per”."
    for estimate in estimates:
        seen = [estimate.ref]
        current = estimate
        while current.part_of and current.part_of in by_ref:
            current = by_ref[current.part_of]
            if current.ref in seen:
                chain = " → ".join([*seen, current.ref])
                errors[estimate.ref]["part_of"] = (
                    f"These figures are parts of one another in a circle ({chain}): one of "
                    "them must be the whole."
                )
                break
            seen.append(current.ref)
    return {ref: fields for ref, fields in errors.items() if fields}


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
            counts = f"{estimate.scope.strip()}, part of {figure_text(whole)}"
            derived = ""
        else:
            counts = estimate.scope.strip() or "all victims"
            derived = ""
        if estimate.per:
            counts = f"{counts}, a rate per {Per(estimate.per).label}"
        rows.append(Row(estimate, depth, counts, derived))
        for child in children.get(estimate.ref, []):
            if child.ref not in trail:
                visit(child, depth + 1, trail | {child.ref})

    for root in sorted(roots, key=lambda e: order[kind(e)]):
        visit(root, 0, frozenset({root.ref}))
    return rows


def summarise(estimates: list[Figure]) -> list[MeasureSummary]:
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
            chart
            for group in groups.values()
            if (chart := year_chart(summary.label, group)) is not None
        ]
        summaries.append(summary)
    return summaries


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
        return [(self(value), f"{value:,.0f}") for value in self.values()]


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
        f"{e.claimant}: {e.as_written}" + ("" if kept(e) else " (rejected)") for e in group
    )
    return Chart(
        width=CHART_WIDTH,
        height=PAD * 2 + len(rows) * ROW_HEIGHT + 18,
        rows=rows,
        ticks=axis.ticks(),
        log=axis.log,
        description=f"{what.capitalize()}, as each source gives it: {description}.",
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
    dated = sorted((e for e in group if e.claim_year), key=lambda e: (e.claim_year, e.ref))
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

    first, last = dated[0].claim_year, dated[-1].claim_year
    span = max(last - first, 1)
    start, end = first - span * 0.08 - 0.5, last + span * 0.08 + 0.5
    plot_width = YEAR_WIDTH - YEAR_LEFT - YEAR_RIGHT

    def x(year: float) -> float:
        return round(YEAR_LEFT + (year - start) / (end - start) * plot_width, 1)

    same_year: dict[int, int] = {}
    points = []
    for estimate in dated:
        lo, hi = spans[estimate.ref]
        nth = same_year.get(estimate.claim_year, 0)
        same_year[estimate.claim_year] = nth + 1
        shift = (nth - (sum(1 for e in dated if e.claim_year == estimate.claim_year) - 1) / 2) * 12
        open_top = hi == INFINITY
        if estimate.best is not None:
            marks = [float(estimate.best)]
        else:
            marks = [lo] if open_top or lo == hi else [lo, hi]
        points.append(
            YearPoint(
                estimate=estimate,
                x=round(x(estimate.claim_year) + shift, 1),
                y_low=y(max(lo, axis.start) if axis.log else lo),
                y_high=y(axis.end) if open_top else y(hi),
                y_marks=[y(max(mark, axis.start) if axis.log else mark) for mark in marks],
                marker=MARKERS.get(estimate.claimant_position, "ring"),
                open_top=open_top,
                rejected=not kept(estimate),
            )
        )
    years = sorted({e.claim_year for e in dated})
    step = max(1, round(len(years) / 6))
    x_ticks = [(x(year), str(year)) for year in years[::step]]
    y_ticks = [(y(value), f"{value:,.0f}") for value in axis.values()]
    labels = dict(ClaimantPosition.choices)
    shown = {point.marker for point in points}
    legend = [
        (marker, str(labels[position])) for position, marker in MARKERS.items() if marker in shown
    ]
    if "ring" in shown:
        legend.append(("ring", "another claimant, or not stated"))
    scope = group[0].scope.strip()
    what = f"{label} ({scope})" if scope else label
    description = "; ".join(
        f"{e.claim_year}, {e.claimant} ({labels.get(e.claimant_position, 'not stated')}): "
        f"{e.as_written}" + ("" if kept(e) else " (rejected)")
        for e in dated
    )
    return YearChart(
        width=YEAR_WIDTH,
        height=YEAR_HEIGHT,
        points=points,
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        log=axis.log,
        description=f"{what.capitalize()}, by the year each figure was published: {description}.",
        markers=legend,
        scope=scope,
        key=f"years-{group[0].ref}",
    )
