"""The timeline: every published incident as a span from its earliest to its latest date."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from archive.models import IncidentVersion

WIDTH, LABEL, ROW, TOP = 980, 330, 18, 28
TIMELINE_LIMIT = 400


@dataclass(frozen=True)
class Span:
    version: IncidentVersion
    y: int
    x: float
    width: float
    label: str


@dataclass(frozen=True)
class Timeline:
    spans: list[Span]
    ticks: list[tuple[float, int]]
    width: int
    height: int
    first: int
    last: int
    # The bars are drawn from here on, apart from the names (which stay in view on a phone);
    # a little before the first bar, so that the first year's number is not cut in half.
    bars_left: int = LABEL - 16

    @property
    def bars_width(self) -> int:
        return self.width - self.bars_left


def _label(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def build_timeline(versions: list[IncidentVersion]) -> Timeline | None:
    if not versions:
        return None
    first = min(v.date_earliest.year for v in versions)
    last = max(v.date_latest.year for v in versions) + 1
    span_years = max(last - first, 1)
    plot = WIDTH - LABEL - 20

    def x(year: float) -> float:
        return round(LABEL + (year - first) / span_years * plot, 1)

    def decimal_year(date: datetime.date) -> float:
        return date.year + (date.timetuple().tm_yday - 1) / 366

    spans = []
    for index, version in enumerate(versions):
        start = x(decimal_year(version.date_earliest))
        end = x(decimal_year(version.date_latest) + 1 / 366)
        spans.append(
            Span(version, TOP + index * ROW, start, max(end - start, 3.0), _label(version.title))
        )
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50) if span_years / s <= 14)
    ticks = [
        (x(year), year)
        for year in range(first - first % step, last + 1, step)
        if first <= year <= last
    ]
    return Timeline(spans, ticks, WIDTH, TOP + len(spans) * ROW + 10, first, last)
