"""Readers see each cited web source's archived copy beside the original link."""

from __future__ import annotations

import base64
import csv
import datetime
import hashlib
import io
import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from archive.models import Outcome, Source, Trigger
from editorial.snapshots.capture import source_capture
from tests.factories import make_draft, make_published, make_snapshot
from tests.web import PAGE, running_server

pytestmark = pytest.mark.django_db

WHEN = datetime.datetime(2026, 3, 14, 9, 30, tzinfo=datetime.UTC)


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", response.content.decode()))


@pytest.fixture
def cited():
    """A published incident and the web source it cites."""
    version = make_published("katyn")
    source = version.estimates.get().source
    Source.objects.filter(pk=source.pk).update(url="https://example.org/katyn")
    source.refresh_from_db()
    return version, source


def test_the_source_page_and_the_footnote_show_the_copy_its_date_and_hash(client, cited):
    version, source = cited
    copy = make_snapshot(source, b"<p>The page as it was.</p>", captured_at=WHEN)

    for url in (reverse("archive:source", args=[source.key]), version.get_absolute_url()):
        response = client.get(url)
        page = response.content.decode()
        assert "Archived copy of 14 March 2026" in text(response), url
        assert f'href="{copy.get_absolute_url()}"' in page
        assert f'<code class="hash">{copy.sha256}</code>' in page
        assert f'href="{copy.get_warc_url()}"' in page
        assert 'href="https://example.org/katyn"' in page  # the original beside it
        assert "Original unavailable" not in page


def test_the_copy_is_served_as_captured_in_a_sandbox(client, cited):
    _, source = cited
    body = b"<p>The page as it was.</p><script>alert(1)</script>"
    copy = make_snapshot(source, body, captured_at=WHEN)

    response = client.get(copy.get_absolute_url())

    assert response.status_code == 200
    assert response.content == body
    assert hashlib.sha256(response.content).hexdigest() == copy.sha256
    assert response["Content-Type"] == "text/html"
    assert response["Content-Security-Policy"].startswith("sandbox; default-src 'none'")
    digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
    assert response["Repr-Digest"] == f"sha-256=:{digest}:"
    assert response["Link"] == '<https://example.org/katyn>; rel="original"'
    assert response["Memento-Datetime"] == "Sat, 14 Mar 2026 09:30:00 GMT"


def test_the_warc_file_is_served_as_stored(client, cited):
    _, source = cited
    copy = make_snapshot(source)

    response = client.get(copy.get_warc_url())

    assert response.status_code == 200
    assert response["Content-Type"] == "application/warc"
    assert hashlib.sha256(response.content).hexdigest() == copy.warc_sha256


def test_a_copy_of_a_source_only_a_draft_cites_stays_private(client):
    source = make_draft().estimates.get().source
    Source.objects.filter(pk=source.pk).update(url="https://example.org/draft")
    source.refresh_from_db()
    copy = make_snapshot(source)

    assert client.get(copy.get_absolute_url()).status_code == 404
    assert client.get(copy.get_warc_url()).status_code == 404
    assert client.get(reverse("archive:source", args=[source.key])).status_code == 404


def test_a_failed_capture_is_not_served(client, cited):
    _, source = cited
    failed = make_snapshot(source, outcome=Outcome.FAILED, http_status=404, error="HTTP 404")

    assert client.get(failed.get_absolute_url()).status_code == 404
    assert "Archived copy" not in text(client.get(reverse("archive:source", args=[source.key])))


def test_a_copy_under_another_sources_key_is_not_found(client, cited):
    _, source = cited
    copy = make_snapshot(source)
    other = make_published("other").estimates.get().source
    address = reverse("archive:snapshot", args=[other.key, copy.pk])

    assert client.get(address).status_code == 404


def test_after_two_failed_link_checks_the_page_says_the_original_is_unavailable(client, cited):
    version, source = cited
    make_snapshot(source, captured_at=WHEN)
    for days in (1, 2):
        make_snapshot(
            source,
            outcome=Outcome.FAILED,
            trigger=Trigger.LINK_CHECK,
            error="HTTP 404 Not Found",
            captured_at=WHEN + datetime.timedelta(days=days),
        )

    for url in (reverse("archive:source", args=[source.key]), version.get_absolute_url()):
        assert "Original unavailable; archived copy of 14 March 2026" in text(client.get(url))


def test_one_failed_link_check_is_not_enough(client, cited):
    _, source = cited
    make_snapshot(source, captured_at=WHEN)
    make_snapshot(
        source, outcome=Outcome.FAILED, trigger=Trigger.LINK_CHECK, error="HTTP 404 Not Found"
    )

    page = text(client.get(reverse("archive:source", args=[source.key])))
    assert "Archived copy of 14 March 2026" in page
    assert "Original unavailable" not in page


def test_a_new_capture_reaches_the_stored_and_cached_pages(client, cited, settings):
    version, source = cited
    settings.SNAPSHOT_ALLOW_PRIVATE = True
    before = text(client.get(version.get_absolute_url()))
    assert "Archived copy" not in before
    with running_server() as server:
        Source.objects.filter(pk=source.pk).update(url=f"{server.url}/page")
        source.refresh_from_db()
        source_capture(source=source, trigger=Trigger.COMMAND)

    today = timezone.now().strftime("%-d %B %Y")
    for url in (version.get_absolute_url(), reverse("archive:source", args=[source.key])):
        page = client.get(url).content.decode()
        assert f"Archived copy of {today}" in page
        assert hashlib.sha256(PAGE).hexdigest() in page


def test_check_links_finding_a_published_source_gone_reaches_its_stored_page(
    client, cited, settings
):
    version, source = cited
    settings.SNAPSHOT_ALLOW_PRIVATE = True
    with running_server() as server:
        Source.objects.filter(pk=source.pk).update(url=f"{server.url}/missing")
        make_snapshot(Source.objects.get(pk=source.pk), captured_at=WHEN)  # when it answered
        assert "Archived copy of 14 March 2026" in text(client.get(version.get_absolute_url()))
        call_command("check_links", stdout=StringIO())
        call_command("check_links", stdout=StringIO())

    page = text(client.get(version.get_absolute_url()))
    assert "Original unavailable; archived copy of 14 March 2026" in page


def test_the_api_traces_each_figure_to_its_citation_copy_and_verification(client, cited):
    version, source = cited
    copy = make_snapshot(source, captured_at=WHEN)
    estimate = version.estimates.get()

    [data] = client.get(reverse("archive:api_incident", args=["katyn"])).json()["estimates"]

    assert data["provenance"] == {
        "citation": {"source": source.key, "locator": estimate.locator, "quote": estimate.quote},
        "snapshot": {
            "url": "http://testserver" + copy.get_absolute_url(),
            "sha256": copy.sha256,
            "captured_at": "2026-03-14T09:30:00+00:00",
        },
        "verified": {"at": estimate.verified_at.isoformat(), "by_role": "reviewer"},
    }
    assert estimate.verified_by.username not in json.dumps(data)


def test_a_figure_whose_source_has_no_copy_has_a_null_snapshot(client, cited):
    [data] = client.get(reverse("archive:api_incident", args=["katyn"])).json()["estimates"]

    assert data["provenance"]["snapshot"] is None


def test_the_estimates_file_names_each_figures_archived_copy(client, cited):
    _, source = cited
    copy = make_snapshot(source)

    body = b"".join(client.get(reverse("archive:data_estimates_csv")).streaming_content)
    [row] = csv.DictReader(io.StringIO(body.decode()))

    assert row["snapshot_url"] == "http://testserver" + copy.get_absolute_url()
    assert row["snapshot_sha256"] == copy.sha256


def test_the_open_data_json_carries_the_same_provenance(client, cited):
    _, source = cited
    copy = make_snapshot(source)

    body = b"".join(client.get(reverse("archive:data_incidents_json")).streaming_content)
    [incident] = json.loads(body)

    assert incident["estimates"][0]["provenance"]["snapshot"]["sha256"] == copy.sha256


def test_the_incident_pages_structured_data_names_each_sources_archived_copy(client, cited):
    version, source = cited
    copy = make_snapshot(source, captured_at=WHEN)

    html = client.get(version.get_absolute_url()).content.decode()
    [found] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    [work] = json.loads(found)["citation"]

    assert work["url"] == "https://example.org/katyn"
    assert work["archivedAt"] == {
        "@type": "WebPage",
        "url": copy.get_absolute_url(),
        "dateCreated": "2026-03-14T09:30:00+00:00",
        "identifier": {"@type": "PropertyValue", "propertyID": "SHA-256", "value": copy.sha256},
    }


def test_pages_that_show_archived_copies_read_the_same_queries_for_more_sources(client):
    """The incident page, its API item and the estimates file read each source's copy in one
    batch, not a query per source."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from archive.models import IncidentPage
    from tests.factories import make_estimate, make_source

    version = make_published("katyn")
    urls = ["/incidents/katyn/", "/api/incidents/katyn/", "/data/estimates.csv"]

    def counts() -> list[int]:
        found = []
        for url in urls:
            cache.clear()
            IncidentPage.objects.all().delete()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
                if response.streaming:
                    b"".join(response.streaming_content)
            found.append(len(queries))
        return found

    def add_cited_copies(first: int, n: int) -> None:
        for number in range(first, first + n):
            source = make_source(f"web-{version.pk}-{number}", url=f"https://example.org/{number}")
            make_snapshot(source, captured_at=WHEN)
            make_estimate(version, ref=f"katyn-extra-{number}", source=source)

    add_cited_copies(0, 1)
    few = counts()
    add_cited_copies(1, 4)
    assert counts() == few
