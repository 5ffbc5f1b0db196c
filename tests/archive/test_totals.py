"""Totals across incidents: /api/aggregates/, the totals on the public pages and the method
on /about/, checked against a brute-force sum of the figures written out here."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache, caches
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.models import Category, Context, IncidentVersion, Measure, Per, Qualifier
from archive.totals import totals
from editorial import services
from tests.factories import (
    make_actor,
    make_contributor,
    make_draft,
    make_estimate,
    make_place,
    make_published,
    make_published_figures,
    make_publisher,
    make_reviewer,
    make_source,
)

OPEN_TOP = {"over", "at_least"}
OPEN_BOTTOM = {"up_to", "at_most", "almost"}


def brute_force(incidents: Iterable[Iterable[Mapping[str, Any]]]) -> dict[str, dict]:
    """Per measure with a figure anywhere: what the totals must say, from the figures alone.

    Each incident adds, per measure, the lowest and the highest bound of its figures that
    count all the victims (no scope, not a part, a share or a rate) and are not rejected."""
    incidents = [list(figures) for figures in incidents]
    found: dict[str, dict] = {}
    for figures in incidents:
        lowest: dict[str, float] = {}
        highest: dict[str, float] = {}
        for f in figures:
            if f["assessment"] == "rejected" or (f["scope"] or "").strip():
                continue
            if f["part_of"] or f["per"] or f["share_of"]:
                continue
            if f["share_low"] not in (None, "") or f["share_high"] not in (None, ""):
                continue
            values = [int(f[key]) for key in ("low", "best", "high") if f[key] not in (None, "")]
            bottom, top = min(values), max(values)
            if f["qualifier"] in OPEN_BOTTOM and f["low"] in (None, ""):
                bottom = 0
            if f["qualifier"] in OPEN_TOP and f["high"] in (None, ""):
                top = math.inf
            measure = f["measure"]
            lowest[measure] = min(lowest.get(measure, math.inf), bottom)
            highest[measure] = max(highest.get(measure, -math.inf), top)
        for measure, bottom in lowest.items():
            total = found.setdefault(measure, {"low": 0, "high": 0, "open": False, "with": 0})
            total["low"] += bottom
            total["with"] += 1
            if highest[measure] == math.inf:
                total["open"] = True
            else:
                total["high"] += highest[measure]
    return {
        measure: {
            "measure": measure,
            "low": total["low"],
            "high": None if total["open"] else total["high"],
            "high_open": total["open"],
            "incidents_with": total["with"],
            "incidents_without": len(incidents) - total["with"],
        }
        for measure, total in found.items()
    }


def aggregates(client, **params) -> list[dict]:
    response = client.get("/api/aggregates/", params)
    assert response.status_code == 200
    return response.json()["results"]


def with_figures(results: list[dict]) -> dict[str, dict]:
    """The rows of measures some incident has a figure for; the others must say nothing."""
    for row in results:
        if not row["incidents_with"]:
            assert (row["low"], row["high"], row["high_open"]) == (0, 0, False), row
    return {row["measure"]: row for row in results if row["incidents_with"]}


def republish(version, figures: list[dict]) -> None:
    """A new version of a published incident with these figures instead, published."""
    draft = services.version_start_draft(incident=version.incident, user=make_contributor())
    draft.estimates.all().delete()
    source = make_source()
    for fields in figures:
        draft.estimates.create(**{"source": source, "claimant": "A historian", **fields})
    services.version_submit(version=draft, user=draft.created_by)
    reviewer = make_reviewer()
    for estimate in draft.estimates.all():
        services.estimate_verify(estimate=estimate, user=reviewer)
    services.version_approve(version=draft, user=reviewer)
    services.version_publish(version=draft, user=make_publisher(), note="Figures corrected.")


# -- A small archive whose totals are worked out by hand -----------------------------------

OVER = {"ref": "o-1", "low": 20000, "best": None, "qualifier": "over", "as_written": "over 20,000"}
UP_TO = {
    "ref": "u-1",
    "best": None,
    "high": 2000,
    "qualifier": "up_to",
    "as_written": "up to 2,000",
}
RANGE = [
    {"ref": "r-1", "low": 100, "best": None, "high": 300, "as_written": "100–300"},
    {"ref": "r-2", "best": 150, "as_written": "150"},
    {"ref": "r-3", "best": 20, "scope": "girls", "part_of": "r-1", "as_written": "20 girls"},
    {"ref": "r-4", "best": 10, "scope": "girls", "per": "day", "as_written": "10 a day"},
    {"ref": "r-5", "best": 600, "measure": "captured", "as_written": "600 captured"},
    {"ref": "r-6", "share_low": 50, "share_of": "r-5", "best": None, "as_written": "half"},
    {"ref": "r-7", "best": 1000, "measure": "deported", "qualifier": "about", "as_written": "c."},
    {
        "ref": "r-8",
        "best": 9000,
        "assessment": "rejected",
        "assessment_reason": "No source gives it.",
        "as_written": "9,000",
    },
]
ONLY_PARTS = [
    {"ref": "p-1", "best": 406, "scope": "Wehrmacht soldiers", "as_written": "406"},
    {"ref": "p-2", "best": 58, "scope": "Organisation Todt members", "as_written": "58"},
    {"ref": "p-3", "best": 2, "scope": "Danish", "part_of": "p-2", "as_written": "2 Danish"},
]


@pytest.fixture
def small_archive(db):
    war = Context.objects.create(name="World War II", slug="world-war-ii")
    open_ended = make_published_figures(
        "open-ended", OVER, title="Over twenty thousand", context=war
    )
    open_ended.categories.set([Category.objects.get(slug="deportation")])
    open_ended.places.add(make_place("Katyń", country="Russia"))
    make_published_figures("up-to", UP_TO, title="Up to two thousand")
    make_published_figures("ranges", *RANGE, title="Ranges, parts and shares")
    make_published_figures("only-parts", *ONLY_PARTS, title="Listed by group")
    return open_ended


@pytest.mark.django_db
def test_aggregates_answer_the_sum_of_the_headlines_per_measure(client, small_archive):
    assert client.get("/api/aggregates/").json() == {
        "results": [
            {
                "measure": "killed",
                "low": 20100,  # over 20,000 + nothing for "up to" + 100 (of 100–300 and 150)
                "high": None,
                "high_open": True,
                "incidents_with": 3,
                "incidents_without": 1,  # listed by group only
            },
            {
                "measure": "deported",
                "low": 1000,
                "high": 1000,
                "high_open": False,
                "incidents_with": 1,
                "incidents_without": 3,
            },
            {
                "measure": "captured",
                "low": 600,
                "high": 600,
                "high_open": False,
                "incidents_with": 1,
                "incidents_without": 3,
            },
        ]
    }


@pytest.mark.django_db
def test_aggregates_take_the_incident_lists_filters(client, small_archive):
    """Without the open-ended incident the total closes: "up to 2,000" adds 0 and 2,000."""
    killed = aggregates(client, category="massacre")[0]
    assert killed == {
        "measure": "killed",
        "low": 100,
        "high": 2300,
        "high_open": False,
        "incidents_with": 2,
        "incidents_without": 1,
    }
    assert aggregates(client, country="russia")[0]["low"] == 20000
    assert aggregates(client, context="world-war-ii")[0]["high_open"] is True
    assert aggregates(client, q="nothing-like-this") == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params", [{"year_from": "abc"}, {"ordering": "nonsense"}, {"year_to": "1e1000000"}]
)
def test_a_bad_filter_is_answered_400_with_the_error_as_by_the_incident_list(
    client, small_archive, params
):
    response = client.get("/api/aggregates/", params)
    assert response.status_code == 400
    assert response.json() == client.get("/api/incidents/", params).json()
    assert list(response.json()["errors"]) == list(params)


@pytest.mark.django_db
def test_only_the_published_version_of_an_incident_is_counted(client):
    """Drafts, versions in review, withdrawn and superseded versions never add a figure; a
    corrected incident counts once, with its new figures."""
    author, publisher = make_contributor(), make_publisher()
    published = make_published_figures("published", {"best": 100})
    make_estimate(make_draft(author, "a-draft", estimates=0), best=5000)
    in_review = make_draft(author, "in-review", estimates=0)
    make_estimate(in_review, best=7000)
    services.version_submit(version=in_review, user=author)
    withdrawn = make_published_figures("withdrawn", {"best": 3000})
    services.version_withdraw(version=withdrawn, user=publisher, reason="Not sourced.")
    corrected = make_published_figures("corrected", {"best": 40})
    republish(corrected, [{"ref": "c-1", "best": 50, "as_written": "50"}])
    redraft = services.version_start_draft(incident=published.incident, user=author)
    redraft.estimates.update(best=987654)

    assert aggregates(client) == [
        {
            "measure": "killed",
            "low": 150,
            "high": 150,
            "high_open": False,
            "incidents_with": 2,
            "incidents_without": 0,
        }
    ]
    page = client.get("/incidents/").content.decode()
    assert "150 killed" in page and "987,654" not in page and "5,000" not in page


@pytest.mark.django_db
def test_browse_pages_and_the_list_show_the_totals(client, small_archive):
    category = client.get("/categories/massacre/").content.decode()
    assert "<strong>100 – 2,300 killed</strong>" in category
    assert "2 incidents with a figure, 1 without" in category
    assert '<a href="/about/#totals">How these totals are made</a>' in category

    listed = client.get("/incidents/").content.decode()
    assert "<strong>≥ 20,100 killed</strong>" in listed
    assert "3 incidents with a figure, 1 without" in listed
    assert "<strong>1,000 deported</strong>" in listed

    for url in ("/incidents/?country=russia", "/countries/russia/", "/contexts/world-war-ii/"):
        page = client.get(url).content.decode()
        assert "<strong>≥ 20,000 killed</strong>" in page, url
        assert "1 incident with a figure, 0 without" in page, url


@pytest.mark.django_db
def test_a_measure_listed_only_by_group_has_no_figure_to_add(client):
    make_published_figures("only-parts", *ONLY_PARTS)
    assert aggregates(client)[0] == {
        "measure": "killed",
        "low": 0,
        "high": 0,
        "high_open": False,
        "incidents_with": 0,
        "incidents_without": 1,
    }
    page = client.get("/categories/massacre/").content.decode()
    assert (
        "Nothing to add up for killed: these figures are given only for part of the victims, "
        "as shares or as rates." in page
    )
    assert "0 incidents with a figure" not in page


@pytest.mark.django_db
def test_country_and_context_pages_list_their_published_incidents(client, small_archive):
    country = client.get("/countries/russia/").content.decode()
    assert "<h1>Russia</h1>" in country and "Over twenty thousand" in country
    assert "Up to two thousand" not in country
    assert client.get("/countries/nowhere/").status_code == 404
    context = client.get("/contexts/world-war-ii/").content.decode()
    assert "Over twenty thousand" in context and "Listed by group" not in context
    Context.objects.create(name="Unused", slug="unused")
    assert client.get("/contexts/unused/").status_code == 404
    place = client.get("/places/katyn/").content.decode()
    assert '<a href="/countries/russia/">Russia</a>' in place


@pytest.mark.django_db
def test_a_country_page_gathers_every_spelling_of_its_name(client):
    one = make_published("one", title="First")
    one.places.add(make_place("Lviv", country="Ukraine"))
    two = make_published("two", title="Second")
    two.places.add(make_place("Kyiv", country="ukraine"))
    page = client.get("/countries/ukraine/").content.decode()
    assert "First" in page and "Second" in page
    assert "2 incidents with a figure, 0 without" in page


def hand_sum_from_open_data(client, category: str) -> dict[str, dict]:
    slugs = {
        row["slug"]
        for row in client.get("/api/incidents/", {"category": category}).json()["results"]
    }
    body = b"".join(client.get("/data/estimates.csv").streaming_content).decode()
    rows = [row for row in csv.DictReader(io.StringIO(body)) if row["incident"] in slugs]
    by_incident: dict[str, list[dict]] = {slug: [] for slug in slugs}
    for row in rows:
        by_incident[row["incident"]].append(row)
    return brute_force(by_incident.values())


@pytest.mark.django_db
@pytest.mark.parametrize("category", ["massacre", "deportation"])
def test_a_category_pages_total_is_the_hand_sum_of_the_open_data(client, small_archive, category):
    page = client.get(f"/categories/{category}/").content.decode()
    expected = hand_sum_from_open_data(client, category)
    assert expected
    for measure, total in expected.items():
        label = Measure(measure).label
        if total["high_open"]:
            text = f"≥ {total['low']:,} {label}"
        elif total["low"] == total["high"]:
            text = f"{total['low']:,} {label}"
        else:
            text = f"{total['low']:,} – {total['high']:,} {label}"
        assert f"<strong>{text}</strong>" in page
        assert (
            f"{total['incidents_with']} incident{'s' if total['incidents_with'] != 1 else ''} "
            f"with a figure, {total['incidents_without']} without"
        ) in page


@pytest.mark.django_db
def test_the_method_page_explains_the_totals(client):
    page = client.get("/about/").content.decode()
    assert 'id="totals"' in page
    for words in ("once", "“up to 2,000”", "“almost 1,000”", "“≥”", "without a figure", "Rejected"):
        assert words in page


# -- Query counts ---------------------------------------------------------------------------

TOTALLED = [
    "/categories/massacre/",
    "/perpetrators/nkvd/",
    "/places/katyn/",
    "/contexts/world-war-ii/",
    "/countries/russia/",
    "/incidents/",
    "/incidents/?country=Russia",
    "/incidents/?context=world-war-ii",
    "/api/aggregates/",
    "/api/aggregates/?country=Russia&category=massacre",
]


def queries_of(client, url: str) -> int:
    cache.clear()
    caches["shared"].clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200, url
    return len(queries)


@pytest.mark.django_db
def test_pages_with_totals_cost_as_many_queries_for_20_incidents_as_for_2(
    client, django_assert_max_num_queries
):
    war = Context.objects.create(name="World War II", slug="world-war-ii")
    place, actor = make_place("Katyń", country="Russia"), make_actor("NKVD")

    def grow(count: int) -> None:
        while IncidentVersion.objects.published().count() < count:
            n = IncidentVersion.objects.published().count()
            figures = [
                {"ref": f"f{n}-1", "low": 10 * n, "best": None, "high": 20 * n + 5},
                {"ref": f"f{n}-2", "best": n, "measure": "deported", "qualifier": "over"},
                {"ref": f"f{n}-3", "best": 2, "scope": "girls", "part_of": f"f{n}-1"},
            ]
            version = make_published_figures(f"incident-{n}", *figures, context=war)
            version.places.add(place)
            version.perpetrators.add(actor)

    grow(2)
    few = {url: queries_of(client, url) for url in TOTALLED}
    grow(20)
    for url in TOTALLED:
        cache.clear()
        caches["shared"].clear()
        with django_assert_max_num_queries(few[url]):
            assert client.get(url).status_code == 200
    assert "20 incidents with a figure" in client.get("/countries/russia/").content.decode()


# -- The property: totals are the brute-force sum over any archive --------------------------

MEASURES = ["killed", "died", "deported"]
ASSESSMENTS = ["preferred", "accepted", "contested", "rejected"]


def top_of(figure: Mapping[str, Any]) -> int:
    """The most a count allows (10,000,000 when it has no top, like "over 20,000")."""
    if figure["qualifier"] in OPEN_TOP and figure["high"] is None:
        return 10**7
    return max(figure[key] for key in ("low", "best", "high") if figure[key] is not None)


@st.composite
def figures_of_an_incident(draw) -> list[dict]:
    """A few figures of one incident: counts of all the victims or of some (a scope), parts
    of an earlier count, shares of one, rates; any qualifier; some rejected."""
    figures: list[dict] = []
    for index in range(draw(st.integers(0, 6))):
        ref = f"f-{index}"
        kind = draw(st.sampled_from(["whole", "whole", "whole", "scoped", "part", "share", "rate"]))
        assessment = draw(st.sampled_from(ASSESSMENTS))
        figure: dict[str, Any] = {
            "ref": ref,
            "measure": draw(st.sampled_from(MEASURES)),
            "qualifier": draw(st.sampled_from(Qualifier.values)),
            "assessment": assessment,
            "assessment_reason": "" if assessment in ("preferred", "accepted") else "Doubted.",
            "low": None,
            "best": None,
            "high": None,
            "scope": "",
            "part_of": "",
            "share_low": None,
            "share_high": None,
            "share_of": "",
            "per": "",
        }
        counts = [f for f in figures if not (f["share_of"] or f["per"])]
        if kind == "share" and counts:
            whole = draw(st.sampled_from(counts))
            low, high = sorted(draw(st.lists(st.integers(0, 100), min_size=2, max_size=2)))
            shape = draw(st.sampled_from(["low", "high", "both"]))
            figure["share_low"] = Decimal(low) if shape != "high" else None
            figure["share_high"] = Decimal(high) if shape != "low" else None
            figure["share_of"] = whole["ref"]
            figures.append(figure)
            continue
        whole = draw(st.sampled_from(counts)) if kind == "part" and counts else None
        # A part is at most what its whole allows: the workflow refuses a larger one.
        most = top_of(whole) if whole else 10**7
        numbers = sorted(draw(st.lists(st.integers(0, most), min_size=3, max_size=3)))
        shape = draw(st.sampled_from(["best", "low", "high", "low-high", "low-best-high"]))
        for key, value in zip(("low", "best", "high"), numbers, strict=True):
            if key in shape.split("-"):
                figure[key] = value
        if kind == "scoped":
            figure["scope"] = draw(st.sampled_from(["girls", "1930–1931", "  "]))  # blank: all
        elif whole:
            figure.update(measure=whole["measure"], part_of=whole["ref"], scope="girls")
        elif kind == "rate":
            figure["per"] = draw(st.sampled_from(Per.values))
            figure["scope"] = draw(st.sampled_from(["", "girls"]))
        figures.append(figure)
    return figures


archives = st.lists(
    st.tuples(figures_of_an_incident(), st.sampled_from(["massacre", "deportation"])),
    min_size=1,
    max_size=5,
)


@pytest.fixture
def editors(db):
    return make_contributor(), make_reviewer(), make_publisher(), make_source()


@pytest.mark.django_db
@settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(archive=archives)
def test_totals_are_the_brute_force_sum_over_random_archives(client, editors, archive):
    """Random archives, each incident taken through the real workflow one version at a time
    (``version_submit``, ``estimate_verify`` for every figure, ``version_approve``,
    ``version_publish``, which stores the headlines with ``archive.totals.derive_figures``),
    each example in a savepoint rolled back after it; then ``totals()`` and
    ``/api/aggregates/`` against ``brute_force``, for the whole archive and for one category."""
    author, reviewer, publisher, source = editors
    with transaction.atomic():
        cache.clear()
        caches["shared"].clear()
        for number, (figures, category) in enumerate(archive):
            version = services.incident_create(
                slug=f"incident-{number}",
                user=author,
                title=f"Incident {number}",
                summary="What happened.",
                date="1941",
                date_text="1941",
            )
            version.categories.add(Category.objects.get(slug=category))
            for figure in figures:
                version.estimates.create(
                    source=source, as_written="as written", claimant="A source", **figure
                )
            services.version_submit(version=version, user=author)
            for estimate in version.estimates.all():
                services.estimate_verify(estimate=estimate, user=reviewer)
            services.version_approve(version=version, user=reviewer)
            services.version_publish(version=version, user=publisher)

        everything = brute_force(figures for figures, _ in archive)
        assert {
            t.measure: {
                "measure": t.measure,
                "low": t.low,
                "high": t.high,
                "high_open": t.high_open,
                "incidents_with": t.incidents_with,
                "incidents_without": t.incidents_without,
            }
            for t in totals(IncidentVersion.objects.published())
            if t.incidents_with
        } == everything
        assert with_figures(aggregates(client)) == everything
        massacres = brute_force(figures for figures, kind in archive if kind == "massacre")
        assert with_figures(aggregates(client, category="massacre")) == massacres
        transaction.set_rollback(True)
