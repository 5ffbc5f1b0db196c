"""Snapshots in the admin: on a source's page, "capture now", the filter for gone originals."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from archive.models import Outcome, Source, Trigger
from editorial import services
from tests.factories import (
    make_contributor,
    make_draft,
    make_reviewer,
    make_snapshot,
    make_source,
    make_user,
)

pytestmark = pytest.mark.django_db

WHEN = datetime.datetime(2026, 3, 14, 9, 30, tzinfo=datetime.UTC)


def gone(source) -> None:
    for days in (1, 2):
        make_snapshot(
            source,
            outcome=Outcome.FAILED,
            trigger=Trigger.LINK_CHECK,
            http_status=404,
            error="HTTP 404 Not Found",
            warc_file="",
            captured_at=WHEN + datetime.timedelta(days=days),
        )


def test_a_sources_page_lists_its_snapshots_and_link_health(client):
    source = make_source("memorial", url="https://example.org/memorial")
    copy = make_snapshot(source, captured_at=WHEN)
    gone(source)
    client.force_login(make_contributor())

    page = client.get(reverse("admin:archive_source_change", args=[source.pk])).content.decode()

    assert "Original gone: the last 2 link checks failed (2026-03-16)." in page
    assert "2026-03-14 09:30" in page and copy.sha256 in page
    assert reverse("admin:archive_snapshot_copy", args=[copy.pk]) in page
    assert page.count("HTTP 404 Not Found") == 2


def test_capture_now_queues_a_capture_of_each_chosen_source(
    client, django_capture_on_commit_callbacks
):
    with_url = make_source("with-url", url="https://example.org/a")
    without = make_source("without")
    client.force_login(make_contributor())

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:archive_source_changelist"),
            {"action": "capture_now", "_selected_action": [with_url.pk, without.pk]},
            follow=True,
        )

    assert [m.message for m in response.context["messages"]] == [
        "1 capture(s) queued; they appear on each source's page when done. "
        "1 source(s) without a URL skipped."
    ]
    tasks = DBTaskResult.objects.all()
    assert [task.args_kwargs["args"] for task in tasks] == [[with_url.pk, "admin"]]


def test_capture_now_needs_the_permission(client, django_capture_on_commit_callbacks):
    source = make_source("with-url", url="https://example.org/a")
    client.force_login(make_user("publisher", "Publishers"))
    changelist = reverse("admin:archive_source_changelist")

    assert "capture_now" not in client.get(changelist).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(changelist, {"action": "capture_now", "_selected_action": [source.pk]})
    assert not DBTaskResult.objects.exists()


def test_the_list_of_sources_whose_original_is_gone(client):
    gone(make_source("vanished", url="https://example.org/gone"))
    make_source("answering", url="https://example.org/here")
    client.force_login(make_contributor())

    response = client.get(reverse("admin:archive_source_changelist") + "?original=gone")

    assert [source.key for source in response.context["cl"].result_list] == ["vanished"]


def test_staff_may_read_a_private_copy_in_the_admin_and_others_may_not(client):
    source = make_draft().estimates.get().source
    source.url = "https://example.org/draft"
    copy = make_snapshot(source, b"<p>Draft evidence.</p>")
    address = reverse("admin:archive_snapshot_copy", args=[copy.pk])

    client.force_login(make_contributor())
    response = client.get(address)
    assert response.content == b"<p>Draft evidence.</p>"
    assert response["Content-Security-Policy"].startswith("sandbox;")

    client.force_login(make_user("nobody"))
    assert client.get(address).status_code == 404


def test_a_reviewer_sees_each_figures_archived_copy_beside_its_citation(client):
    author = make_contributor()
    version = make_draft(author)
    services.version_submit(version=version, user=author)
    source = version.estimates.get().source
    Source.objects.filter(pk=source.pk).update(url="https://example.org/report")
    copy = make_snapshot(Source.objects.get(pk=source.pk), captured_at=WHEN)
    client.force_login(make_reviewer())

    page = client.get(reverse("admin:version_review", args=[version.pk])).content.decode()

    assert "Archived copy of 14 March 2026" in page
    assert reverse("admin:archive_snapshot_copy", args=[copy.pk]) in page
    assert copy.sha256 in page


def test_a_reviewer_is_told_when_a_figures_source_has_no_copy_yet(client):
    author = make_contributor()
    version = make_draft(author)
    services.version_submit(version=version, user=author)
    source = version.estimates.get().source
    Source.objects.filter(pk=source.pk).update(url="https://example.org/report")
    client.force_login(make_reviewer())

    page = client.get(reverse("admin:version_review", args=[version.pk])).content.decode()

    assert "No archived copy of" in page
