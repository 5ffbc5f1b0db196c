"""Figures read as what they count on the public page, in the API and in the open data."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive.models import IncidentPage
from tests.factories import make_published_figures

KULCHABAT = [
    {"ref": "shot", "best": 360, "as_written": "360 people", "claimant": "Article"},
    {"ref": "girls", "best": 20, "scope": "girls", "part_of": "shot", "claimant": "Article"},
    {
        "ref": "older",
        "low": 12,
        "qualifier": "over",
        "as_written": "over a dozen",
        "scope": "older people",
        "part_of": "shot",
        "claimant": "Article",
    },
]
QUIGLEY = [
    {"ref": "pows", "measure": "captured", "best": 320000, "as_written": "320,000"},
    {
        "ref": "murdered",
        "best": None,
        "share_low": Decimal("33.33"),
        "share_of": "pows",
        "qualifier": "at_least",
        "as_written": "at least one third",
    },
    {"ref": "daily", "measure": "raped", "best": 10, "per": "day", "scope": "girls"},
]


@pytest.mark.django_db
def test_a_breakdown_is_shown_under_its_whole_and_is_not_a_conflict(client):
    make_published_figures("kulchabat", *KULCHABAT)

    page = client.get("/incidents/kulchabat/").content.decode()
    assert "Reported: <strong>360 killed</strong>, 1 source." in page
    assert "girls, part of 360" in page and "older people, part of 360" in page
    assert "Sources disagree" not in page and "<svg" not in page  # nothing to compare
    assert client.get("/api/incidents/", {"conflicting": "true"}).json()["count"] == 0

    data = client.get("/api/incidents/kulchabat/").json()
    assert data["conflicting_estimates"] is False
    assert data["headline"] == [
        {
            "measure": "killed",
            "low": 360,
            "high": 360,
            "low_open": False,
            "high_open": False,
            "text": "360 killed",
        }
    ]
    girls = next(e for e in data["estimates"] if e["ref"] == "girls")
    assert {
        k: girls[k] for k in ("scope", "part_of", "share_low", "share_high", "share_of", "per")
    } == {
        "scope": "girls",
        "part_of": "shot",
        "share_low": None,
        "share_high": None,
        "share_of": None,
        "per": None,
    }


@pytest.mark.django_db
def test_a_share_reads_as_written_with_its_derived_count_labelled_and_a_rate_is_never_a_count(
    client,
):
    make_published_figures("quigley", *QUIGLEY)

    page = client.get("/incidents/quigley/").content.decode()
    assert (
        "<strong>Killed: no overall figure; given separately: at least 33.33 % of 320,000 "
        "captured</strong>" in page
    )
    assert (
        "Derived count: 106,656 – 320,000 (our arithmetic from the percentage, not a figure the "
        "source gives)"
    ) in page
    assert "Raped: no overall figure; given separately: 10 girls a day" in page

    data = client.get("/api/incidents/quigley/").json()
    murdered = next(e for e in data["estimates"] if e["ref"] == "murdered")
    assert (murdered["low"], murdered["best"], murdered["high"]) == (None, None, None)
    assert (murdered["share_low"], murdered["share_of"]) == (33.33, "pows")
    assert {h["measure"]: (h["low"], h["high"]) for h in data["headline"]} == {
        "killed": (None, None),
        "raped": (None, None),
        "captured": (320000, 320000),
    }

    body = b"".join(client.get("/data/estimates.csv").streaming_content).decode()
    rows = {row["ref"]: row for row in csv.DictReader(io.StringIO(body))}
    assert list(rows["murdered"])[-9:] == [
        "scope",
        "part_of",
        "share_low",
        "share_high",
        "share_of",
        "per",
        "verified",
        "snapshot_url",
        "snapshot_sha256",
    ]
    assert (rows["murdered"]["share_low"], rows["murdered"]["share_of"]) == ("33.33", "pows")
    assert (rows["daily"]["per"], rows["daily"]["scope"]) == ("day", "girls")


@pytest.mark.django_db
def test_figures_that_count_the_same_thing_and_cannot_both_be_true_are_flagged(client):
    make_published_figures(
        "pows",
        {
            "best": 381067,
            "claimant": "Soviet archives",
            "claim_year": 1956,
            "measure": "died_in_custody",
        },
        {
            "best": 1000000,
            "qualifier": "about",
            "claimant": "Overmans",
            "claim_year": 2000,
            "measure": "died_in_custody",
        },
    )
    page = client.get("/incidents/pows/").content.decode()
    assert "Reported: <strong>381,067 – 1,000,000 died in custody</strong>, 1 source." in page
    assert "Sources disagree</strong> on died in custody: “1000000” (Overmans) is more than" in page
    assert ">Soviet archives, 1956</text>" in page and ">Overmans, 2000</text>" in page
    assert client.get("/api/incidents/", {"conflicting": "true"}).json()["count"] == 1


@pytest.mark.django_db
def test_the_page_and_the_api_cost_the_same_queries_for_2_or_20_related_figures(client):
    counts = {}
    for figures in (2, 20):
        rows = [{"ref": "whole", "best": 10000}] + [
            {"best": 10, "scope": f"group {n}", "part_of": "whole"} for n in range(figures - 1)
        ]
        make_published_figures(f"many-{figures}", *rows)
        for url in (f"/api/incidents/many-{figures}/", f"/incidents/many-{figures}/"):
            cache.clear()
            IncidentPage.objects.all().delete()  # render the page, not the stored copy
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts[(url.split("many")[0], figures)] = len(queries)
    assert counts[("/api/incidents/", 2)] == counts[("/api/incidents/", 20)]
    assert counts[("/incidents/", 2)] == counts[("/incidents/", 20)]


@pytest.mark.django_db
def test_figures_published_in_different_years_are_drawn_by_year_with_a_table_and_a_text(client):
    make_published_figures(
        "by-year",
        {
            "best": 381067,
            "claimant": "Soviet archives",
            "claimant_position": "perpetrator_state",
            "claim_year": 1956,
            "measure": "died_in_custody",
        },
        {
            "low": 500000,
            "best": None,
            "qualifier": "over",
            "claimant": "Victims' association",
            "claimant_position": "victim_side",
            "claim_year": 1974,
            "measure": "died_in_custody",
        },
        {
            "best": 1000000,
            "qualifier": "about",
            "claimant": "Overmans",
            "claimant_position": "independent_scholarship",
            "claim_year": 2000,
            "measure": "died_in_custody",
        },
        {"best": 20, "scope": "women", "claim_year": 1990, "measure": "died_in_custody"},
    )
    page = client.get("/incidents/by-year/").content.decode()
    assert page.count('class="year-chart"') == 1  # the scoped figure is not compared
    assert (
        "Died in custody, by the year each figure was published: 1956, Soviet archives (the "
        "perpetrator state&#x27;s own records): 381067; 1974, Victims&#x27; association (the "
        "victims&#x27; side or their state): 500000; 2000, Overmans (independent scholarship): "
        "1000000."
    ) in page
    assert "<caption>Died in custody, by year of publication</caption>" in page
    for legend in ("the perpetrator state&#x27;s own records", "independent scholarship"):
        assert f"</svg> {legend}</li>" in page
    assert 'class="mark m-circle"' in page and 'class="mark m-square"' in page
    assert "no upper figure" in page  # "over 500,000" has no top


@pytest.mark.django_db
def test_one_dated_figure_draws_no_chart_by_year(client):
    make_published_figures("one-year", {"best": 5, "claim_year": 1956}, {"best": 6})
    assert 'class="year-chart"' not in client.get("/incidents/one-year/").content.decode()


@pytest.mark.django_db
def test_the_incident_page_links_its_context_and_the_country_of_each_place(client):
    from archive.models import Context, Place

    version = make_published_figures("linked", {"best": 5})
    version.places.add(Place.objects.create(name="Katyń", slug="katyn", country="Russia"))
    context = Context.objects.create(name="World War II", slug="world-war-ii")
    type(version).objects.filter(pk=version.pk).update(context=context)
    IncidentPage.objects.all().delete()
    page = client.get("/incidents/linked/").content.decode()
    assert '<a href="/contexts/world-war-ii/">World War II</a>' in page
    assert '(<a href="/countries/russia/">Russia</a>)' in page
    assert client.get("/countries/russia/").status_code == 200
