"""The seed content: loaded with the project's own import and published through the workflow."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from archive.models import Estimate, IncidentVersion, Proceeding, State
from editorial.models import Action, HistoryEntry
from editorial.seed import load_seed
from tests.factories import make_contributor, make_publisher, make_reviewer


@pytest.fixture
def seeded(db):
    users = {
        "contributor": make_contributor("contributor"),
        "reviewer": make_reviewer("reviewer"),
        "publisher": make_publisher("publisher"),
    }
    report = load_seed(**users)
    return users, report


@pytest.mark.django_db
def test_seed_content_is_complete_cited_and_published_through_the_workflow(seeded, client):
    users, _ = seeded
    versions = IncidentVersion.objects.all()
    assert versions.count() >= 80
    assert set(versions.values_list("state", flat=True)) == {State.PUBLISHED}
    titles = list(versions.values_list("title", flat=True))
    assert len(titles) == len(set(titles)), "two incidents share a title"
    for version in versions.prefetch_related("categories", "places"):
        assert version.date and version.date_text, version.incident.slug
        assert version.categories.exists(), version.incident.slug
        assert version.places.exists() or "unknown" in version.date_text.lower(), version
    estimates = Estimate.objects.select_related("source")
    assert estimates.count() >= 90
    for estimate in estimates:
        assert estimate.claimant and estimate.as_written, estimate.ref
        assert estimate.source_id or estimate.citations.exists(), estimate.ref
        figures = [v for v in (estimate.low, estimate.best, estimate.high) if v is not None]
        assert figures == sorted(figures) and min(figures) >= 0, estimate.ref
        assert estimate.verification == "verified" and estimate.verified_by == users["reviewer"]
        if estimate.source.key != "wikipedia-soviet-war-crimes":
            # The chain of evidence always reaches the article itself.
            assert estimate.citations.filter(source__key="wikipedia-soviet-war-crimes").exists()
    assert Proceeding.objects.filter(title__icontains="Kononov").exists()
    assert Proceeding.objects.count() >= 6
    # The history is real: each role did its own step.
    transitions = HistoryEntry.objects.filter(action=Action.TRANSITION)
    assert set(
        transitions.filter(to_state="in_review").values_list("user__username", flat=True)
    ) == {"contributor"}
    assert set(
        transitions.filter(to_state="approved").values_list("user__username", flat=True)
    ) == {"reviewer"}
    assert set(
        transitions.filter(to_state="published").values_list("user__username", flat=True)
    ) == {"publisher"}
    # Conflicting figures appear side by side on the public page.
    page = client.get("/incidents/fantana-alba-massacre/").content.decode()
    assert "44–3,000" in page
    rejected = Estimate.objects.filter(assessment="rejected")
    assert rejected.filter(version__incident__slug__contains="treuenbrietzen").exists()

    # A second load changes nothing and writes no history.
    history = HistoryEntry.objects.count()
    again = load_seed(**users)
    assert "0 new, 0 updated" in again and HistoryEntry.objects.count() == history

    out = io.StringIO()
    call_command("content_report", stdout=out)
    assert "fantana-alba-massacre" in out.getvalue()
    assert f"{estimates.count()} figures" in out.getvalue()
