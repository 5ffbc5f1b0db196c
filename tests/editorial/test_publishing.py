"""Publishing with care: a confirmation that says what becomes public and when, and a schedule
read in the editor's time zone, stored in UTC and shown in both."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from archive.models import Correction, Estimate, IncidentVersion, State
from editorial import services
from editorial.models import Action, HistoryEntry
from tests.editorial.admin_forms import shown_text
from tests.factories import make_draft, make_published, make_reviewer

UTC = datetime.UTC


def approved(author, **content) -> IncidentVersion:
    version = make_draft(author, "katyn", title="Katyn massacre", **content)
    Estimate.objects.filter(version=version).update(best=21857, as_written="21,857")
    services.version_submit(version=version, user=author)
    reviewer = make_reviewer()
    for estimate in version.estimates.all():
        services.estimate_verify(estimate=estimate, user=reviewer)
    services.version_approve(version=version, user=reviewer)
    version.refresh_from_db()
    return version


def publish_url(version: IncidentVersion) -> str:
    return reverse("admin:version_publish", args=[version.pk])


def change_url(version: IncidentVersion) -> str:
    return reverse("admin:archive_incidentversion_change", args=[version.pk])


def state(version: IncidentVersion) -> str:
    return IncidentVersion.objects.get(pk=version.pk).state


@pytest.mark.django_db
def test_publishing_shows_what_becomes_public_and_publishes_only_once_confirmed(
    client, contributor, publisher
):
    version = approved(contributor)
    client.force_login(publisher)

    confirmation = client.post(publish_url(version), {"comment": "", "publish_at": ""})

    assert confirmation.status_code == 200
    page = shown_text(confirmation)
    assert "Nothing is public yet." in page
    assert "Title Katyn massacre" in page and "/incidents/katyn/" in page
    assert "21,857 killed" in page  # the headline the public page will show
    assert "Replaces Nothing: this is the incident's first publication" in page
    assert "When Now, as soon as you confirm." in page
    assert state(version) == State.APPROVED
    assert client.get("/incidents/katyn/").status_code == 404

    response = client.post(publish_url(version), {"comment": "", "confirm": "yes"}, follow=True)

    assert "Published: the public site now shows this version." in response.text
    assert state(version) == State.PUBLISHED
    assert client.get("/incidents/katyn/").status_code == 200


@pytest.mark.django_db
def test_the_publish_button_on_the_version_page_leads_to_the_confirmation(
    client, contributor, publisher
):
    version = approved(contributor)
    client.force_login(publisher)

    page = client.get(change_url(version)).text
    by_transition = client.post(
        reverse("admin:version_transition", args=[version.pk]), {"action": "publish"}
    )

    assert f'action="{publish_url(version)}"' in page
    assert '<select id="time-zone" name="time_zone"' in page
    assert by_transition.status_code == 200 and "Publish now" in by_transition.text
    assert state(version) == State.APPROVED


@pytest.mark.django_db
def test_the_confirmation_of_a_replacement_names_the_version_it_replaces_and_the_note(
    client, contributor, publisher
):
    first = make_published("katyn", title="Katyn massacre")
    draft = services.version_start_draft(incident=first.incident, user=contributor)
    services.version_submit(version=draft, user=contributor)
    reviewer = make_reviewer()
    for estimate in draft.estimates.all():
        services.estimate_verify(estimate=estimate, user=reviewer)
    services.version_approve(version=draft, user=reviewer)
    client.force_login(publisher)

    without_note = client.post(publish_url(draft), {"comment": ""}, follow=True)
    confirmation = client.post(publish_url(draft), {"comment": "The count is corrected."})

    assert "say in a sentence what changed" in without_note.text
    page = shown_text(confirmation)
    assert "Replaces Version 1, public since" in page
    assert "the public corrections log reads: The count is corrected." in page
    assert f"?against={first.pk}" in confirmation.text
    assert state(draft) == State.APPROVED and not Correction.objects.exists()

    client.post(publish_url(draft), {"comment": "The count is corrected.", "confirm": "yes"})

    assert state(draft) == State.PUBLISHED and state(first) == State.SUPERSEDED
    assert Correction.objects.get().note == "The count is corrected."


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "utc", "local", "in_utc"),
    [
        (
            "2031-01-15T09:00",
            datetime.datetime(2031, 1, 15, 8, 0, tzinfo=UTC),
            "Wednesday 15 January 2031, 09:00 Europe/Warsaw (CET, UTC+01:00)",
            "Wednesday 15 January 2031, 08:00 UTC",
        ),
        (
            "2031-07-15T09:00",
            datetime.datetime(2031, 7, 15, 7, 0, tzinfo=UTC),
            "Tuesday 15 July 2031, 09:00 Europe/Warsaw (CEST, UTC+02:00)",
            "Tuesday 15 July 2031, 07:00 UTC",
        ),
    ],
    ids=["winter", "summer"],
)
def test_a_schedule_in_europe_warsaw_is_stored_in_utc_and_shown_in_both(
    client, contributor, publisher, typed, utc, local, in_utc
):
    version = approved(contributor)
    client.force_login(publisher)
    asked = {"comment": "", "publish_at": typed, "time_zone": "Europe/Warsaw"}

    confirmation = shown_text(client.post(publish_url(version), asked))

    assert f"When {local} which is {in_utc}, as stored." in confirmation
    assert IncidentVersion.objects.get(pk=version.pk).publish_at is None

    response = client.post(publish_url(version), {**asked, "confirm": "yes"}, follow=True)

    version.refresh_from_db()
    assert version.publish_at == utc and version.state == State.APPROVED
    shown = f"{typed.replace('T', ' ')} Europe/Warsaw ({utc:%Y-%m-%d %H:%M} UTC)"
    assert f"Scheduled for {shown}." in response.text
    assert f"Scheduled to publish at {shown}." in shown_text(client.get(change_url(version)))
    entry = HistoryEntry.objects.get(version=version, action=Action.SCHEDULE)
    assert (entry.user, entry.changes["time_zone"]) == (publisher, "Europe/Warsaw")


@pytest.mark.django_db
def test_the_editors_time_zone_is_remembered_for_the_next_schedule(client, contributor, publisher):
    version = approved(contributor)
    client.force_login(publisher)
    assert "<option selected>UTC</option>" in client.get(change_url(version)).text

    client.post(publish_url(version), {"comment": "", "time_zone": "Europe/Warsaw"})

    page = client.get(change_url(version)).text
    assert "<option selected>Europe/Warsaw</option>" in page
    assert 'data-guess="browser"' not in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "zone", "message"),
    [
        (
            "2031-03-30T02:30",
            "Europe/Warsaw",
            "2031-03-30 02:30 does not exist in Europe/Warsaw: the clocks skip it.",
        ),
        (
            "2001-01-01T09:00",
            "Europe/Warsaw",
            "2001-01-01 09:00 Europe/Warsaw has passed: leave the time empty to publish now",
        ),
        ("tomorrow", "Europe/Warsaw", "“tomorrow” is not a date and time"),
        ("2031-01-15T09:00", "Mars/Olympus", "“Mars/Olympus” is not a time zone we know."),
    ],
    ids=["skipped-hour", "past", "not-a-time", "unknown-zone"],
)
def test_a_time_that_cannot_be_meant_is_refused_before_the_confirmation(
    client, contributor, publisher, typed, zone, message
):
    version = approved(contributor)
    client.force_login(publisher)

    response = client.post(
        publish_url(version),
        {"publish_at": typed, "time_zone": zone, "confirm": "yes"},
        follow=True,
    )

    assert message in response.text
    version.refresh_from_db()
    assert (version.state, version.publish_at) == (State.APPROVED, None)


@pytest.mark.django_db
def test_publishing_refuses_a_figure_whose_evidence_changed_and_names_it(contributor, publisher):
    version = approved(contributor)
    estimate = version.estimates.get()
    services.estimates_unverify(estimates=version.estimates.all(), states=[State.APPROVED])

    with pytest.raises(services.WorkflowError) as refusal:
        services.version_check_publish(version=version, user=publisher)

    assert f"“21,857” killed, A historian ({estimate.ref})" in str(refusal.value)
