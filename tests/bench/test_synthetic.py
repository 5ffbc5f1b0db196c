"""bench.generate: a realistic archive at scale, for the benchmarks."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import connection

from archive.dates import parse_date_range
from archive.estimates import disagree
from archive.models import Citation, Estimate, IncidentVersion, Place, Source, State
from archive.search import fold, index_version
from bench.generate import main as generate
from bench.synthetic import SyntheticArchive, synthetic_incidents
from editorial import services
from editorial.models import Action, Channel, HistoryEntry
from tests.factories import make_draft, make_publisher, make_reviewer, make_user

N = 30


@pytest.fixture
def synthetic(db):
    assert generate(["--incidents", str(N), "--seed", "3"]) == 0
    return IncidentVersion.objects.filter(incident__in=synthetic_incidents())


def test_counts(synthetic):
    assert synthetic_incidents().count() == N
    assert sorted(synthetic.values_list("incident__slug", flat=True)) == sorted(
        f"synthetic-{n}" for n in range(1, N + 1)
    )
    assert synthetic.count() == N  # one version each
    estimates = Estimate.objects.filter(version__in=synthetic)
    citations = Citation.objects.filter(version__in=synthetic)
    assert 3 * N <= estimates.count() <= 9 * N
    assert 2 * N <= citations.count() <= 5 * N
    assert Source.objects.filter(key__startswith="synthetic-").count() == 5  # at least 5, N/10
    assert Place.objects.count() >= 20
    assert Place.objects.exclude(latitude=None).exists()
    assert any(name != fold(name) for name in Place.objects.values_list("name", flat=True))
    assert estimates.exclude(qualifier="exact").exists()
    assert estimates.filter(low__isnull=False, high__isnull=False).exists()  # ranges
    assert estimates.values("measure").distinct().count() > 1
    for version in synthetic.prefetch_related("categories", "places", "perpetrators"):
        assert version.categories.exists()
        assert version.places.exists()
        assert version.perpetrators.exists()
        assert version.victim_groups.exists()
        assert version.context_id is not None


def test_every_version_is_published_with_derived_fields(synthetic):
    assert set(synthetic.values_list("state", flat=True)) == {State.PUBLISHED}
    for version in synthetic:
        assert version.published_at is not None
        span = parse_date_range(version.date)
        assert (version.date_earliest, version.date_latest) == (span.earliest, span.latest)
        assert version.has_conflict == disagree(list(version.estimates.all()))
        stored = version.search_document
        vector = IncidentVersion.objects.filter(pk=version.pk).values("search_vector").get()
        assert stored
        assert vector["search_vector"] or connection.vendor != "postgresql"
        index_version(version)  # what a one-at-a-time publication would have stored
        assert version.search_document == stored
        assert IncidentVersion.objects.filter(pk=version.pk).values("search_vector").get() == vector
    assert synthetic.filter(has_conflict=True).exists()
    assert synthetic.filter(has_conflict=False).exists()


def test_every_estimate_is_verified_cited_and_consistent(synthetic):
    reviewer = User.objects.get(username="synthetic-reviewer")
    estimates = Estimate.objects.filter(version__in=synthetic)
    assert set(estimates.values_list("verification", flat=True)) == {"verified"}
    assert set(estimates.values_list("verified_by", flat=True)) == {reviewer.pk}
    assert not estimates.filter(verified_at=None).exists()
    assert not estimates.filter(source=None).exists()
    for estimate in estimates:
        figures = [f for f in (estimate.low, estimate.best, estimate.high) if f is not None]
        assert figures, estimate.ref
        assert figures == sorted(figures), estimate.ref  # low ≤ best ≤ high
        assert estimate.as_written
        estimate.full_clean()  # contested and rejected estimates give a reason


def test_history_records_each_step_by_the_right_person(synthetic):
    users = {
        role: User.objects.get(username=f"synthetic-{role}")
        for role in ("contributor", "reviewer", "publisher")
    }
    assert users["contributor"].groups.filter(name="Contributors").exists()
    assert users["reviewer"].groups.filter(name="Reviewers").exists()
    assert users["publisher"].groups.filter(name="Publishers").exists()
    for version in synthetic:
        entries = HistoryEntry.objects.filter(version=version)
        assert set(entries.values_list("channel", flat=True)) == {Channel.COMMAND}
        assert entries.filter(action=Action.CREATE, user=users["contributor"]).count() == 1
        steps = list(
            entries.filter(action=Action.TRANSITION)
            .order_by("pk")
            .values_list("user__username", "from_state", "to_state")
        )
        assert steps == [
            ("synthetic-contributor", "draft", "in_review"),
            ("synthetic-reviewer", "in_review", "approved"),
            ("synthetic-publisher", "approved", "published"),
        ]
        verified = entries.filter(action=Action.VERIFY, user=users["reviewer"])
        assert sorted(e.changes["estimate"] for e in verified) == sorted(
            version.estimates.values_list("ref", flat=True)
        )


def test_the_public_list_api_and_pages_show_them(synthetic, client):
    api = client.get("/api/incidents/").json()
    assert api["count"] == N
    assert {r["slug"] for r in api["results"]} == {f"synthetic-{n}" for n in range(1, N + 1)}
    version = synthetic.get(incident__slug="synthetic-1")
    assert version.title.encode() in client.get("/incidents/").content
    page = client.get("/incidents/synthetic-1/")
    assert page.status_code == 200
    assert version.title.encode() in page.content
    detail = client.get("/api/incidents/synthetic-1/").json()
    assert all(e["verified"] for e in detail["estimates"])
    place = version.places.first()
    found = client.get("/api/incidents/", {"q": fold(place.name)}).json()
    assert "synthetic-1" in {r["slug"] for r in found["results"]}
    csv = client.get("/data/estimates.csv")
    assert csv.status_code == 200
    rows = b"".join(csv.streaming_content).decode().strip().splitlines()
    assert len(rows) == 1 + Estimate.objects.filter(version__in=synthetic).count()


def test_a_second_run_is_refused_politely(synthetic, capsys):
    capsys.readouterr()
    assert generate(["--incidents", "5"]) == 1
    assert "already has 30 synthetic incident" in capsys.readouterr().err
    assert synthetic_incidents().count() == N


@pytest.mark.django_db
def test_drafts_for_imports_stay_drafts():
    assert generate(["--incidents", "10"]) == 0
    archive = SyntheticArchive(incidents=3, seed=9)
    archive.make_reference()
    archive.batch(range(1, 4), publish=False, estimates=False, prefix="bench-draft")
    drafts = IncidentVersion.objects.filter(incident__slug__startswith="bench-draft-")
    assert drafts.count() == 3
    assert set(drafts.values_list("state", flat=True)) == {State.DRAFT}
    assert not Estimate.objects.filter(version__in=drafts).exists()


@pytest.mark.django_db
def test_bulk_publication_keeps_the_workflow_rules():
    reviewer, publisher = make_reviewer(), make_publisher()
    draft = make_draft()
    with pytest.raises(services.PermissionRefused):
        services.versions_publish_bulk(versions=[draft], reviewer=reviewer, publisher=reviewer)
    both = make_user("author-and-reviewer", "Contributors", "Reviewers")
    own = make_draft(both)
    with pytest.raises(services.WorkflowError, match="wrote or edited"):
        services.versions_publish_bulk(versions=[own], reviewer=both, publisher=publisher)
    services.version_submit(version=draft, user=draft.created_by)
    with pytest.raises(services.WorkflowError, match="Only drafts"):
        services.versions_publish_bulk(versions=[draft], reviewer=reviewer, publisher=publisher)
    fresh = make_draft()
    fresh.estimates.update(source=None)
    with pytest.raises(services.WorkflowError, match="has no citation"):
        services.versions_publish_bulk(versions=[fresh], reviewer=reviewer, publisher=publisher)
    fresh.refresh_from_db()
    assert fresh.state == State.DRAFT


@pytest.mark.django_db
def test_every_category_of_the_controlled_list_has_synthetic_words():
    from archive.models import Category
    from bench.vocabulary import CATEGORY_WORDS

    assert set(Category.objects.values_list("slug", flat=True)) <= set(CATEGORY_WORDS)
