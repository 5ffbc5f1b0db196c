"""State-changing admin URLs take POST only, and only with a CSRF token."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from archive.models import IncidentVersion, State
from editorial import services
from tests.factories import make_draft, make_user


def state_changing_urls(version) -> list[str]:
    estimate = version.estimates.first()
    return [
        reverse("admin:version_transition", args=[version.pk]),
        reverse("admin:estimate_verification", args=[version.pk, estimate.pk, "verify"]),
        reverse("admin:estimate_verification", args=[version.pk, estimate.pk, "query"]),
        reverse("admin:estimate_verification", args=[version.pk, estimate.pk, "withdraw-query"]),
        reverse("admin:estimate_verification", args=[version.pk, estimate.pk, "answer"]),
        reverse("admin:version_publish", args=[version.pk]),
        reverse("admin:version_new_draft", args=[version.pk]),
    ]


@pytest.mark.django_db
def test_get_is_refused_with_405(client):
    version = make_draft()
    client.force_login(make_user("root", is_superuser=True))
    for url in state_changing_urls(version):
        assert client.get(url, {"action": "submit"}).status_code == 405, url
    assert IncidentVersion.objects.get(pk=version.pk).state == State.DRAFT


@pytest.mark.django_db
def test_post_without_csrf_token_is_refused_with_403():
    author = make_user("author", "Contributors")
    version = make_draft(author)
    checked = Client(enforce_csrf_checks=True)
    checked.force_login(make_user("root", is_superuser=True))
    for url in state_changing_urls(version):
        assert checked.post(url, {"action": "submit", "note": "x"}).status_code == 403, url
    assert IncidentVersion.objects.get(pk=version.pk).state == State.DRAFT


@pytest.mark.django_db
def test_unknown_action_is_404_and_changes_nothing(client, contributor):
    version = make_draft(contributor)
    client.force_login(contributor)
    url = reverse("admin:version_transition", args=[version.pk])
    assert client.post(url, {"action": "destroy"}).status_code == 404
    services.version_submit(version=version, user=contributor)
    assert IncidentVersion.objects.get(pk=version.pk).state == State.IN_REVIEW
