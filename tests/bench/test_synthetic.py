"""bench.generate: a realistic archive at scale, for the benchmarks, published by the
benchmark tool without review and recorded as such."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive.dates import parse_date_range
from archive.estimates import disagree, headlines
from archive.models import (
    Category,
    Citation,
    Estimate,
    Headline,
    IncidentVersion,
    Place,
    Source,
    State,
    Verification,
)
from archive.search import fold, index_version
from bench.generate import main as generate
from bench.publish import PUBLISHED_WITHOUT_REVIEW, PublicationRefused, synthetic_publish
from bench.synthetic import DRAFTED, SyntheticArchive, synthetic_incidents
from bench.vocabulary import CATEGORY_WORDS
from editorial import services
from editorial.models import Action, Channel, HistoryEntry
from tests.factories import make_draft, make_published

N = 30
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def synthetic(db):
    assert generate(["--incidents", str(N), "--seed", "3"]) == 0
    return IncidentVersion.objects.filter(incident__in=synthetic_incidents())


def synthetic_drafts(count: int, seed: int = 9) -> list[IncidentVersion]:
    """Drafts named like synthetic content, with cited figures, not published."""
    archive = SyntheticArchive(incidents=count, seed=seed)
    archive.make_reference()
    archive.batch(range(1, count + 1), publish=False)
    return list(IncidentVersion.objects.filter(incident__in=synthetic_incidents()))


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


def test_every_version_has_the_headlines_a_publication_stores(synthetic):
    for version in synthetic:
        stored = list(
            Headline.objects.filter(version=version).values_list(
                "measure", "low", "high", "high_open"
            )
        )
        expected = [
            (h.measure, h.low, h.high, h.high_open)
            for h in headlines(list(version.estimates.all()))
        ]
        assert sorted(stored) == sorted(expected)
        assert stored


def test_no_figure_is_marked_verified_nobody_checked_them(synthetic):
    estimates = Estimate.objects.filter(version__in=synthetic)
    assert set(estimates.values_list("verification", flat=True)) == {Verification.UNVERIFIED}
    assert not estimates.exclude(verified_by=None).exists()
    assert not estimates.exclude(verified_at=None).exists()
    assert not estimates.filter(source=None).exists()
    for estimate in estimates:
        figures = [f for f in (estimate.low, estimate.best, estimate.high) if f is not None]
        assert figures, estimate.ref
        assert figures == sorted(figures), estimate.ref  # low ≤ best ≤ high
        assert estimate.as_written
        estimate.full_clean()  # contested and rejected estimates give a reason


def test_history_says_the_benchmark_tool_published_each_version_without_review(synthetic):
    for version in synthetic:
        assert version.created_by is None  # no person wrote it
        entries = list(HistoryEntry.objects.filter(version=version))
        assert [
            (e.user, e.action, e.channel, e.from_state, e.to_state, e.comment) for e in entries
        ] == [
            (
                None,
                Action.TRANSITION,
                Channel.BENCHMARK,
                State.DRAFT,
                State.PUBLISHED,
                PUBLISHED_WITHOUT_REVIEW,
            )
        ]
    assert "without review" in PUBLISHED_WITHOUT_REVIEW
    assert "not verified" in PUBLISHED_WITHOUT_REVIEW


def test_no_review_step_is_recorded_and_no_reviewer_account_is_made(synthetic):
    assert not HistoryEntry.objects.filter(action__in=[Action.VERIFY, Action.QUERY]).exists()
    assert not HistoryEntry.objects.filter(to_state__in=[State.IN_REVIEW, State.APPROVED]).exists()
    assert not User.objects.filter(username__startswith="synthetic-").exists()


def test_the_public_pages_show_no_verified_mark(synthetic, client):
    for slug in ("synthetic-1", "synthetic-2", "synthetic-3"):
        page = client.get(f"/incidents/{slug}/")
        assert page.status_code == 200
        assert b">verified</span>" not in page.content
        assert b"Checked against its citation" not in page.content
        detail = client.get(f"/api/incidents/{slug}/").json()
        assert detail["estimates"]
        assert not any(e["verified"] for e in detail["estimates"])


def test_the_public_list_api_and_search_show_them(synthetic, client):
    api = client.get("/api/incidents/").json()
    assert api["count"] == N
    assert {r["slug"] for r in api["results"]} == {f"synthetic-{n}" for n in range(1, N + 1)}
    version = synthetic.get(incident__slug="synthetic-1")
    assert version.title.encode() in client.get("/incidents/").content
    assert version.title.encode() in client.get("/incidents/synthetic-1/").content
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
def test_drafts_for_imports_stay_drafts_made_by_the_tool():
    assert generate(["--incidents", "10"]) == 0
    archive = SyntheticArchive(incidents=3, seed=9)
    archive.make_reference()
    archive.batch(range(1, 4), publish=False, estimates=False, prefix="bench-draft")
    drafts = IncidentVersion.objects.filter(incident__slug__startswith="bench-draft-")
    assert drafts.count() == 3
    assert set(drafts.values_list("state", flat=True)) == {State.DRAFT}
    assert not Estimate.objects.filter(version__in=drafts).exists()
    entries = HistoryEntry.objects.filter(version__in=drafts)
    assert set(entries.values_list("user", "action", "channel", "comment")) == {
        (None, Action.CREATE, Channel.BENCHMARK, DRAFTED)
    }
    assert entries.count() == 3


@pytest.mark.django_db
def test_the_publisher_refuses_anything_but_synthetic_first_drafts():
    ordinary = make_draft()
    with pytest.raises(PublicationRefused, match="Only synthetic incidents"):
        synthetic_publish(versions=[ordinary])
    drafts = synthetic_drafts(3)
    services.version_submit(version=drafts[0], user=ordinary.created_by)
    with pytest.raises(PublicationRefused, match="Only drafts"):
        synthetic_publish(versions=drafts)
    Estimate.objects.filter(version=drafts[1]).update(source=None)
    Citation.objects.filter(version=drafts[1]).delete()
    with pytest.raises(PublicationRefused, match="cites no source"):
        synthetic_publish(versions=drafts[1:])
    assert synthetic_publish(versions=drafts[2:], render_pages=False) == 1
    again = services.version_start_draft(incident=drafts[2].incident, user=ordinary.created_by)
    with pytest.raises(PublicationRefused, match="published already"):
        synthetic_publish(versions=[again])
    assert (
        list(
            IncidentVersion.objects.filter(
                pk__in=[ordinary.pk, drafts[1].pk, again.pk]
            ).values_list("state", flat=True)
        )
        == [State.DRAFT] * 3
    )


@pytest.mark.django_db
def test_the_verified_mark_shows_only_where_a_reviewer_checked_the_figure(client):
    synthetic_publish(versions=synthetic_drafts(1), render_pages=False)
    reviewed = make_published()
    assert b">verified</span>" in client.get(reviewed.get_absolute_url()).content
    assert b">verified</span>" not in client.get("/incidents/synthetic-1/").content


@pytest.mark.django_db
def test_the_publisher_costs_as_many_queries_for_30_versions_as_for_3():
    drafts = synthetic_drafts(34)
    synthetic_publish(versions=drafts[:1], render_pages=False)  # the first makes a counter
    with CaptureQueriesContext(connection) as few:
        synthetic_publish(versions=drafts[1:4], render_pages=False)
    with CaptureQueriesContext(connection) as many:
        synthetic_publish(versions=drafts[4:], render_pages=False)
    # One UPDATE marks the versions whose figures disagree, when any do.
    assert len(many) <= len(few) + 1


@pytest.mark.django_db
def test_every_category_of_the_controlled_list_has_synthetic_words():
    assert set(Category.objects.values_list("slug", flat=True)) <= set(CATEGORY_WORDS)


def test_the_product_neither_installs_nor_imports_the_benchmark_tooling():
    assert not any(app.startswith("bench") for app in settings.INSTALLED_APPS)
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, django; django.setup(); import archive.urls, editorial.admin; "
            "print(sorted(m for m in sys.modules if m == 'bench' or m.startswith('bench.')))",
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "archive.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.django_db
def test_reference_records_written_a_chunk_at_a_time_are_the_same_records(monkeypatch):
    """The generator holds its places and sources as model instances a chunk at a time (flat
    memory at a million incidents); the records, and the ids it keeps, are those of one go."""
    import random

    from archive.models import Actor, Context, VictimGroup
    from bench.synthetic_reference import Reference, make_reference, place_name

    def made(chunk: int) -> tuple[list, list, list]:
        monkeypatch.setattr("bench.synthetic_reference.CHUNK", chunk)
        Place.objects.create(name=place_name(3)[0], slug="from-the-seed")
        ref = make_reference(rnd=random.Random(5), incidents=150, ref=Reference())
        written = Place.objects.exclude(slug="from-the-seed").order_by("pk")
        places = list(written.values_list("pk", "name", "country", "slug"))
        sources = list(Source.objects.filter(key__startswith="synthetic-").values_list("pk"))
        assert list(ref.places) == [row[:3] for row in places]
        assert [s[0] for s in ref.sources] == sorted(pk for (pk,) in sources)
        named = [(name, country, slug) for _, name, country, slug in places]
        keys = sorted(Source.objects.values_list("key", flat=True))
        Actor.objects.exclude(parent=None).delete()  # units first: they protect their parents
        for model in (Place, Source, Actor, VictimGroup, Context):  # as before the first
            model.objects.all().delete()
        return named, keys, list(ref.sources)

    in_chunks, in_one = made(7), made(10_000)
    assert place_name(3)[0] not in [name for name, _, _ in in_chunks[0]]  # the seed's, left out
    assert in_chunks[2][:3] != in_one[2][:3]  # new ids, the same names, years and order
    assert [row[1:] for row in in_chunks[2]] == [row[1:] for row in in_one[2]]
    assert len(in_chunks[0]) == 50 and len(in_chunks[1]) == 15  # N/3 places, N/10 sources
    assert in_chunks[0] == in_one[0]
    assert in_chunks[1] == in_one[1]


def test_every_place_has_a_word_of_its_own():
    """A selective search term at any size: past the syllables' combinations the generator
    puts syllables between them instead of numbering the names ("Łękowo 2")."""
    from collections import Counter

    from archive.search import query_terms
    from bench.synthetic_reference import place_name

    names = [place_name(number)[0] for number in range(60_000)]
    words = Counter(word for name in names for word in set(query_terms(name)))
    own = [name for name in names if any(words[word] == 1 for word in query_terms(name))]
    assert len(set(names)) >= 0.9999 * len(names)  # "Ach" + "a" + "-Martan" = "Acha" + "-Martan"
    assert len(own) >= 0.999 * len(names)
    assert place_name(0) == place_name(0)
    assert place_name(1)[1][0] != place_name(0)[1][0]  # the countries take turns
