"""Totals across incidents: /api/aggregates/, checked against sums worked out by hand."""

from __future__ import annotations

import pytest

from archive.models import Category, Context
from editorial import services
from tests.factories import (
    make_contributor,
    make_draft,
    make_place,
    make_published,
    make_publisher,
    make_reviewer,
    make_source,
)


def aggregates(client, **params) -> list[dict]:
    response = client.get("/api/aggregates/", params)
    assert response.status_code == 200
    return response.json()["results"]


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
    open_ended = make_published(
        "open-ended", estimates=0, figures=[OVER], title="Over twenty thousand", context=war
    )
    open_ended.categories.set([Category.objects.get(slug="deportation")])
    open_ended.places.add(make_place("Katyń", country="Russia"))
    make_published("up-to", estimates=0, figures=[UP_TO], title="Up to two thousand")
    make_published("ranges", estimates=0, figures=RANGE, title="Ranges, parts and shares")
    make_published("only-parts", estimates=0, figures=ONLY_PARTS, title="Listed by group")
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
    published = make_published("published", estimates=0, figures=[{"best": 100}])
    make_draft(author, "a-draft", estimates=0, figures=[{"best": 5000}])
    in_review = make_draft(author, "in-review", estimates=0, figures=[{"best": 7000}])
    services.version_submit(version=in_review, user=author)
    withdrawn = make_published("withdrawn", estimates=0, figures=[{"best": 3000}])
    services.version_withdraw(version=withdrawn, user=publisher, reason="Not sourced.")
    corrected = make_published("corrected", estimates=0, figures=[{"best": 40}])
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


@pytest.mark.django_db
def test_a_measure_listed_only_by_group_has_no_figure_to_add(client):
    make_published("only-parts", estimates=0, figures=ONLY_PARTS)
    assert aggregates(client)[0] == {
        "measure": "killed",
        "low": 0,
        "high": 0,
        "high_open": False,
        "incidents_with": 0,
        "incidents_without": 1,
    }
