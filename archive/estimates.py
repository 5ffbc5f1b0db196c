"""How estimates are summarised for readers: per measure, with the range the sources report."""

from __future__ import annotations

from dataclasses import dataclass, field

from archive.models import Assessment, Estimate, Measure


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
    return summaries
