"""Public pages are cached per publication generation: never stale, 304 when unchanged."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from editorial import services
from tests.factories import make_contributor, make_published, make_publisher, make_reviewer

URLS = [
    "/",
    "/incidents/",
    "/incidents/katyn/",
    "/api/incidents/",
    "/api/incidents/katyn/",
    "/api/incidents/?lang=de",
    "/api/incidents/katyn/?lang=pl",
    "/feed/",
    "/sitemap.xml",
    "/corrections/",
]


def republish(version, *, title: str) -> None:
    author = make_contributor()
    draft = services.version_start_draft(incident=version.incident, user=author)
    type(draft).objects.filter(pk=draft.pk).update(title=title)
    services.version_submit(version=draft, user=author)
    reviewer = make_reviewer()
    for estimate in draft.estimates.all():
        services.estimate_verify(estimate=estimate, user=reviewer)
    services.version_approve(version=draft, user=reviewer)
    services.version_publish(version=draft, user=make_publisher(), note="Retitled.")


@pytest.mark.django_db
def test_second_request_is_served_from_the_cache(client):
    make_published("katyn", title="Katyn massacre")
    for url in URLS:
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert len(queries) <= 1, (url, [q["sql"] for q in queries])


@pytest.mark.django_db
def test_publishing_makes_every_cached_page_new(client):
    version = make_published("katyn", title="Katyn massacre")
    with_titles = [url for url in URLS if url != "/sitemap.xml"]
    for url in with_titles:
        client.get(url)  # fills the cache
    republish(version, title="Katyn massacre of 1940")
    for url in with_titles:
        assert b"Katyn massacre of 1940" in client.get(url).content, url


@pytest.mark.django_db
def test_withdrawing_is_seen_at_once(client):
    version = make_published("katyn", title="Katyn massacre")
    assert client.get("/incidents/katyn/").status_code == 200
    services.version_withdraw(version=version, user=make_publisher(), reason="Unsourced.")
    assert client.get("/incidents/katyn/").status_code == 410
    assert b"Katyn massacre" not in client.get("/incidents/").content


@pytest.mark.django_db
def test_editing_a_source_in_place_refreshes_the_pages_that_cite_it(client):
    version = make_published("katyn")
    source = version.estimates.first().source
    assert source.title.encode() in client.get("/incidents/katyn/").content
    source.title = "A corrected title"
    source.save()
    assert b"A corrected title" in client.get("/incidents/katyn/").content


@pytest.mark.django_db
def test_conditional_requests_get_304_until_something_is_published(client):
    version = make_published("katyn")
    first = client.get("/incidents/katyn/")
    etag = first["ETag"]
    assert first["Last-Modified"]
    again = client.get("/incidents/katyn/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    republish(version, title="Changed")
    after = client.get("/incidents/katyn/", HTTP_IF_NONE_MATCH=etag)
    assert after.status_code == 200 and after["ETag"] != etag
