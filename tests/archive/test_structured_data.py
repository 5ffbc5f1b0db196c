"""Incident pages describe themselves in schema.org JSON-LD, safely."""

from __future__ import annotations

import json
import re

import pytest

from archive.models import IncidentPage
from tests.factories import make_place, make_published, make_source
from tests.test_xss import executable


def json_ld(html: str) -> dict:
    found = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(found) == 1, found
    return json.loads(found[0])


@pytest.mark.django_db
def test_an_incident_page_is_a_dataset_about_an_event_with_its_sources(client, settings):
    version = make_published("katyn", title="Katyn massacre", date="1940-04/1940-05")
    version.places.add(make_place("Katyń", country="Russia", latitude=54.77, longitude=31.79))
    estimate = version.estimates.get()
    estimate.source = make_source(
        "naimark-2010", title="Stalin's Genocides", authors="Naimark, Norman M.", year=2010
    )
    estimate.save()
    IncidentPage.objects.all().delete()  # changed behind the workflow's back: render again

    data = json_ld(client.get("/incidents/katyn/").content.decode())

    assert data["@context"] == "https://schema.org" and data["@type"] == "Dataset"
    assert (data["name"], data["url"], data["version"]) == (
        "Katyn massacre",
        "/incidents/katyn/",
        "1",
    )
    assert (
        data["license"]
        == settings.DATA_LICENCE_URL
        == "https://creativecommons.org/licenses/by-sa/4.0/"
    )
    assert data["temporalCoverage"] == "1940-04-01/1940-05-31"
    assert data["about"]["@type"] == "Event"
    assert (data["about"]["startDate"], data["about"]["endDate"]) == ("1940-04-01", "1940-05-31")
    assert data["about"]["location"] == [
        {
            "@type": "Place",
            "name": "Katyń",
            "address": {"@type": "PostalAddress", "addressCountry": "Russia"},
            "geo": {"@type": "GeoCoordinates", "latitude": 54.77, "longitude": 31.79},
        }
    ]
    assert {
        "@type": "CreativeWork",
        "name": "Stalin's Genocides",
        "author": [{"@type": "Person", "name": "Naimark, Norman M."}],
        "datePublished": "2010",
    } in data["citation"]
    assert data["distribution"][0]["contentUrl"] == "/api/incidents/katyn/"


@pytest.mark.django_db
def test_a_title_that_tries_to_end_the_script_stays_data(client):
    title = '</script><script>alert(1)</script><!-- & "quoted"'
    make_published("hostile", title=title, summary="<img src=x onerror=alert(1)>")
    html = client.get("/incidents/hostile/").content.decode()
    assert executable(html) == []
    data = json_ld(html)
    assert data["name"] == data["about"]["name"] == title
    assert data["description"] == "<img src=x onerror=alert(1)>"


@pytest.mark.django_db
def test_the_method_page_states_the_licence_of_the_data(client):
    body = client.get("/about/").content.decode()
    assert (
        '<a href="https://creativecommons.org/licenses/by-sa/4.0/" rel="license">CC BY-SA 4.0</a>'
        in body
    )
