"""Migration 0017 derives every stored range again: a correction of derived data, not an
editorial change."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.apps import apps

from archive.models import IncidentPage, IncidentVersion, Proceeding, Publication, State
from editorial.models import HistoryEntry
from tests.factories import make_draft, make_published

derive = importlib.import_module("archive.migrations.0017_approximate_dates_widen").derive


@pytest.mark.django_db
def test_the_migration_widens_stored_approximate_ranges_without_an_editorial_trace():
    published = make_published(date="1944-10~", date_text="about October 1944")
    draft = make_draft(date="1945-04?", date_text="perhaps April 1945")
    exact = make_draft(date="1940-04/1940-05")
    proceeding = Proceeding.objects.create(
        slug="trial", title="A trial", court="A court", date="1946~"
    )
    # As the rows were stored before approximate dates widened.
    IncidentVersion.objects.filter(pk=published.pk).update(
        date_earliest=datetime.date(1944, 10, 1), date_latest=datetime.date(1944, 10, 31)
    )
    IncidentVersion.objects.filter(pk=draft.pk).update(
        date_earliest=datetime.date(1945, 4, 1), date_latest=datetime.date(1945, 4, 30)
    )
    Proceeding.objects.filter(pk=proceeding.pk).update(
        date_earliest=datetime.date(1946, 1, 1), date_latest=datetime.date(1946, 12, 31)
    )
    assert IncidentPage.objects.filter(version=published).exists()
    generation = Publication.objects.get(pk=1).generation
    history = HistoryEntry.objects.count()
    versions = IncidentVersion.objects.count()
    exact_updated_at = IncidentVersion.objects.get(pk=exact.pk).updated_at

    derive(apps, None)

    assert IncidentVersion.objects.filter(
        pk=published.pk,
        date_earliest=datetime.date(1944, 9, 1),
        date_latest=datetime.date(1944, 11, 30),
        state=State.PUBLISHED,
    ).exists()
    assert IncidentVersion.objects.filter(
        pk=draft.pk, date_earliest=datetime.date(1945, 3, 1), date_latest=datetime.date(1945, 5, 31)
    ).exists()
    assert Proceeding.objects.filter(
        pk=proceeding.pk,
        date_earliest=datetime.date(1945, 1, 1),
        date_latest=datetime.date(1947, 12, 31),
    ).exists()
    assert IncidentVersion.objects.get(pk=exact.pk).updated_at == exact_updated_at
    assert HistoryEntry.objects.count() == history
    assert IncidentVersion.objects.count() == versions
    assert not IncidentPage.objects.filter(version=published).exists()
    assert Publication.objects.get(pk=1).generation == generation + 1
