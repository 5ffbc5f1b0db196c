"""Totals across incidents: the sum of each incident's headline per measure.

Only headlines are added: parts, shares and rates never are, and an incident counts once per
measure. A total keeps an open top ("≥") as soon as one headline has none, and says how many
incidents have no figure for the measure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import pgettext

from archive.estimates import disagree, headlines, measure_label, number
from archive.models import Estimate, Headline, IncidentVersion, Measure


def derive_figures(version_ids: Iterable[int]) -> None:
    """Store what the figures of these versions come to: their headlines and whether two of
    their figures disagree. Four queries for any number of versions."""
    ids = list(version_ids)
    estimates: dict[int, list[Estimate]] = {pk: [] for pk in ids}
    for estimate in Estimate.objects.filter(version_id__in=ids).order_by(
        "version_id", "measure", "position", "pk"
    ):
        estimates[estimate.version_id].append(estimate)
    Headline.objects.filter(version_id__in=ids).delete()
    Headline.objects.bulk_create(
        [
            Headline(
                version_id=pk,
                measure=h.measure,
                low=h.low,
                high=h.high,
                high_open=h.high_open,
            )
            for pk in ids
            for h in headlines(estimates[pk])
        ],
        batch_size=1000,
    )
    conflicting = [pk for pk in ids if disagree(estimates[pk])]
    IncidentVersion.objects.filter(pk__in=ids).exclude(pk__in=conflicting).update(
        has_conflict=False
    )
    IncidentVersion.objects.filter(pk__in=conflicting).update(has_conflict=True)


@dataclass(frozen=True)
class Total:
    measure: str
    low: int
    high: int | None  # None when some headline has no top
    high_open: bool
    incidents_with: int
    incidents_without: int

    @property
    def label(self) -> str:
        return measure_label(self.measure)

    @property
    def text(self) -> str:
        if self.high_open:
            return f"≥ {number(self.low)}"
        if self.high == self.low:
            return number(self.low)
        if self.low == 0:  # every headline has only a top ("up to", "almost")
            return pgettext("qualifier", "up to") + f" {number(self.high or 0)}"
        return f"{number(self.low)} – {number(self.high or 0)}"


class Totals(list[Total]):
    """The totals per measure, and the measures that have figures but none to add up (given
    only for parts of the victims, as shares or as rates)."""

    @property
    def summed(self) -> list[Total]:
        return [total for total in self if total.incidents_with]

    @property
    def unsummed(self) -> list[Total]:
        return [total for total in self if not total.incidents_with]

    @property
    def unsummed_labels(self) -> str:
        return ", ".join(total.label for total in self.unsummed)


def totals(versions: QuerySet[IncidentVersion]) -> Totals:
    """Per measure, over these (published) versions: two queries whatever their number."""
    has_figure = Q(low__isnull=False) | Q(high__isnull=False)
    incidents = versions.order_by().count()
    rows = (
        Headline.objects.filter(version__in=versions.order_by().values("pk"))
        .values("measure")
        .order_by("measure")
        # Not named low and high: the filters would then read the sums, not the columns.
        .annotate(
            low_sum=Coalesce(Sum(Coalesce("low", 0), filter=has_figure), 0),
            high_sum=Sum("high", filter=has_figure),
            opened=Count("pk", filter=Q(high_open=True)),
            with_figure=Count("pk", filter=has_figure),
        )
    )
    found = {row["measure"]: row for row in rows}
    return Totals(
        Total(
            measure=measure,
            low=row["low_sum"],
            high=None if row["opened"] else (row["high_sum"] or 0),
            high_open=bool(row["opened"]),
            incidents_with=row["with_figure"],
            incidents_without=incidents - row["with_figure"],
        )
        for measure in Measure.values
        if (row := found.get(measure)) is not None
    )
