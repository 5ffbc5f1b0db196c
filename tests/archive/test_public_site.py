"""The public pages, filters, search, API, open data, feed and sitemap."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive.models import Category, Estimate
from tests.factories import make_estimate, make_place, make_published, make_source


def published_with(slug: str, *, place: str = "", country: str = "", **content):
    version = make_published(slug, **content)
    if place:
        version.places.add(make_place(place, country=country))
        from archive.search import index_version

        index_version(version)
    return version


@pytest.fixture
def archive(db):
    katyn = published_with(
        "katyn-massacre",
        title="Katyn massacre",
        place="Katyń",
        country="Russia",
        date="1940-04/1940-05",
    )
    fantana = published_with(
        "fantana-alba-massacre",
        title="Fântâna Albă massacre",
        place="Fântâna Albă",
        country="Ukraine",
        date="1941-04-01",
    )
    berlin = published_with(
        "berlin-rapes",
        title="Mass rapes in Berlin",
        place="Berlin",
        country="Germany",
        date="1945-04/1945-05",
    )
    berlin.categories.set([Category.objects.get(slug="sexual-violence")])
    return {"katyn": katyn, "fantana": fantana, "berlin": berlin}


def titles(response) -> list[str]:
    return [r["title"] for r in response.json()["results"]]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("fantana alba", ["Fântâna Albă massacre"]),
        ("FÂNTÂNA", ["Fântâna Albă massacre"]),
        ("katyn", ["Katyn massacre"]),
        ("katyń", ["Katyn massacre"]),
        ("massacre", ["Katyn massacre", "Fântâna Albă massacre"]),
        ("nothing-like-this", []),
    ],
)
def test_search_ignores_case_and_diacritics(client, archive, query, expected):
    response = client.get("/api/incidents/", {"q": query})
    assert sorted(titles(response)) == sorted(expected)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"country": "germany"}, ["Mass rapes in Berlin"]),
        ({"category": "sexual-violence"}, ["Mass rapes in Berlin"]),
        ({"year_from": 1941}, ["Fântâna Albă massacre", "Mass rapes in Berlin"]),
        ({"year_to": 1940}, ["Katyn massacre"]),
        ({"year_from": 1941, "year_to": 1941}, ["Fântâna Albă massacre"]),
        (
            {"ordering": "-date"},
            ["Mass rapes in Berlin", "Fântâna Albă massacre", "Katyn massacre"],
        ),
    ],
)
def test_filters(client, archive, params, expected):
    response = client.get("/api/incidents/", params)
    found = titles(response)
    assert (found if "ordering" in params else sorted(found)) == (
        expected if "ordering" in params else sorted(expected)
    )
    assert client.get("/incidents/", params).status_code == 200


@pytest.mark.django_db
def test_conflicting_filter_finds_disagreeing_estimates(client, archive):
    version = make_published("fantana-conflict", estimates=0, title="Conflicting")
    assert client.get("/api/incidents/", {"conflicting": "true"}).json()["count"] == 0
    from editorial import services
    from tests.factories import make_contributor, make_publisher, make_reviewer

    draft = services.version_start_draft(incident=version.incident, user=make_contributor())
    make_estimate(draft, low=44, high=3000, as_written="44–3,000")
    make_estimate(draft, best=5000, as_written="5,000")
    services.version_submit(version=draft, user=draft.created_by)
    reviewer = make_reviewer()
    for estimate in draft.estimates.all():
        services.estimate_verify(estimate=estimate, user=reviewer)
    services.version_approve(version=draft, user=reviewer)
    services.version_publish(version=draft, user=make_publisher(), note="Figures added.")

    assert titles(client.get("/api/incidents/", {"conflicting": "true"})) == ["Conflicting"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"year_from": "abc"},
        {"year_to": "1e1000000"},
        {"year_from": "99999999999999999999999"},
        {"ordering": "nonsense"},
    ],
)
def test_bad_filter_input_is_a_400_not_a_500(client, archive, params):
    assert client.get("/incidents/", params).status_code == 400
    response = client.get("/api/incidents/", params)
    assert response.status_code == 400
    assert "errors" in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"page": str(10**9)},
        {"page": "-1"},
        {"page": "abc"},
        {"q": "x" * 10_000},
        {"q": "' OR 1=1 --"},
        {"q": "a & b | !c :* <->"},
        {"country": "x" * 5000},
        {"category": "no-such-category"},
        {"conflicting": "perhaps"},
    ],
)
def test_odd_input_gives_a_result_or_a_4xx_never_a_500(client, archive, params):
    for url in ("/incidents/", "/api/incidents/"):
        assert client.get(url, params).status_code in (200, 400), (url, params)


@pytest.mark.django_db
def test_detail_shows_every_estimate_side_by_side_with_range(client):
    version = make_published("fantana", title="Fântâna Albă massacre", estimates=0)
    from editorial import services
    from tests.factories import make_contributor, make_publisher, make_reviewer

    draft = services.version_start_draft(incident=version.incident, user=make_contributor())
    make_estimate(draft, low=44, high=3000, as_written="44–3,000", claimant="Article")
    make_estimate(draft, best=200, as_written="200", claimant="Survivors")
    make_estimate(
        draft,
        best=9000,
        as_written="9,000",
        claimant="Rumour",
        assessment="rejected",
        assessment_reason="No source gives it.",
    )
    services.version_submit(version=draft, user=draft.created_by)
    reviewer = make_reviewer()
    for estimate in draft.estimates.all():
        services.estimate_verify(estimate=estimate, user=reviewer)
    services.version_approve(version=draft, user=reviewer)
    services.version_publish(version=draft, user=make_publisher(), note="Figures added.")

    page = client.get("/incidents/fantana/").content.decode()
    for text in ("44–3,000", "200", "9,000", "No source gives it.", "<svg", "<desc"):
        assert text in page
    assert "Reported: <strong>44 – 3,000 killed</strong>, 2 sources" in page
    assert "1 rejected estimate left out" in page


@pytest.mark.django_db
def test_markdown_is_rendered_and_scripts_removed(client):
    make_published("xss", description="**bold** <script>alert(1)</script> [x](javascript:alert(1))")
    page = client.get("/incidents/xss/").content.decode()
    assert "<strong>bold</strong>" in page
    assert "<script>alert" not in page and "javascript:" not in page


@pytest.mark.django_db
def test_api_detail_nests_estimates_citations_sources(client, archive):
    data = client.get("/api/incidents/katyn-massacre/").json()
    assert data["slug"] == "katyn-massacre"
    assert data["places"][0]["name"] == "Katyń"
    estimate = data["estimates"][0]
    assert {"ref", "measure", "low", "best", "high", "claimant", "source", "verified"} <= set(
        estimate
    )
    assert estimate["verified"] is True
    assert {s["key"] for s in data["sources"]} >= {estimate["source"]}


@pytest.mark.django_db
def test_api_list_is_paginated(client, archive):
    data = client.get("/api/incidents/").json()
    assert data["count"] == 3 and data["next"] is None and data["previous"] is None


@pytest.mark.django_db
def test_csv_files_use_the_import_columns_and_neutralise_formulas(client, archive):
    Estimate.objects.filter(version=archive["katyn"]).update(
        as_written='=HYPERLINK("http://evil")', claimant="+1", quote="@SUM(A1)", locator="-2"
    )
    from editorial.resources import EstimateResource

    body = b"".join(client.get("/data/estimates.csv").streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    header = body.splitlines()[0].split(",")
    import_columns = [f.column_name for f in EstimateResource().get_import_fields()]
    assert header[: len(import_columns)] == import_columns
    katyn = next(r for r in rows if r["incident"] == "katyn-massacre")
    assert katyn["as_written"] == '\'=HYPERLINK("http://evil")'
    assert (
        katyn["claimant"] == "'+1" and katyn["quote"] == "'@SUM(A1)" and katyn["locator"] == "'-2"
    )
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.django_db
def test_data_files_hold_everything_published(client, archive):
    incidents = b"".join(client.get("/data/incidents.csv").streaming_content).decode()
    assert len(list(csv.DictReader(io.StringIO(incidents)))) == 3
    items = json.loads(b"".join(client.get("/data/incidents.json").streaming_content))
    assert {item["slug"] for item in items} == {
        "katyn-massacre",
        "fantana-alba-massacre",
        "berlin-rapes",
    }
    geo = json.loads(b"".join(client.get("/data/incidents.geojson").streaming_content))
    assert geo["type"] == "FeatureCollection"
    sources = b"".join(client.get("/data/sources.csv").streaming_content).decode()
    assert sources.startswith("key,kind,authors,title,container,year")


@pytest.mark.django_db
def test_feed_sitemap_robots_and_citations(client, archive):
    feed = client.get("/feed/")
    assert (
        feed.status_code == 200 and b"<feed" in feed.content and b"Katyn massacre" in feed.content
    )
    sitemap = client.get("/sitemap.xml").content.decode()
    assert "/incidents/katyn-massacre/" in sitemap
    assert "Sitemap:" in client.get("/robots.txt").content.decode()
    assert (
        b"@misc{incidentarchive-katyn-massacre"
        in client.get("/incidents/katyn-massacre/cite/bibtex/").content
    )
    assert b"TY  - ELEC" in client.get("/incidents/katyn-massacre/cite/ris/").content
    assert json.loads(client.get("/incidents/katyn-massacre/cite/csl-json/").content)[0]["title"]
    assert client.get("/incidents/katyn-massacre/cite/word/").status_code == 404


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.django_db
def test_public_pages_have_constant_queries(client):
    source = make_source()

    def grow(total: int, estimates: int) -> None:
        from archive.models import IncidentVersion

        while IncidentVersion.objects.published().count() < total:
            n = IncidentVersion.objects.count()
            make_published(f"incident-{n}", estimates=1)
        version = IncidentVersion.objects.published().get(incident__slug="incident-0")
        while version.estimates.count() < estimates:
            make_estimate(version, source=source)

    urls = [
        "/",
        "/incidents/",
        "/incidents/incident-0/",
        "/api/incidents/",
        "/api/incidents/incident-0/",
        "/sources/",
        "/corrections/",
        "/feed/",
        "/sitemap.xml",
        "/data/incidents.csv",
        "/data/estimates.csv",
    ]
    grow(5, 2)
    small = {url: count_queries(client, url) for url in urls}
    grow(50, 20)
    large = {url: count_queries(client, url) for url in urls}
    assert large == small


@pytest.mark.django_db
def test_renamed_incident_redirects_permanently_from_its_old_slug(client):
    from django.urls import reverse

    from tests.factories import make_user

    version = make_published("katyn", title="Katyn massacre")
    editor = make_user("editor", "Contributors")
    client.force_login(editor)
    url = reverse("admin:archive_incident_change", args=[version.incident.pk])
    assert client.post(url, {"slug": "katyn-massacre"}).status_code == 302
    client.logout()
    # A published incident's new address waits for a second person.
    assert client.get("/incidents/katyn/").status_code == 200
    from editorial.models import RecordChange
    from editorial.records import record_change_approve

    change = RecordChange.objects.pending().get()
    record_change_approve(change=change, user=make_user("r2", "Reviewers"), public_note="Named.")

    old = client.get("/incidents/katyn/")
    assert old.status_code == 301 and old["Location"] == "/incidents/katyn-massacre/"
    assert client.get("/incidents/katyn-massacre/").status_code == 200


@pytest.mark.django_db
def test_timeline_draws_spans_and_map_lists_places_without_javascript(client, archive):
    timeline = client.get("/timeline/").content.decode()
    assert timeline.count('class="span"') == 3
    assert "Katyn massacre" in timeline
    places = client.get("/map/").content.decode()
    for name in ("Katyń", "Fântâna Albă", "Berlin"):
        assert name in places
    assert client.get("/timeline/", {"year_from": "x"}).status_code == 400


@pytest.mark.django_db
def test_detail_links_related_incidents_that_are_published(client):
    from editorial import services
    from tests.factories import make_contributor, make_draft

    katyn = make_published("katyn", title="Katyn massacre")
    make_published("kalinin", title="Kalinin executions")
    hidden = make_draft(make_contributor(), "hidden", title="Unpublished related")
    draft = services.version_start_draft(incident=katyn.incident, user=make_contributor())
    draft.related.set([hidden.incident, katyn.incident.__class__.objects.get(slug="kalinin")])
    from tests.factories import make_publisher, make_reviewer

    services.version_submit(version=draft, user=draft.created_by)
    reviewer = make_reviewer()
    for estimate in draft.estimates.all():
        services.estimate_verify(estimate=estimate, user=reviewer)
    services.version_approve(version=draft, user=reviewer)
    services.version_publish(version=draft, user=make_publisher(), note="Related added.")
    page = client.get("/incidents/katyn/").content.decode()
    assert "Kalinin executions" in page and "Unpublished related" not in page


def related_incidents_of(client, slug: str) -> dict[str, list[str]]:
    """``related`` of one incident, as the API, the CSV and the JSON file give it."""
    api = client.get(f"/api/incidents/{slug}/").json()["related"]
    rows = csv.DictReader(
        io.StringIO(b"".join(client.get("/data/incidents.csv").streaming_content).decode())
    )
    in_csv = next(row for row in rows if row["slug"] == slug)["related"]
    items = json.loads(b"".join(client.get("/data/incidents.json").streaming_content))
    in_json = next(item for item in items if item["slug"] == slug)["related"]
    return {"api": api, "csv": in_csv.split("|") if in_csv else [], "json": in_json}


@pytest.mark.django_db
def test_related_lists_only_incidents_with_a_published_version(client):
    from editorial import services
    from tests.factories import make_draft, make_publisher

    withdrawn = make_published("withdrawn-one")
    drafted = make_draft(slug="draft-one")
    make_published("katyn", related=[withdrawn.incident, drafted.incident])
    kalinin = make_published("kalinin", related=[withdrawn.incident])
    katyn = kalinin.incident.__class__.objects.get(slug="katyn")
    # Linked once it was published, the incident is withdrawn afterwards.
    services.version_withdraw(version=withdrawn, user=make_publisher(), reason="Not sourced.")
    kalinin.related.add(katyn)

    assert related_incidents_of(client, "katyn") == {"api": [], "csv": [], "json": []}
    assert related_incidents_of(client, "kalinin") == {
        "api": ["katyn"],
        "csv": ["katyn"],
        "json": ["katyn"],
    }


@pytest.mark.django_db
def test_related_incidents_cost_the_same_queries_for_1_and_12(
    client, django_assert_max_num_queries
):
    from django.core.cache import cache

    from tests.factories import make_draft

    urls = ["/api/incidents/katyn/", "/data/incidents.csv", "/data/incidents.json"]
    one = make_published("one")
    katyn = make_published("katyn", related=[one.incident, make_draft(slug="draft-0").incident])
    few = {url: count_queries(client, url) for url in urls}
    for n in range(11):
        katyn.related.add(make_published(f"more-{n}").incident, make_draft(slug=f"d-{n}").incident)
    assert len(related_incidents_of(client, "katyn")["api"]) == 12
    for url in urls:
        cache.clear()
        with django_assert_max_num_queries(few[url]):
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)


@pytest.mark.django_db
def test_the_method_page_says_who_checked_the_demonstration_content(client):
    body = client.get("/about/").content.decode()
    assert "not by a second editor of this archive" in body and "channel “seed”" in body


@pytest.mark.django_db
def test_no_page_outside_the_method_claims_who_checked_a_figure(client):
    """The demonstration content was checked by the project, not by a second editor: the badge,
    the footer and the home page say that a figure was checked and leave the who to the method."""
    make_published("katyn")
    for url in ("/", "/incidents/katyn/"):
        body = client.get(url).content.decode()
        assert "verified</span>" in body or url == "/"
        assert "second editor" not in body, url


@pytest.mark.django_db
def test_a_summary_of_several_paragraphs_cannot_end_or_forge_a_ris_record(client):
    make_published(
        "forged",
        title="Title\nER  - ",
        summary="First paragraph.\r\n\r\nER  - \nTY  - JOUR\nTI  - Forged\u2028record",
    )
    body = client.get("/incidents/forged/cite/ris/").content.decode()
    tags = [line[:6] for line in body.split("\r\n") if line]
    assert tags == [
        "TY  - ",
        "TI  - ",
        "AU  - ",
        "PY  - ",
        "DA  - ",
        "UR  - ",
        "ET  - ",
        "AB  - ",
        "ER  - ",
    ]
    assert "AB  - First paragraph. ER - TY - JOUR TI - Forged record\r\n" in body
    bibtex = client.get("/incidents/forged/cite/bibtex/").content.decode()
    assert "title = {Title ER -}," in bibtex
