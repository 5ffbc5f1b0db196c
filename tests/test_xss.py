"""Hostile text in every user-entered field reaches no output as markup or a script URL."""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from archive.models import Citation, Estimate, IncidentVersion, Place, Source
from editorial import services
from tests.factories import make_actor, make_contributor, make_published, make_user

CORPUS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    '"><script>alert(1)</script>',
    "javascript:alert(1)",
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=//evil.example></iframe>",
    "'';!--\"<XSS>=&{()}",
    "<details open ontoggle=alert(1)>",
]
DANGEROUS_TAGS = {"iframe", "object", "embed", "xss", "frame", "base"}


class ExecutableFinder(HTMLParser):
    """Collects the markup a browser would run: event handlers, script URLs, inline scripts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in DANGEROUS_TAGS:
            self.found.append(f"<{tag}>")
        if (
            tag == "script"
            and not values.get("src")
            and values.get("type")
            not in (
                "application/json",
                "application/ld+json",  # data: a browser never runs it
            )
        ):
            self.found.append("inline <script>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if (
                name in ("href", "src", "action", "formaction", "xlink:href")
                and value
                and (
                    value.strip().lower().startswith(("javascript:", "data:text/html", "vbscript:"))
                )
            ):
                self.found.append(f"<{tag} {name}={value!r}>")


def executable(html: str) -> list[str]:
    finder = ExecutableFinder()
    finder.feed(html)
    return finder.found


def hostile_archive(payload: str) -> IncidentVersion:
    version = make_published(
        "hostile",
        title=f"T {payload}",
        summary=f"S {payload}",
        description=f"D {payload}",
        date_text=f"W {payload}",
    )
    place = Place.objects.create(
        name=f"P {payload}",
        slug="p",
        alternative_names=payload,
        country=f"C {payload}",
        region=payload,
    )
    version.places.add(place)
    version.perpetrators.add(make_actor(f"A {payload}"))
    Estimate.objects.filter(version=version).update(
        as_written=f"E {payload}",
        claimant=f"K {payload}",
        quote=payload,
        locator=payload,
        assessment="contested",
        assessment_reason=payload,
    )
    Source.objects.filter(estimates__version=version).update(
        title=f"B {payload}",
        authors=payload,
        container=payload,
        publisher=payload,
        url="https://example.org/",
    )
    Citation.objects.filter(version=version).update(quote=payload, note=payload)
    from archive.search import index_version

    index_version(version)
    return version


def body_of(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode()


def html_outputs(client, version) -> dict[str, str]:
    source = version.estimates.first().source
    admin_client = client
    pages = {
        "home": "/",
        "list": "/incidents/",
        "search": "/incidents/?q=hostile",
        "detail": "/incidents/hostile/",
        "sources": "/sources/",
        "source": f"/sources/{source.key}/",
        "place": "/places/p/",
        "timeline": "/timeline/",
        "map": "/map/",
        "corrections": "/corrections/",
    }
    outputs = {name: body_of(admin_client.get(url)) for name, url in pages.items()}
    return outputs


@pytest.mark.django_db
@pytest.mark.parametrize("payload", CORPUS)
def test_no_output_executes_hostile_text(client, payload):
    version = hostile_archive(payload)
    outputs = html_outputs(client, version)
    outputs["feed"] = body_of(client.get("/feed/"))

    staff = make_user("root", is_superuser=True)
    client.force_login(staff)
    for name, url in {
        "admin change": reverse("admin:archive_incidentversion_change", args=[version.pk]),
        "admin review": reverse("admin:version_review", args=[version.pk]),
        "admin history": reverse("admin:archive_incidentversion_history", args=[version.pk]),
        "admin preview": reverse("admin:version_preview", args=[version.pk]),
        "admin list": reverse("admin:archive_incidentversion_changelist") + "?q=x",
    }.items():
        outputs[name] = body_of(client.get(url))
    draft = services.version_start_draft(incident=version.incident, user=make_contributor())
    IncidentVersion.objects.filter(pk=draft.pk).update(title=f"New {payload}")
    outputs["admin diff"] = body_of(client.get(reverse("admin:version_diff", args=[draft.pk])))
    client.logout()

    failures = {name: found for name, html in outputs.items() if (found := executable(html))}
    assert failures == {}

    data = client.get("/api/incidents/hostile/").json()
    assert data["title"] == f"T {payload}"  # JSON carries the text as text, escaped by JSON
    rows = list(csv.reader(io.StringIO(body_of(client.get("/data/estimates.csv")))))
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), cell
    json.loads(body_of(client.get("/data/incidents.json")))


@pytest.mark.django_db
def test_source_links_are_web_addresses_only(client):
    from django.db import IntegrityError, transaction

    version = make_published("hostile")
    source = version.estimates.first().source
    for url in ("javascript:alert(1)", "data:text/html,x", " JAVASCRIPT:alert(1)"):
        with pytest.raises(IntegrityError), transaction.atomic():
            Source.objects.filter(pk=source.pk).update(url=url)
    from archive.templatetags.archive_tags import http_url

    assert http_url("javascript:alert(1)") == "" and http_url("https://x.org") == "https://x.org"
