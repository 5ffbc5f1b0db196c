"""History, diff and preview in the admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from archive.models import Estimate, IncidentVersion
from editorial import services
from tests.factories import make_contributor, make_estimate, make_published, make_user


@pytest.mark.django_db
def test_diff_shows_fields_and_estimates_that_changed(client):
    published = make_published("katyn", title="Katyn massacre")
    draft = services.version_start_draft(incident=published.incident, user=make_contributor())
    IncidentVersion.objects.filter(pk=draft.pk).update(title="Katyn massacre of 1940")
    changed = draft.estimates.first()
    Estimate.objects.filter(pk=changed.pk).update(best=21857, as_written="21,857")
    make_estimate(draft, ref="new-figure", best=4421, as_written="4,421")
    client.force_login(make_user("root", is_superuser=True))

    page = client.get(reverse("admin:version_diff", args=[draft.pk])).content.decode()

    assert "Version 1 → version 2" in page
    assert "<del>Katyn massacre</del>" in page and "<ins>Katyn massacre of 1940</ins>" in page
    assert f"Estimate {changed.ref} — changed" in page and "<ins>21857</ins>" in page
    assert "Estimate new-figure — added" in page


@pytest.mark.django_db
def test_history_lists_every_step_with_who_and_preview_shows_the_draft(client):
    published = make_published("katyn", title="Katyn massacre")
    author = make_contributor("author")
    draft = services.version_start_draft(incident=published.incident, user=author)
    IncidentVersion.objects.filter(pk=draft.pk).update(title="Draft title")
    client.force_login(make_user("root", is_superuser=True))

    history = client.get(reverse("admin:archive_incidentversion_history", args=[draft.pk]))
    text = history.content.decode()
    for step in ("draft → in review", "in review → approved", "approved → published"):
        assert step in text
    assert "author" in text and "Started from version 1." in text

    preview = client.get(reverse("admin:version_preview", args=[draft.pk])).content.decode()
    assert "Preview — not public." in preview and "Draft title" in preview
