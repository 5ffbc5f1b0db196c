"""The edges of the public site's HTTP: methods, conditional requests, 404s, the page cache."""

from __future__ import annotations

import pytest
from django.core.cache import cache, caches

from archive.caching import cache_address
from tests.crawl import public_urls, url_name
from tests.factories import make_published


@pytest.fixture
def archive(db):
    make_published("katyn-massacre", title="Katyn massacre")
    cache.clear()


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["options", "trace", "post", "put", "patch", "delete"])
def test_every_public_url_answers_only_get_and_head(client, archive, method):
    """The readers' forms (a suggestion, a report) also take POST, and only POST besides."""
    for url in public_urls():
        form = url_name(url) in ("submit", "suggest")
        if form and method == "post":
            continue  # tests/archive/test_reader_submissions.py
        response = client.generic(method.upper(), url)
        assert response.status_code == 405, (method, url)
        allowed = {"GET", "HEAD", "POST"} if form else {"GET", "HEAD"}
        assert set(response["Allow"].replace(" ", "").split(",")) <= allowed, url
        assert b"Katyn" not in response.content, url


@pytest.mark.django_db
def test_if_none_match_is_read_as_rfc_9110_says(client, archive):
    etag = client.get("/incidents/katyn-massacre/")["ETag"]
    assert client.get("/incidents/katyn-massacre/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    listed = f'"other", W/{etag}'
    assert client.get("/incidents/katyn-massacre/", HTTP_IF_NONE_MATCH=listed).status_code == 304
    assert client.get("/incidents/katyn-massacre/", HTTP_IF_NONE_MATCH="*").status_code == 304
    # A tag that merely contains ours (it matched by substring before) is another tag.
    inside = f'"x{etag.strip(chr(34))}x"'
    assert client.get("/incidents/katyn-massacre/", HTTP_IF_NONE_MATCH=inside).status_code == 200
    assert client.get("/incidents/nothing-here/", HTTP_IF_NONE_MATCH="*").status_code == 404


@pytest.mark.django_db
def test_an_unknown_address_under_api_answers_json(client, archive):
    for url in ("/api/incidents/nothing-here/", "/api/nothing/"):
        response = client.get(url)
        assert (response.status_code, response.json()) == (404, {"detail": "Not found."}), url
    assert "<h1>Not found</h1>" in client.get("/incidents/nothing-here/").content.decode()


@pytest.mark.django_db
def test_junk_parameters_never_fill_the_page_cache(client, archive):
    """Requests with distinct junk parameters leave the cache as one page left it."""
    client.get("/sitemap.xml")
    client.get("/incidents/", {"q": "katyn"})
    before = caches["default"].total_bytes
    for n in range(1000):
        assert client.get("/sitemap.xml", {"x": n}).status_code == 200
    assert caches["default"].total_bytes == before


@pytest.mark.django_db
def test_the_cache_key_puts_known_parameters_in_order_and_keeps_repeated_values_in_theirs(rf):
    first = cache_address(rf.get("/incidents/", {"q": "a", "country": "Poland"}))
    assert first == cache_address(rf.get("/incidents/?country=Poland&q=a"))
    assert cache_address(rf.get("/incidents/?q=a&q=b")) != cache_address(
        rf.get("/incidents/?q=b&q=a")
    )
    assert cache_address(rf.get("/incidents/?utm_source=x")) is None


def test_the_worker_cache_stays_within_its_byte_bound():
    from archive.cache_backends import BoundedLocMemCache

    bounded = BoundedLocMemCache(
        "bounded-test", {"OPTIONS": {"MAX_BYTES": 100_000, "MAX_ENTRY_BYTES": 20_000}}
    )
    bounded.clear()
    for n in range(500):
        bounded.set(f"page-{n}", "x" * 5_000)
    assert 95_000 <= bounded.total_bytes <= 100_000
    assert bounded.get("page-499") is not None and bounded.get("page-0") is None
    bounded.set("huge", "x" * 50_000)  # larger than one entry may be: not kept
    assert bounded.get("huge") is None and bounded.total_bytes <= 100_000
    bounded.delete("page-499")
    assert bounded.total_bytes == sum(bounded._sizes.values())
