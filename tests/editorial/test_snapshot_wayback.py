"""Submitting a source to the Internet Archive: off by default, and never for a source marked
"never send to third parties"."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from archive.models import Source
from tests.factories import make_contributor
from tests.web import running_server

pytestmark = pytest.mark.django_db

WAYBACK = "editorial.snapshots.wayback.wayback_submit"


@pytest.fixture
def server(settings):
    settings.SNAPSHOT_ALLOW_PRIVATE = True
    with running_server() as server:
        settings.WAYBACK_ENDPOINT = f"{server.url}/save"
        settings.WAYBACK_ACCESS_KEY, settings.WAYBACK_SECRET_KEY = "access", "secret"
        yield server


def save_source(client, url: str, **extra: str) -> Source:
    client.force_login(make_contributor())
    response = client.post(
        reverse("admin:archive_source_add"),
        {"key": "memorial", "kind": "web_page", "title": "Katyn", "url": url, **extra},
    )
    assert response.status_code == 302
    return Source.objects.get(key="memorial")


def queued(path: str) -> int:
    return DBTaskResult.objects.filter(task_path=path).count()


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def test_nothing_is_sent_to_a_third_party_by_default(
    client, server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        save_source(client, f"{server.url}/page")
    run_worker()

    assert queued(WAYBACK) == 0
    assert server.posts == []
    assert server.requests == ["/page"]  # the archive's own capture goes on


def test_when_turned_on_a_saved_source_is_submitted_with_the_operators_keys(
    client, server, settings, django_capture_on_commit_callbacks
):
    settings.WAYBACK_SPN2 = True
    with django_capture_on_commit_callbacks(execute=True):
        save_source(client, f"{server.url}/page")
    run_worker()

    assert server.posts == [
        (
            "/save",
            "LOW access:secret",
            f"url=http%3A%2F%2F127.0.0.1%3A{server.server_address[1]}%2Fpage&capture_outlinks=0",
        )
    ]
    result = DBTaskResult.objects.get(task_path=WAYBACK)
    assert result.status == "SUCCESSFUL"
    assert result.return_value == {"submitted": True, "job_id": "spn2-0123", "url": "posted"}


def test_a_source_marked_never_send_to_third_parties_is_never_submitted(
    client, server, settings, django_capture_on_commit_callbacks
):
    settings.WAYBACK_SPN2 = True
    with django_capture_on_commit_callbacks(execute=True):
        save_source(client, f"{server.url}/page", never_third_parties="on")
    run_worker()

    assert queued(WAYBACK) == 0
    assert server.posts == []
    assert Source.objects.get(key="memorial").snapshots.count() == 1


def test_a_source_marked_after_its_submission_was_queued_is_not_sent(
    client, server, settings, django_capture_on_commit_callbacks
):
    settings.WAYBACK_SPN2 = True
    with django_capture_on_commit_callbacks(execute=True):
        source = save_source(client, f"{server.url}/page")
    Source.objects.filter(pk=source.pk).update(never_third_parties=True)
    run_worker()

    assert server.posts == []
    assert DBTaskResult.objects.get(task_path=WAYBACK).return_value == {"submitted": False}


def test_without_keys_nothing_is_sent_even_when_turned_on(
    client, server, settings, django_capture_on_commit_callbacks
):
    settings.WAYBACK_SPN2, settings.WAYBACK_SECRET_KEY = True, ""
    with django_capture_on_commit_callbacks(execute=True):
        save_source(client, f"{server.url}/page")

    assert queued(WAYBACK) == 0
