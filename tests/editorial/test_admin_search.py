"""The admin's search finds a version by its places, claimants and sources, with case and
accents ignored as on the public site; the record boxes (autocomplete) search the same way."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from archive.models import Citation
from tests.factories import make_contributor, make_draft, make_estimate, make_place, make_source

CHANGELIST = reverse("admin:archive_incidentversion_changelist")


def found(client, query: str) -> list[str]:
    response = client.get(CHANGELIST, {"q": query})
    assert response.status_code == 200
    return sorted(version.incident.slug for version in response.context["cl"].result_list)


@pytest.fixture
def drafts(db):
    """Drafts named after the seed's places, claimants and sources, and one with none."""
    author = make_contributor("author")
    zloczow = make_draft(author, "zloczow-prison", title="Prison killings in Eastern Galicia")
    zloczow.places.add(
        make_place("Złoczów", alternative_names="Zolochiv", country="Ukraine"),
        make_place("Stanisławów", alternative_names="Ivano-Frankivsk", country="Ukraine"),
    )
    prisoners = make_draft(author, "german-prisoners", title="German prisoners of war")
    prisoners.estimates.update(claimant="Rüdiger Overmans")
    make_estimate(prisoners, ref="german-prisoners-killed-2", claimant="Rüdiger Overmans")
    romania = make_draft(author, "romanian-clergy", title="Clergy imprisoned")
    Citation.objects.create(
        version=romania,
        source=make_source(
            "martiri-pentru-hristos-2007",
            title="Martiri pentru Hristos, din România, în perioada regimului comunist",
        ),
    )
    make_draft(author, "unrelated", title="Unrelated")
    return author


def test_search_ignores_accents_in_place_names(client, drafts):
    client.force_login(drafts)
    assert found(client, "Zloczow") == ["zloczow-prison"]
    assert found(client, "stanislawow") == ["zloczow-prison"]
    assert found(client, "ZŁOCZÓW") == ["zloczow-prison"]


def test_search_finds_a_place_by_its_other_names(client, drafts):
    client.force_login(drafts)
    assert found(client, "ivano-frankivsk") == ["zloczow-prison"]


def test_search_finds_by_claimant_once_however_many_figures_name_it(client, drafts):
    client.force_login(drafts)
    assert found(client, "rudiger overmans") == ["german-prisoners"]
    assert found(client, "Rüdiger") == ["german-prisoners"]


def test_search_finds_by_the_title_of_an_incidents_source(client, drafts):
    client.force_login(drafts)
    assert found(client, "romania hristos") == ["romanian-clergy"]


def test_search_finds_by_a_figures_source_author(client, drafts):
    client.force_login(drafts)
    version = make_draft(drafts, "kulchabat", title="Kulchabat killings")
    version.estimates.update(source=make_source("beevor-2002", authors="Beevor, Antony"))
    assert found(client, "beevor") == ["kulchabat"]


def test_every_word_must_match_somewhere(client, drafts):
    client.force_login(drafts)
    assert found(client, "zloczow overmans") == []
    assert found(client, "zloczow prison") == ["zloczow-prison"]


def test_search_keeps_matching_titles_and_slugs(client, drafts):
    client.force_login(drafts)
    assert found(client, "unrelated") == ["unrelated"]
    assert found(client, "german-prisoners") == ["german-prisoners"]


def test_a_search_costs_the_same_queries_however_many_versions_match(client, drafts):
    client.force_login(drafts)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(CHANGELIST, {"q": "zloczow galicia"})
        return len(captured)

    assert found(client, "zloczow galicia") == ["zloczow-prison"]
    before = queries()
    place = make_place("Złoczów district", country="Ukraine", region="Galicia")
    for number in range(5):
        make_draft(drafts, f"more-{number}", title="Galicia").places.add(place)
    assert len(found(client, "zloczow galicia")) == 6
    assert queries() == before


def test_place_autocomplete_ignores_accents(client, drafts):
    client.force_login(drafts)
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "term": "zloczow",
            "app_label": "archive",
            "model_name": "incidentversion",
            "field_name": "places",
        },
    )
    assert [result["text"] for result in response.json()["results"]] == ["Złoczów"]
