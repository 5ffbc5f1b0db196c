"""The incident admin in the editors' words: "New incident", and "Preview" for what is not
public, never "View on site" on a draft."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from archive.models import IncidentVersion, State
from tests.editorial.admin_forms import version_post
from tests.factories import make_draft, make_published

ADD_URL = reverse("admin:archive_incidentversion_add")


def change_url(version: IncidentVersion) -> str:
    return reverse("admin:archive_incidentversion_change", args=[version.pk])


def title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1).strip()


@pytest.mark.django_db
def test_the_add_page_is_called_new_incident(client, contributor):
    client.force_login(contributor)
    response = client.get(ADD_URL)
    assert title(response) == "New incident | Incident Archive"
    assert "<h1>New incident</h1>" in response.content.decode()
    assert '<li aria-current="page">New incident</li>' in response.content.decode()
    assert "Add incident version" not in response.content.decode()


@pytest.mark.django_db
def test_the_dashboard_and_the_list_offer_a_new_incident(client, contributor):
    client.force_login(contributor)
    link = f'<a href="{ADD_URL}" class="addlink">New incident</a>'
    assert link in client.get(reverse("admin:index")).content.decode()
    changelist = client.get(reverse("admin:archive_incidentversion_changelist")).content.decode()
    assert re.search(rf'<a href="{ADD_URL}[^"]*" class="addlink">New incident</a>', changelist)
    assert "Add incident version" not in changelist


@pytest.mark.django_db
def test_the_dashboard_offers_no_new_incident_to_whoever_cannot_add_one(client, reviewer):
    client.force_login(reviewer)
    assert "New incident" not in client.get(reverse("admin:index")).content.decode()


@pytest.mark.django_db
def test_a_draft_offers_its_preview_not_the_public_page(client, contributor):
    client.force_login(contributor)
    draft = make_draft(contributor)
    page = client.get(change_url(draft)).content.decode()
    preview = reverse("admin:version_preview", args=[draft.pk])
    assert f'<a href="{preview}" class="viewsitelink">Preview</a>' in page
    assert "View on site" not in page


@pytest.mark.django_db
def test_the_published_version_links_to_its_public_page(client, contributor):
    client.force_login(contributor)
    published = make_published("katyn")
    page = client.get(change_url(published)).content.decode()
    assert '<a href="/incidents/katyn/" class="viewsitelink">View on site</a>' in page
    assert 'class="viewsitelink">Preview</a>' not in page


@pytest.mark.django_db
def test_save_and_preview_saves_a_new_draft_and_opens_its_preview(client, contributor):
    client.force_login(contributor)
    assert 'value="Save and preview"' in client.get(ADD_URL).content.decode()
    response = client.post(ADD_URL, {**version_post(), "_preview": "Save and preview"})
    version = IncidentVersion.objects.get(incident__slug="katyn-massacre")
    assert version.state == State.DRAFT
    assert response.status_code == 302
    assert response.url == reverse("admin:version_preview", args=[version.pk])
    preview = client.get(response.url).content.decode()
    assert "Preview — not public." in preview
    assert f'href="{change_url(version)}"' in preview


@pytest.mark.django_db
def test_save_and_preview_keeps_the_form_when_it_has_errors(client, contributor):
    client.force_login(contributor)
    response = client.post(ADD_URL, {**version_post(title=""), "_preview": "Save and preview"})
    assert response.status_code == 200
    assert not IncidentVersion.objects.exists()
    assert "This field is required." in response.content.decode()
