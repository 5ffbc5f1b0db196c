"""Races on PostgreSQL (real row locks): parallel imports, parallel saves, publish vs edit."""

from __future__ import annotations

import threading
import time

import pytest
import tablib
from django.db import close_old_connections, connection

from archive.changes import feed_page
from archive.models import Incident, IncidentVersion, State
from editorial import services
from editorial.resources import IncidentResource
from tests.factories import (
    ensure_reference_data,
    make_contributor,
    make_draft,
    make_publisher,
    make_reviewer,
)

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def run_together(*jobs) -> list[object]:
    """Start every job at the same moment in its own thread and connection."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def runner(index, job):
        try:
            barrier.wait()
            results[index] = job()
        except Exception as error:
            results[index] = error
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_parallel_imports_of_one_file_make_no_duplicates():
    ensure_reference_data()
    rows = [
        [
            f"race-{n}",
            f"Race incident {n}",
            "Summary.",
            "",
            "1941",
            "1941",
            "Riga",
            "massacre",
            "NKVD",
            "",
            "",
        ]
        for n in range(20)
    ]
    header = [
        "slug",
        "title",
        "summary",
        "description",
        "date",
        "date_text",
        "places",
        "categories",
        "perpetrators",
        "victim_groups",
        "context",
    ]

    def job():
        return IncidentResource().import_data(tablib.Dataset(*rows, headers=header))

    results = run_together(job, job)

    assert Incident.objects.filter(slug__startswith="race-").count() == 20
    assert IncidentVersion.objects.filter(incident__slug__startswith="race-").count() == 20
    succeeded = [r for r in results if not isinstance(r, Exception) and not r.has_errors()]
    assert len(succeeded) >= 1, results  # the other found every row done or was refused whole


def test_two_parallel_saves_of_one_draft_lose_nothing():
    author = make_contributor()
    draft = make_draft(author)
    seen = draft.lock_version

    def save(title):
        def job():
            services.version_edit(
                version=IncidentVersion.objects.get(pk=draft.pk),
                user=author,
                seen_lock_version=seen,
                fields={"title": title},
            )
            return title

        return job

    results = run_together(save("First"), save("Second"))

    winners = [r for r in results if isinstance(r, str)]
    losers = [r for r in results if isinstance(r, services.EditConflict)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert IncidentVersion.objects.get(pk=draft.pk).title == winners[0]


def test_publish_racing_an_edit_publishes_only_verified_figures():
    author, reviewer, publisher = make_contributor(), make_reviewer(), make_publisher()
    draft = make_draft(author, estimates=3)
    services.version_submit(version=draft, user=author)
    for estimate in draft.estimates.all():
        services.estimate_verify(estimate=estimate, user=reviewer)
    services.version_approve(version=draft, user=reviewer)

    def publish():
        return services.version_publish(version=draft, user=publisher)

    def raise_every_figure(version: IncidentVersion) -> services.EditMade:
        changed = frozenset(version.estimates.values_list("pk", flat=True))
        version.estimates.update(best=999_999)
        return services.EditMade(changes={}, changed_estimate_ids=changed)

    def edit():
        services.version_edit(
            version=draft,
            user=author,
            seen_lock_version=draft.lock_version,
            apply=raise_every_figure,
        )

    results = run_together(publish, edit)

    version = IncidentVersion.objects.get(pk=draft.pk)
    assert version.state == State.PUBLISHED, results
    assert isinstance(results[1], services.WorkflowError)
    assert not version.estimates.exclude(verification="verified").exists()
    assert not version.estimates.filter(best=999_999).exists()


def test_a_mirror_following_the_change_feed_misses_and_repeats_nothing_during_publications():
    author, reviewer, publisher = make_contributor(), make_reviewer(), make_publisher()
    approved = []
    for n in range(12):
        draft = make_draft(author, f"feed-race-{n}")
        services.version_submit(version=draft, user=author)
        for estimate in draft.estimates.all():
            services.estimate_verify(estimate=estimate, user=reviewer)
        services.version_approve(version=draft, user=reviewer)
        approved.append(draft)

    def publish(versions):
        def job():
            for version in versions:
                services.version_publish(version=version, user=publisher)
            return len(versions)

        return job

    def mirror():
        cursor, slugs, polls = None, [], 0
        deadline = time.monotonic() + 60
        while len(slugs) < len(approved) and time.monotonic() < deadline:
            page = feed_page(after=cursor, size=2)
            slugs += [entry.incident.slug for entry in page.entries]
            cursor = page.last if page.last is not None else cursor
            polls += 1
        return slugs, polls

    results = run_together(*(publish(approved[n::4]) for n in range(4)), mirror)

    assert results[:4] == [3, 3, 3, 3], results
    slugs, _ = results[4]
    assert sorted(slugs) == sorted(version.incident.slug for version in approved), slugs
    assert len(slugs) == len(set(slugs)) == 12
