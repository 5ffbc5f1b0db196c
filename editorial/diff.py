"""What differs between two versions of an incident: field by field, estimate by estimate."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Field
from django.utils.translation import gettext

from archive.models import Estimate, IncidentVersion

TEXT_FIELDS = ["title", "summary", "description", "date", "date_text"]
SET_FIELDS = ["places", "categories", "perpetrators", "victim_groups", "related"]
ESTIMATE_FIELDS = [
    "measure",
    "qualifier",
    "low",
    "best",
    "high",
    "as_written",
    "claimant",
    "claimant_position",
    "claim_year",
    "assessment",
    "assessment_reason",
    "source",
    "locator",
    "quote",
    "scope",
    "part_of",
    "share_low",
    "share_high",
    "share_of",
    "per",
    "verification",
]


@dataclass
class Change:
    name: str
    old: object
    new: object


@dataclass
class EstimateChange:
    ref: str
    status: str  # added, removed, changed
    changes: list[Change] = field(default_factory=list)


@dataclass
class VersionDiff:
    old: IncidentVersion
    new: IncidentVersion
    fields: list[Change]
    estimates: list[EstimateChange]
    citations_added: list[str]
    citations_removed: list[str]

    @property
    def is_empty(self) -> bool:
        return not (self.fields or self.estimates or self.citations_added or self.citations_removed)


def _versions(*pks: int) -> dict[int, IncidentVersion]:
    return {
        version.pk: version
        for version in IncidentVersion.objects.filter(pk__in=pks)
        .select_related("context", "incident")
        .prefetch_related(
            *SET_FIELDS, "estimates__source", "citations__source", "citations__estimate"
        )
    }


def _estimate_values(estimate: Estimate) -> dict[str, object]:
    values = {name: getattr(estimate, name) for name in ESTIMATE_FIELDS}
    values["source"] = estimate.source.key if estimate.source else None
    return values


def _citation_labels(version: IncidentVersion) -> set[str]:
    labels = set()
    for citation in version.citations.all():
        target = (
            gettext("estimate {ref}").format(ref=citation.estimate.ref)
            if citation.estimate
            else gettext("incident")
        )
        labels.add(f"{target}: {citation.source.key}, {citation.locator}".rstrip(", "))
    return labels


def version_diff(old: IncidentVersion, new: IncidentVersion) -> VersionDiff:
    loaded = _versions(old.pk, new.pk)
    old, new = loaded[old.pk], loaded[new.pk]
    fields = [
        Change(name, getattr(old, name), getattr(new, name))
        for name in TEXT_FIELDS
        if getattr(old, name) != getattr(new, name)
    ]
    if old.context != new.context:
        fields.append(Change("context", old.context, new.context))
    for name in SET_FIELDS:
        before = sorted(str(item) for item in getattr(old, name).all())
        after = sorted(str(item) for item in getattr(new, name).all())
        if before != after:
            fields.append(Change(name, ", ".join(before), ", ".join(after)))
    figures_before = {estimate.ref: _estimate_values(estimate) for estimate in old.estimates.all()}
    figures_after = {estimate.ref: _estimate_values(estimate) for estimate in new.estimates.all()}
    estimates = []
    for ref in sorted(figures_before.keys() | figures_after.keys()):
        if ref not in figures_before:
            estimates.append(
                EstimateChange(
                    ref,
                    "added",
                    [
                        Change(name, None, value)
                        for name, value in figures_after[ref].items()
                        if value not in (None, "")
                    ],
                )
            )
        elif ref not in figures_after:
            estimates.append(
                EstimateChange(
                    ref,
                    "removed",
                    [
                        Change(name, value, None)
                        for name, value in figures_before[ref].items()
                        if value not in (None, "")
                    ],
                )
            )
        else:
            changes = [
                Change(name, figures_before[ref][name], figures_after[ref][name])
                for name in ESTIMATE_FIELDS
                if figures_before[ref][name] != figures_after[ref][name]
            ]
            if changes:
                estimates.append(EstimateChange(ref, "changed", changes))
    cited_before, cited_after = _citation_labels(old), _citation_labels(new)
    return VersionDiff(
        old,
        new,
        fields,
        estimates,
        sorted(cited_after - cited_before),
        sorted(cited_before - cited_after),
    )


# What a reviewer's query keeps of its figure: the next round shows what changed since.
SNAPSHOT_FIELDS = [name for name in ESTIMATE_FIELDS if name != "verification"]


def estimate_snapshot(estimate: Estimate) -> dict[str, object]:
    """The figure and its evidence (its source and its own citations) as JSON values."""
    values: dict[str, object] = {}
    for name in SNAPSHOT_FIELDS:
        value = getattr(estimate, name)
        values[name] = str(value) if isinstance(value, Decimal) else value
    values["source"] = estimate.source.key if estimate.source else None
    values["citations"] = sorted(
        f"{citation.source.key}, {citation.locator}".rstrip(", ")
        for citation in estimate.citations.all()
    )
    return values


def changes_since(snapshot: dict[str, object], estimate: Estimate) -> list[Change]:
    """Field by field, what differs between ``snapshot`` and the figure as it is now, in the
    words and labels of the form (best 300 → 250, assessment accepted → contested)."""
    now = estimate_snapshot(estimate)
    return [
        Change(_label(name), _shown(name, snapshot[name]), _shown(name, now[name]))
        for name in now
        if name in snapshot and snapshot[name] != now[name]
    ]


def _label(name: str) -> str:
    if name == "citations":
        return gettext("citations")
    column = Estimate._meta.get_field(name)
    assert isinstance(column, Field)  # a figure's own column, never a relation to it
    return str(column.verbose_name)


def _shown(name: str, value: object) -> str:
    if value in (None, "", []):
        return "–"
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    if name != "citations":
        column = Estimate._meta.get_field(name)
        assert isinstance(column, Field)
        choices = dict(column.flatchoices)
        if value in choices:
            return str(choices[value])
    return str(value)
