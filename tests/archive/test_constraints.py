"""The database refuses what must never be true, even when code skips form validation."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from archive.models import Estimate, Incident, IncidentVersion, Source, State
from tests.factories import make_draft, make_source


def bulk_estimate(version, **figures) -> None:
    fields = {"ref": "bulk", "measure": "killed", "as_written": "x", "claimant": "c", **figures}
    with transaction.atomic():
        Estimate.objects.bulk_create([Estimate(version=version, **fields)])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("figures", "constraint"),
    [
        ({"low": 3000, "high": 44}, "estimate_low_le_high"),
        ({"low": 500, "best": 100}, "estimate_low_le_best"),
        ({"best": 500, "high": 100}, "estimate_best_le_high"),
        ({"low": 10, "best": 5, "high": 20}, "estimate_low_le_best"),
        ({"low": -1}, "estimate_low_non_negative"),
        ({"best": -5}, "estimate_best_non_negative"),
        ({"high": -1, "low": None}, "estimate_high_non_negative"),
        ({}, "estimate_has_a_figure"),
        ({"best": 1, "assessment": "rejected", "assessment_reason": ""}, "estimate_doubt"),
        ({"best": 1, "verification": "verified"}, "estimate_verified_has_who_and_when"),
    ],
)
def test_bulk_create_cannot_bypass_estimate_constraints(figures, constraint):
    version = make_draft()
    with pytest.raises(IntegrityError) as error:
        bulk_estimate(version, **figures)
    # SQLite and PostgreSQL both name the violated constraint (SQLite: "CHECK constraint failed").
    assert constraint in str(error.value)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "figures",
    [
        {"best": 3450},
        {"low": 44, "high": 3000},
        {"low": 20000},
        {"high": 2000000},
        {"low": 0, "best": 0, "high": 0},
        {"low": 1, "best": 1, "high": 1},
        {"low": 5, "best": 10},
        {"best": 10, "high": 10},
    ],
)
def test_null_combinations_that_make_sense_are_accepted(figures):
    version = make_draft()
    bulk_estimate(version, **figures)
    assert version.estimates.filter(ref="bulk").exists()


@pytest.mark.django_db
def test_duplicate_incident_slug_is_refused():
    make_draft(slug="katyn-massacre")
    with pytest.raises(IntegrityError), transaction.atomic():
        Incident.objects.bulk_create([Incident(slug="katyn-massacre")])


@pytest.mark.django_db
def test_duplicate_source_key_is_refused():
    make_source("naimark-1995")
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.bulk_create([Source(key="naimark-1995", title="Another")])


@pytest.mark.django_db
def test_one_open_version_per_incident():
    draft = make_draft()
    second = IncidentVersion(
        incident=draft.incident,
        number=2,
        title="t",
        summary="s",
        date="1940",
        date_text="1940",
        date_earliest=draft.date_earliest,
        date_latest=draft.date_latest,
    )
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        IncidentVersion.objects.bulk_create([second])
    assert "one_open_version_per_incident" in str(error.value) or "UNIQUE" in str(error.value)


@pytest.mark.django_db
def test_closed_versions_do_not_count_as_open():
    draft = make_draft()
    IncidentVersion.objects.filter(pk=draft.pk).update(state=State.SUPERSEDED)
    IncidentVersion.objects.bulk_create(
        [
            IncidentVersion(
                incident=draft.incident,
                number=2,
                title="t",
                summary="s",
                date="1940",
                date_text="1940",
                date_earliest=draft.date_earliest,
                date_latest=draft.date_latest,
            )
        ]
    )
    assert draft.incident.versions.count() == 2


@pytest.mark.django_db
def test_unknown_state_is_refused():
    draft = make_draft()
    with pytest.raises(IntegrityError), transaction.atomic():
        IncidentVersion.objects.filter(pk=draft.pk).update(state="live")


@pytest.mark.django_db
def test_reversed_date_range_is_refused():
    draft = make_draft()
    with pytest.raises(IntegrityError), transaction.atomic():
        IncidentVersion.objects.filter(pk=draft.pk).update(
            date_earliest=draft.date_latest, date_latest=draft.date_earliest.replace(year=1900)
        )
