"""The leak crawl: every public URL the archive can answer for what is in the database, read
as a stranger would, and searched for text that must not be public.

Every incident, source, place, actor, category, context and country in the database is tried,
published or not, so a page that ought to answer 404 is read too. Tests call ``leaks`` after
each scenario.
"""

from __future__ import annotations

import gzip
import io
import zipfile
from collections.abc import Iterable, Iterator
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponseBase
from django.test import Client
from django.urls import resolve, reverse
from django.utils import translation
from django.utils.text import slugify

from archive.locale import page_names
from archive.models import (
    Actor,
    Category,
    Context,
    Incident,
    IncidentAlias,
    Place,
    Release,
    Snapshot,
    Source,
)

# Every public URL name and whether the crawl reads it. A test fails when a URL is added to
# the site without being listed here, so no new page escapes the crawl.
CRAWLED_NAMES = {
    "home",
    "about",
    "timeline",
    "map",
    "incident_list",
    "incident",
    "cite",
    "suggest",
    "submit",
    "source_list",
    "source",
    "snapshot",
    "snapshot_warc",
    "perpetrator",
    "place",
    "category",
    "context",
    "country",
    "corrections",
    "api_incident_list",
    "api_incident",
    "api_aggregates",
    "api_changes",
    "api_openapi",
    "data_incidents_csv",
    "data_estimates_csv",
    "data_sources_csv",
    "data_incidents_json",
    "data_incidents_geojson",
    "data",
    "release",
    "release_zip",
    "feed",
    "sitemap",
    "robots",
}

# The names whose URLs take a record's slug or key; the others are read once each.
PER_RECORD = {
    "incident",
    "cite",
    "suggest",
    "source",
    "snapshot",
    "snapshot_warc",
    "perpetrator",
    "place",
    "category",
    "context",
    "country",
    "api_incident",
    "release",
    "release_zip",
}


def url_name(url: str) -> str | None:
    """The name of the public URL an address (of any language) resolves to."""
    path = url.partition("?")[0]
    with translation.override(translation.get_language_from_path(path) or "en"):
        return resolve(path).url_name


def in_every_language(urls: list[str]) -> list[str]:
    """The URLs, and after them each page's address in the other languages (/de/…): every
    language's pages are read. The machine addresses (API, data files, feed) have one."""
    prefixes = [f"/{code}" for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
    pages = [url for url in urls if resolve(url.partition("?")[0]).url_name in page_names()]
    return urls + [prefix + url for prefix in prefixes for url in pages]


def public_urls() -> list[str]:
    """Every public URL for what the database holds now, in every language."""
    slugs = [*Incident.objects.values_list("slug", flat=True)]
    slugs += IncidentAlias.objects.values_list("slug", flat=True)
    urls = [reverse(f"archive:{name}") for name in sorted(CRAWLED_NAMES - PER_RECORD)]
    urls += [reverse("archive:incident_list") + "?conflicting=true"]
    countries = sorted(set(Place.objects.exclude(country="").values_list("country", flat=True)))
    for context in Context.objects.values_list("slug", flat=True):
        urls.append(reverse("archive:incident_list") + f"?context={context}")
        urls.append(reverse("archive:api_aggregates") + f"?context={context}")
        urls.append(reverse("archive:context", args=[context]))
    for country in countries:
        urls.append(reverse("archive:api_aggregates") + f"?{urlencode({'country': country})}")
        if slugify(country):
            urls.append(reverse("archive:country", args=[slugify(country)]))
    for slug in slugs:
        urls.append(reverse("archive:incident", args=[slug]))
        urls.append(reverse("archive:api_incident", args=[slug]))
        urls.append(reverse("archive:suggest", args=[slug]))
        urls += [reverse("archive:cite", args=[slug, style]) for style in ("bibtex", "ris")]
    urls += [
        reverse("archive:source", args=[key])
        for key in Source.objects.values_list("key", flat=True)
    ]
    # Every snapshot, of published sources or not: a private copy must answer 404.
    for key, pk in Snapshot.objects.values_list("source__key", "pk"):
        urls += [
            reverse("archive:snapshot", args=[key, pk]),
            reverse("archive:snapshot_warc", args=[key, pk]),
        ]
    urls += [
        reverse("archive:place", args=[s]) for s in Place.objects.values_list("slug", flat=True)
    ]
    urls += [
        reverse("archive:perpetrator", args=[s])
        for s in Actor.objects.values_list("slug", flat=True)
    ]
    urls += [
        reverse("archive:category", args=[s])
        for s in Category.objects.values_list("slug", flat=True)
    ]
    for name in Release.objects.values_list("name", flat=True):
        urls += [
            reverse("archive:release", args=[name]),
            reverse("archive:release_zip", args=[name]),
        ]
    return in_every_language(urls)


def body_text(response: HttpResponseBase) -> str:
    """A response's text; a zip's is the text of every file in it, so a search reads them all."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type") == "application/zip":
        archive = zipfile.ZipFile(io.BytesIO(body))
        return "\n".join(archive.read(name).decode() for name in archive.namelist())
    if response.get("Content-Type") == "application/warc":  # a snapshot's gzipped WARC file
        return gzip.decompress(body).decode(errors="replace")
    return body.decode()


def pages(client: Client | None = None) -> Iterator[tuple[str, int, str]]:
    """(url, status, body) for every public URL, following the redirects of old addresses."""
    client = client or Client()
    for url in public_urls():
        response = client.get(url, follow=True)
        yield url, response.status_code, body_text(response)


def leaks(
    markers: Iterable[str], client: Client | None = None, *, announced: Iterable[str] = ()
) -> list[tuple[str, str]]:
    """(url, marker) for every public page that shows one of ``markers``; also fails on a
    server error, which would hide a page from the crawl.

    A marker may be a text or an unpublished incident's slug. A page whose own address names
    the marker and that refuses it (404, 410) is not counted: an incident's own address is
    where its slug rightly answers "not found" or "withdrawn". ``announced``: the slugs of
    withdrawn incidents, which the change feed names so that mirrors remove them."""
    markers, announced = list(markers), set(announced)
    feed = reverse("archive:api_changes")
    found = []
    for url, status, body in pages(client):
        assert status in (200, 404, 410), f"{url} answered {status}"
        found += [
            (url, marker)
            for marker in markers
            if marker in body
            and not (marker in url and status in (404, 410))
            and not (url.startswith(feed) and marker in announced)
        ]
    return found
