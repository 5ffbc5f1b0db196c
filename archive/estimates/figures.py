"""What a figure is, as these functions read it: a count or a share, whole or part, its
bounds and its words."""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from django.utils import formats, translation

from archive.models import Assessment, Measure, Qualifier

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
    """A whole number as the active language groups its digits: 20,000 in English, 20.000 in
    German, 20 000 in Polish; never another value. Outside any language (a command with
    translations off) as in English."""
    if translation.get_language() is None:
        return f"{int(value):,}"
    return formats.number_format(int(value), force_grouping=True)


def measure_label(measure: str) -> str:
    return str(Measure(measure).label) if measure in Measure.values else measure
