"""How estimates are summarised for readers: per measure, with the range the sources report."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from archive.models import Assessment, Estimate, Measure, Qualifier


@dataclass(frozen=True)
class ReportedRange:
    low: int
    high: int
    sources: int
    rejected: int


@dataclass
class MeasureSummary:
    key: str
    label: str
    estimates: list[Estimate] = field(default_factory=list)
    range: ReportedRange | None = None
    chart: Chart | None = None


def reported_range(estimates: list[Estimate]) -> ReportedRange | None:
    """The span of the figures of every estimate not rejected, and how many claimants give them."""
    kept = [e for e in estimates if e.assessment != Assessment.REJECTED]
    if not kept:
        return None
    lows = [min(v for v in (e.low, e.best, e.high) if v is not None) for e in kept]
    highs = [max(v for v in (e.low, e.best, e.high) if v is not None) for e in kept]
    claimants = {(e.claimant, e.source_id) for e in kept}
    return ReportedRange(min(lows), max(highs), len(claimants), len(estimates) - len(kept))


def summarise(estimates: list[Estimate]) -> list[MeasureSummary]:
    """Estimates grouped by measure, in the vocabulary's order."""
    groups = {measure.value: MeasureSummary(measure.value, measure.label) for measure in Measure}
    for estimate in estimates:
        groups[estimate.measure].estimates.append(estimate)
    summaries = [group for group in groups.values() if group.estimates]
    for summary in summaries:
        summary.range = reported_range(summary.estimates)
        summary.chart = range_chart(summary)
    return summaries


def bounds(estimate: Estimate) -> tuple[float, float]:
    """The interval an estimate allows: "over 20,000" has no top, "up to 2 million" no bottom."""
    figures = [v for v in (estimate.low, estimate.best, estimate.high) if v is not None]
    lower, upper = float(min(figures)), float(max(figures))
    if estimate.qualifier in (Qualifier.OVER, Qualifier.AT_LEAST) and estimate.high is None:
        upper = float("inf")
    if estimate.qualifier in (Qualifier.UP_TO, Qualifier.AT_MOST) and estimate.low is None:
        lower = 0.0
    return lower, upper


def disagree(estimates: list[Estimate]) -> bool:
    """True when, for some measure, the sources' figures cannot all be right at once."""
    by_measure: dict[str, list[tuple[float, float]]] = {}
    for estimate in estimates:
        if estimate.assessment != Assessment.REJECTED:
            by_measure.setdefault(estimate.measure, []).append(bounds(estimate))
    return any(
        max(lower for lower, _ in spans) > min(upper for _, upper in spans)
        for spans in by_measure.values()
        if len(spans) > 1
    )


@dataclass(frozen=True)
class ChartRow:
    label: str
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


CHART_WIDTH, LABEL_WIDTH, ROW_HEIGHT, PAD = 640, 190, 26, 16


def _short(text: str, limit: int = 27) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def range_chart(summary: MeasureSummary) -> Chart | None:
    """Every estimate of one measure as a bar on a shared axis (logarithmic when the figures
    span more than a factor of 20), for readers who would rather look than read."""

    spans = [(e, bounds(e)) for e in summary.estimates]
    finite = [v for _, (lo, hi) in spans for v in (lo, hi) if v != float("inf") and v > 0]
    if len(summary.estimates) < 2 or not finite:
        return None
    low, high = min(finite), max(finite)
    log = high / low > 20
    if log:
        start, end = 10 ** math.floor(math.log10(low)), 10 ** math.ceil(math.log10(high))
    else:
        start, end = 0.0, high * 1.1
    plot = CHART_WIDTH - LABEL_WIDTH - 4 * PAD  # room for the last tick's label

    def x(value: float) -> float:
        value = min(max(value, start), end)
        share = (
            (math.log10(value) - math.log10(start)) / (math.log10(end) - math.log10(start))
            if log
            else (value - start) / (end - start)
        )
        return round(LABEL_WIDTH + PAD + share * plot, 1)

    rows = []
    for index, (estimate, (lo, hi)) in enumerate(spans):
        open_right = hi == float("inf")
        lo = max(lo, start) if log else lo
        rows.append(
            ChartRow(
                label=_short(estimate.claimant),
                y=PAD + index * ROW_HEIGHT,
                x1=x(lo),
                x2=x(end if open_right else hi),
                point=lo == hi and not open_right,
                open_right=open_right,
                rejected=estimate.assessment == Assessment.REJECTED,
            )
        )
    if log:
        ticks = [10.0**p for p in range(round(math.log10(start)), round(math.log10(end)) + 1)]
    else:
        step = 10 ** math.floor(math.log10(end / 4 or 1))
        ticks = [step * n for n in range(0, int(end // step) + 1, max(1, int(end // step) // 5))]
    description = "; ".join(
        f"{e.claimant}: {e.as_written}" + (" (rejected)" if e.assessment == "rejected" else "")
        for e in summary.estimates
    )
    return Chart(
        width=CHART_WIDTH,
        height=PAD * 2 + len(rows) * ROW_HEIGHT + 18,
        rows=rows,
        ticks=[(x(t), f"{t:,.0f}") for t in ticks if start <= t <= end],
        log=log,
        description=f"{summary.label.capitalize()}, as each source gives it: {description}.",
    )
