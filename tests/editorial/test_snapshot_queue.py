"""Saving a source queues its capture; the worker runs it, with retries; the commands."""

from __future__ import annotations

import datetime
import hashlib
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from archive.models import Outcome, Snapshot, Source, Trigger, with_link_health
from editorial.snapshots.tasks import capture_source
from tests.factories import make_contributor, make_source, make_user
from tests.web import PAGE, running_server

pytestmark = pytest.mark.django_db

TASK = "editorial.snapshots.tasks.capture_source"


@pytest.fixture
def server(settings):
    settings.SNAPSHOT_ALLOW_PRIVATE = True
    with running_server() as server:
        yield server


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def queued() -> list[tuple[list, str]]:
    ready = DBTaskResult.objects.ready().filter(task_path=TASK).order_by("enqueued_at")
    return [(task.args_kwargs["args"], task.status) for task in ready]


def time_passes() -> None:
    """Every deferred attempt becomes due (the worker only runs what is due)."""
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())


def test_saving_a_source_in_the_admin_queues_its_capture_and_fetches_nothing(
    client, server, django_capture_on_commit_callbacks
):
    client.force_login(make_contributor())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:archive_source_add"),
            {
                "key": "memorial",
                "kind": "web_page",
                "title": "Katyn",
                "url": f"{server.url}/page",
                "change_note": "",
            },
        )
    assert response.status_code == 302
    source = Source.objects.get(key="memorial")
    assert queued() == [([source.pk, "saved"], "READY")]
    assert server.requests == []  # the request did not wait for the site
    assert not Snapshot.objects.exists()

    run_worker()

    snapshot = source.snapshots.get()
    assert (snapshot.outcome, snapshot.trigger) == (Outcome.CAPTURED, Trigger.SAVED)
    assert snapshot.sha256 == hashlib.sha256(PAGE).hexdigest()
    assert queued() == []


def test_importing_sources_queues_a_capture_for_each_new_url(
    server, tmp_path, django_capture_on_commit_callbacks
):
    path = tmp_path / "sources.csv"
    path.write_text(
        "key,kind,authors,title,container,year,publisher,place,isbn,doi,url,archived_url,"
        "language\n"
        f"page,web_page,,A page,,2020,,,,,{server.url}/page,,en\n"
        "book,book,,A book,,1995,,,,,,,en\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "import",
            "editorial.resources.SourceResource",
            str(path),
            "--no-input",
            stdout=StringIO(),
        )
    assert queued() == [([Source.objects.get(key="page").pk, "saved"], "READY")]


def test_a_dry_run_import_queues_nothing(server, tmp_path, django_capture_on_commit_callbacks):
    path = tmp_path / "sources.csv"
    path.write_text(f"key,kind,title,url\npage,web_page,A page,{server.url}/page\n")
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "import",
            "editorial.resources.SourceResource",
            str(path),
            "--no-input",
            "--dry-run",
            stdout=StringIO(),
        )
    assert queued() == []


def test_saving_a_source_without_changing_its_url_queues_nothing(
    client, server, django_capture_on_commit_callbacks
):
    source = make_source(url=f"{server.url}/page")
    client.force_login(make_contributor())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:archive_source_change", args=[source.pk]),
            {"key": source.key, "kind": "book", "title": "Renamed", "url": source.url},
        )
    assert Source.objects.get(pk=source.pk).title == "Renamed"
    assert queued() == []


def test_the_worker_retries_a_failed_capture_with_growing_delays(server, settings):
    settings.SNAPSHOT_MAX_ATTEMPTS, settings.SNAPSHOT_RETRY_DELAY = 3, 60
    source = make_source(url=f"{server.url}/unavailable")
    capture_source.enqueue(source.pk, Trigger.SAVED)
    delays = []
    for _attempt in range(3):
        run_worker()
        following = DBTaskResult.objects.filter(status="READY").first()
        if following is not None:
            last = source.snapshots.newest_first().first()
            delays.append(following.run_after - last.captured_at)
        time_passes()

    attempts = list(source.snapshots.order_by("pk").values_list("attempt", "outcome", "error"))
    assert attempts == [(n, "failed", "HTTP 503 Service Unavailable") for n in (1, 2, 3)]
    assert delays == [datetime.timedelta(seconds=60), datetime.timedelta(seconds=120)]
    assert queued() == []
    assert server.requests == ["/unavailable"] * 3


def test_an_answer_that_will_not_change_is_not_tried_again(server):
    source = make_source(url=f"{server.url}/missing")
    capture_source.enqueue(source.pk, Trigger.SAVED)
    run_worker()

    assert source.snapshots.get().http_status == 404
    assert queued() == []


def archive_sources(*args: str) -> list[dict]:
    out = StringIO()
    call_command("archive_sources", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_archive_sources_captures_each_source_without_a_copy_and_prints_json(server):
    page = make_source("page", url=f"{server.url}/page")
    make_source("gone", url=f"{server.url}/missing")
    make_source("book")  # no URL

    results = archive_sources()

    snapshot = page.snapshots.get()
    assert results == [
        {
            "key": "gone",
            "url": f"{server.url}/missing",
            "status": "failed",
            "sha256": hashlib.sha256(b"<p>Not here.</p>").hexdigest(),
            "captured_at": Source.objects.get(key="gone").snapshots.get().captured_at.isoformat(),
            "error": "HTTP 404 Not Found",
        },
        {
            "key": "page",
            "url": f"{server.url}/page",
            "status": "captured",
            "sha256": hashlib.sha256(PAGE).hexdigest(),
            "captured_at": snapshot.captured_at.isoformat(),
            "error": None,
        },
    ]
    # Again: the page has its copy, the missing one is tried again.
    assert [result["key"] for result in archive_sources()] == ["gone"]
    assert [result["key"] for result in archive_sources("--key", "page")] == ["page"]
    assert page.snapshots.count() == 2


def test_archive_sources_records_a_refusal_with_the_reason(settings):
    settings.SNAPSHOT_ALLOW_PRIVATE = False
    make_source("internal", url="http://10.1.1.1/secret")

    [result] = archive_sources()

    assert (result["status"], result["sha256"]) == ("refused", None)
    assert result["error"] == "10.1.1.1 is a private address."


def test_archive_sources_prints_a_line_per_source_and_the_totals(server):
    make_source("page", url=f"{server.url}/page")
    out = StringIO()
    call_command("archive_sources", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines == [
        f"page: captured {server.url}/page {hashlib.sha256(PAGE).hexdigest()}",
        "1 captured, 0 failed, 0 refused.",
    ]


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("nobody", "No source has the key 'nobody'."),
        ("book", "The source 'book' has no URL to capture."),
    ],
)
def test_archive_sources_names_a_key_it_cannot_capture(key, message):
    make_source("book")
    with pytest.raises(CommandError) as error:
        call_command("archive_sources", "--key", key)
    assert str(error.value) == message


def test_check_links_fetches_every_url_once_and_finds_an_original_gone_after_two_checks(server):
    make_source("page", url=f"{server.url}/page")
    make_source("gone", url=f"{server.url}/missing")

    out = StringIO()
    call_command("check_links", "--json", stdout=out)
    first = json.loads(out.getvalue())
    assert [(r["key"], r["status"]) for r in first] == [("gone", "failed"), ("page", "captured")]
    gone = {source.key: source.link_gone for source in with_link_health(Source.objects)}
    assert gone == {"gone": False, "page": False}  # once is not yet gone

    call_command("check_links", "--json", stdout=StringIO())

    gone = {source.key: source.link_gone for source in with_link_health(Source.objects)}
    assert gone == {"gone": True, "page": False}
    assert Snapshot.objects.filter(trigger=Trigger.LINK_CHECK).count() == 4


def test_check_links_does_not_count_a_check_of_an_older_url(server):
    source = make_source("moved", url=f"{server.url}/missing")
    call_command("check_links", stdout=StringIO())
    call_command("check_links", stdout=StringIO())
    Source.objects.filter(pk=source.pk).update(url=f"{server.url}/page")

    assert not with_link_health(Source.objects).get(pk=source.pk).link_gone


def test_only_people_who_may_add_sources_can_save_one(client, server):
    client.force_login(make_user("reader"))
    response = client.post(
        reverse("admin:archive_source_add"),
        {"key": "x", "kind": "book", "title": "X", "url": f"{server.url}/page"},
    )
    assert response.status_code == 403
    assert queued() == []
