"""Readers suggest corrections and report incidents through two public forms."""

from __future__ import annotations

import re
import time

import pytest
from django.core import signing
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from archive.models import ReaderSubmission
from archive.submissions import EXPIRED, HONEYPOT, STARTED_SALT, TOO_FAST, started_token
from tests.factories import make_draft, make_published

TYPED = {
    "message": "The NKVD report gives 4,421 bodies, not 4,143.",
    "source": "Zawodny, Death in the Forest, p. 24",
    "name": "Anna Reader",
    "contact": "anna@example.org",
}


def typed(**more: str) -> dict[str, str]:
    """What a reader types, in a form opened a minute ago."""
    return {**TYPED, "started": started_token(time.time() - 60), **more}


def assert_kept(response) -> None:
    """Everything the reader typed is back in the form."""
    body = response.content.decode()
    for value in ("The NKVD report gives 4,421 bodies, not 4,143.", "Anna Reader"):
        assert value in body
    assert 'value="anna@example.org"' in body
    assert "Zawodny, Death in the Forest, p. 24" in body


@pytest.mark.django_db
def test_a_reader_suggests_a_correction_and_gets_a_reference(client):
    version = make_published("katyn")
    url = reverse("archive:suggest", args=["katyn"])
    form = client.get(url)
    assert form.status_code == 200
    assert "csrfmiddlewaretoken" in form.content.decode()

    response = client.post(url, typed())
    assert response.status_code == 302
    thanks = client.get(response["Location"])
    reference = re.search(
        r'class="reference">(R-[A-Z0-9]{4}-[A-Z0-9]{4})<', thanks.content.decode()
    )
    assert reference is not None
    submission = ReaderSubmission.objects.get()
    assert submission.reference == reference.group(1)
    assert (submission.kind, submission.incident, submission.status) == (
        "correction",
        version.incident,
        "open",
    )
    assert (submission.message, submission.source, submission.name, submission.contact) == (
        TYPED["message"],
        TYPED["source"],
        TYPED["name"],
        TYPED["contact"],
    )


@pytest.mark.django_db
def test_a_reader_reports_an_incident_the_archive_does_not_have(client):
    response = client.post(reverse("archive:submit"), typed(name="", contact=""))
    assert response.status_code == 302
    submission = ReaderSubmission.objects.get()
    assert (submission.kind, submission.incident, submission.contact) == ("report", None, "")
    assert submission.reference in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_a_thank_you_address_with_a_forged_reference_shows_the_form(client):
    response = client.get(reverse("archive:submit") + "?sent=R-AAAA-BBBB")
    assert "R-AAAA-BBBB" not in response.content.decode()
    assert "Send to the editors" in response.content.decode()


@pytest.mark.django_db
def test_only_a_published_incident_takes_suggestions(client):
    draft = make_draft(slug="not-yet")
    assert client.get(reverse("archive:suggest", args=[draft.incident.slug])).status_code == 404
    assert client.post(reverse("archive:suggest", args=["not-yet"]), typed()).status_code == 404
    assert client.get(reverse("archive:suggest", args=["nowhere"])).status_code == 404
    assert not ReaderSubmission.objects.exists()


@pytest.mark.django_db
def test_a_message_is_required_and_the_rest_is_kept(client):
    make_published("katyn")
    response = client.post(reverse("archive:suggest", args=["katyn"]), typed(message=""))
    assert response.status_code == 400
    body = response.content.decode()
    assert "What is wrong or missing</a>: This field is required." in body
    assert 'value="anna@example.org"' in body and "Anna Reader" in body
    assert not ReaderSubmission.objects.exists()


@pytest.mark.django_db
def test_the_honeypot_refuses_the_form_and_keeps_what_was_typed(client):
    make_published("katyn")
    url = reverse("archive:suggest", args=["katyn"])
    response = client.post(url, typed(website="http://spam.example"))
    assert response.status_code == 400
    assert HONEYPOT in response.content.decode()
    assert_kept(response)
    assert not ReaderSubmission.objects.exists()


@pytest.mark.django_db
def test_a_form_sent_faster_than_a_person_types_is_refused_and_kept(client):
    make_published("katyn")
    url = reverse("archive:suggest", args=["katyn"])
    response = client.post(url, typed(started=started_token()))
    assert response.status_code == 400
    assert TOO_FAST in response.content.decode()
    assert_kept(response)
    assert not ReaderSubmission.objects.exists()


@pytest.mark.django_db
def test_a_form_with_a_forged_or_missing_time_is_refused_and_kept(client):
    url = reverse("archive:submit")
    for started in ("1700000000", ""):
        response = client.post(url, typed(started=started))
        assert response.status_code == 400
        assert EXPIRED in response.content.decode()
        assert_kept(response)
        renewed = re.search(r'name="started" value="([^"]+)"', response.content.decode())
        assert renewed and renewed.group(1) != started
        assert signing.loads(renewed.group(1), salt=STARTED_SALT) > time.time() - 60
    assert not ReaderSubmission.objects.exists()


@pytest.mark.django_db
def test_the_sixth_submission_in_an_hour_is_refused_with_429_and_kept(client):
    make_published("katyn")
    url = reverse("archive:suggest", args=["katyn"])
    for _ in range(5):
        assert client.post(url, typed()).status_code == 302
    response = client.post(url, typed())
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 3600
    assert "You have sent the most this form takes from one address in an hour." in (
        response.content.decode()
    )
    assert_kept(response)
    assert ReaderSubmission.objects.count() == 5
    # The report form shares the limit; another address does not.
    assert client.post(reverse("archive:submit"), typed()).status_code == 429
    other = Client(REMOTE_ADDR="192.0.2.77")
    assert other.post(url, typed()).status_code == 302


@pytest.mark.django_db
def test_the_rate_limit_lives_in_the_shared_cache(client):
    url = reverse("archive:submit")
    for _ in range(5):
        client.post(url, typed())
    caches["default"].clear()
    assert client.post(url, typed()).status_code == 429
    caches["shared"].clear()
    assert client.post(url, typed()).status_code == 302


@pytest.mark.django_db
def test_the_forms_are_never_cached(client):
    make_published("katyn")
    for url in (reverse("archive:suggest", args=["katyn"]), reverse("archive:submit")):
        first, second = client.get(url), client.get(url)
        assert "ETag" not in first
        assert "no-store" in first["Cache-Control"] and "private" in first["Cache-Control"]
        token = re.compile(r'name="started" value="([^"]+)"')
        assert token.search(first.content.decode()) and token.search(second.content.decode())


@pytest.mark.django_db
def test_a_post_without_the_csrf_token_is_refused():
    checked = Client(enforce_csrf_checks=True)
    assert checked.post(reverse("archive:submit"), typed()).status_code == 403
    assert not ReaderSubmission.objects.exists()


@pytest.mark.django_db
def test_the_incident_page_and_every_page_lead_to_the_forms(client):
    make_published("katyn")
    page = client.get(reverse("archive:incident", args=["katyn"])).content.decode()
    assert f'href="{reverse("archive:suggest", args=["katyn"])}"' in page
    assert f'href="{reverse("archive:submit")}"' in client.get("/").content.decode()


@pytest.mark.django_db
def test_the_form_has_no_inline_style_or_script(client):
    make_published("katyn")
    body = client.get(reverse("archive:suggest", args=["katyn"])).content.decode()
    assert "style=" not in body and "<script" not in body
