"""The public change feed (/api/changes/): what a mirror needs to stay in sync."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from archive import changes
from archive.models import Place, PublicChange
from editorial import records, services
from tests.factories import (
    make_contributor,
    make_draft,
    make_published,
    make_publisher,
    make_reviewer,
    make_user,
)

FEED = "/api/changes/"


def republish(version, *, best: int, note: str) -> None:
    author = make_contributor()
    draft = services.version_start_draft(incident=version.incident, user=author)
    draft.estimates.update(best=best, as_written=str(best))
    services.version_submit(version=draft, user=author)
    reviewer = make_reviewer()
    for estimate in draft.estimates.all():
        services.estimate_verify(estimate=estimate, user=reviewer)
    services.version_approve(version=draft, user=reviewer)
    services.version_publish(version=draft, user=make_publisher(), note=note)


def feed(client, url: str = FEED) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()


def seen(body: dict) -> list[tuple[str, str, int]]:
    return [(entry["slug"], entry["change"], entry["version"]) for entry in body["results"]]


@pytest.mark.django_db
def test_publication_correction_record_change_and_withdrawal_arrive_in_order(client):
    katyn = make_published("katyn")
    make_draft(slug="a-draft-nobody-may-see")
    piaśnica = make_published("piasnica")
    republish(katyn, best=250, note="The figure is 250, as on p. 12.")
    place = piaśnica.places.create(name="Piaśnica Wielka", slug="piasnica-wielka")
    change = records.record_change_submit(
        model=Place,
        pk=place.pk,
        values={"name": "Piaśnica", "slug": "piasnica-wielka"},
        user=make_user("clerk", is_superuser=True),
    )
    records.record_change_approve(change=change, user=make_reviewer(), public_note="Renamed.")
    services.version_withdraw(
        version=piaśnica.incident.versions.published().get(),
        user=make_publisher(),
        reason="Duplicate entry.",
    )

    body = feed(client)
    assert seen(body) == [
        ("katyn", "published", 1),
        ("piasnica", "published", 1),
        ("katyn", "corrected", 2),
        ("piasnica", "corrected", 1),
        ("piasnica", "withdrawn", 1),
    ]
    times = [entry["at"] for entry in body["results"]]
    assert times == sorted(times) and all(time.endswith("Z") for time in times)
    assert body["next"] is None
    last = PublicChange.objects.order_by("pk").last()
    assert body["poll"] == f"http://testserver/api/changes/?cursor={last.pk}"
    assert "a-draft-nobody-may-see" not in str(body)


@pytest.mark.django_db
def test_the_migration_announces_the_past_as_the_services_announced_it(client):
    katyn = make_published("katyn")
    piasnica = make_published("piasnica")
    republish(katyn, best=250, note="The figure is 250, as on p. 12.")
    place = piasnica.places.create(name="Piaśnica Wielka", slug="piasnica-wielka")
    change = records.record_change_submit(
        model=Place,
        pk=place.pk,
        values={"name": "Piaśnica", "slug": "piasnica-wielka"},
        user=make_user("clerk", is_superuser=True),
    )
    records.record_change_approve(change=change, user=make_reviewer(), public_note="Renamed.")
    services.version_withdraw(
        version=katyn.incident.versions.published().get(), user=make_publisher(), reason="Twice."
    )
    live = seen(feed(client))
    PublicChange.objects.all().delete()
    migration = importlib.import_module("archive.migrations.0018_public_change_feed")
    migration.announce_what_is_already_public(apps, None)
    cache.clear()
    assert seen(feed(client)) == live


@pytest.mark.django_db
def test_since_starts_the_feed_at_a_moment_and_a_poll_returns_only_what_is_new(client):
    make_published("katyn")
    after_katyn = timezone.now()
    make_published("piasnica")
    body = feed(client, f"{FEED}?since={after_katyn.isoformat().replace('+00:00', 'Z')}")
    assert seen(body) == [("piasnica", "published", 1)]
    assert seen(feed(client, body["poll"])) == []  # nothing new: the same cursor to ask again
    assert feed(client, body["poll"])["poll"] == body["poll"]
    make_published("maoka")
    assert seen(feed(client, body["poll"])) == [("maoka", "published", 1)]
    assert seen(feed(client, f"{FEED}?since=2100-01-01")) == []


@pytest.mark.django_db
def test_a_long_feed_is_read_page_by_page_without_a_gap_or_a_repeat(client, monkeypatch):
    monkeypatch.setattr(changes, "PAGE_SIZE", 2)
    for slug in ("a", "b", "c", "d", "e"):
        make_published(f"incident-{slug}")
    url, pages = FEED, []
    while url:
        body = feed(client, url)
        pages.append([entry["slug"] for entry in body["results"]])
        url = body["next"]
    assert pages == [
        ["incident-a", "incident-b"],
        ["incident-c", "incident-d"],
        ["incident-e"],
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        (
            "since=yesterday",
            "since",
            "“yesterday” is not an ISO 8601 date or time, like 2026-11-30T12:00:00Z.",
        ),
        (
            "since=2026-13-45",
            "since",
            "“2026-13-45” is not an ISO 8601 date or time, like 2026-11-30T12:00:00Z.",
        ),
        ("cursor=-1", "cursor", "Not a cursor this feed gave: follow its next or poll."),
        ("cursor=1e3", "cursor", "Not a cursor this feed gave: follow its next or poll."),
        ("cursor=" + "9" * 19, "cursor", "Not a cursor this feed gave: follow its next or poll."),
    ],
)
def test_a_request_the_feed_cannot_read_is_refused_with_the_reason(client, query, field, message):
    response = client.get(f"{FEED}?{query}")
    assert response.status_code == 400
    assert response.json() == {"errors": {field: [{"message": message, "code": "invalid"}]}}


@pytest.mark.django_db
def test_the_feed_reads_one_page_in_the_same_number_of_queries_for_1_and_1000_changes(client):
    make_published("katyn")

    def queries() -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(FEED).status_code == 200
        return len(captured)

    one = queries()
    version = make_published("piasnica")
    now = timezone.now()
    PublicChange.objects.bulk_create(
        PublicChange(
            incident_id=version.incident_id,
            version=version,
            kind=PublicChange.Kind.CORRECTED,
            at=now + datetime.timedelta(seconds=n),
        )
        for n in range(999)
    )
    assert PublicChange.objects.count() == 1001
    assert queries() == one


@pytest.mark.django_db
def test_a_naive_since_is_read_as_utc():
    assert changes.parse_since("2026-11-30T12:00:00") == datetime.datetime(
        2026, 11, 30, 12, tzinfo=datetime.UTC
    )
    assert changes.parse_since("2026-11-30") == datetime.datetime(2026, 11, 30, tzinfo=datetime.UTC)
