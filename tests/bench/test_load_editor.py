"""bench.load_editor: the load test's editor takes every step through editorial.services, as
the tool's own accounts, on the benchmark channel."""

from __future__ import annotations

import pytest

from archive.models import State
from bench.load_editor import Editor
from editorial.models import Action, Channel, HistoryEntry
from tests.factories import make_published


@pytest.mark.django_db(transaction=True)
def test_the_load_editor_publishes_a_revision_through_the_services():
    published = make_published("katyn")

    done = Editor("katyn").publish(1, "marker-1")

    revision = published.incident.versions.get(number=done["version"])
    assert revision.state == State.PUBLISHED
    assert revision.title == f"{published.title} (revised, marker-1)"
    assert revision.summary.endswith("Revised by the load test: marker-1.")
    entries = HistoryEntry.objects.filter(version=revision)
    edit = entries.get(action=Action.EDIT)
    assert (edit.channel, edit.user.username, edit.changes) == (
        Channel.BENCHMARK,
        "synthetic-contributor",
        {"fields": ["summary", "title"]},
    )
    assert set(entries.values_list("channel", flat=True)) == {Channel.BENCHMARK}


@pytest.mark.django_db(transaction=True)
def test_the_load_editor_withdraws_and_publishes_again_through_the_services():
    published = make_published("katyn")
    editor = Editor("katyn")

    withdrawn = editor.withdraw(2)

    assert withdrawn["version"] == published.number
    published.refresh_from_db()
    assert published.state == State.WITHDRAWN
    assert published.public_note == "Withdrawn by the scale test (2)."
    entry = HistoryEntry.objects.get(version=published, to_state=State.WITHDRAWN)
    assert (entry.channel, entry.user.username) == (Channel.BENCHMARK, "synthetic-publisher")

    again = editor.publish(3, "marker-3")

    revision = published.incident.versions.get(number=again["version"])
    assert revision.state == State.PUBLISHED
    assert revision.title == f"{published.title} (revised, marker-3)"
