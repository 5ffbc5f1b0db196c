"""Editors moderate readers' submissions in the admin: a draft from each, or closed with a
reason; contact details erased on request. Every action checks its permission."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from archive.models import IncidentVersion, ReaderSubmission, State
from editorial import services
from editorial.models import Action, Channel, HistoryEntry
from tests.factories import (
    make_contributor,
    make_published,
    make_reviewer,
    make_submission,
    make_user,
)


def page(submission: ReaderSubmission) -> str:
    return reverse("admin:archive_readersubmission_change", args=[submission.pk])


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.mark.django_db
def test_a_correction_becomes_a_new_draft_recorded_with_the_reader_channel(client):
    published = make_published("katyn")
    submission = make_submission(published.incident, contact="anna@example.org")
    editor = make_contributor("editor")
    client.force_login(editor)
    assert "anna@example.org" in client.get(page(submission)).content.decode()

    response = client.post(page(submission), {"action": "revision"})

    draft = IncidentVersion.objects.get(incident=published.incident, state=State.DRAFT)
    assert response["Location"] == reverse("admin:archive_incidentversion_change", args=[draft.pk])
    entry = HistoryEntry.objects.get(version=draft)
    assert (entry.action, entry.channel, entry.user) == (Action.CREATE, Channel.READER, editor)
    assert entry.changes == {"from_version": 1, "submission": submission.reference}
    submission.refresh_from_db()
    assert (submission.status, submission.version, submission.handled_by) == (
        "drafted",
        draft,
        editor,
    )
    # The reader's words and contact stay with the submission, out of the version's history.
    assert "anna@example.org" not in str(entry.changes) + entry.comment
    assert draft.title == published.title


@pytest.mark.django_db
def test_a_report_becomes_a_new_incident_with_the_editors_words(client):
    submission = make_submission(None, message="A massacre in a village near Lviv.")
    editor = make_contributor("editor")
    client.force_login(editor)
    client.post(
        page(submission),
        {
            "action": "incident",
            "new-title": "Killings near Lviv",
            "new-summary": "Prisoners killed as the front approached.",
            "new-date": "1941-06",
            "new-date_text": "June 1941",
        },
    )
    draft = IncidentVersion.objects.get(incident__slug="killings-near-lviv")
    assert (draft.state, draft.created_by) == (State.DRAFT, editor)
    entry = HistoryEntry.objects.get(version=draft)
    assert (entry.channel, entry.changes) == (Channel.READER, {"submission": submission.reference})
    submission.refresh_from_db()
    assert (submission.status, submission.version) == ("drafted", draft)


@pytest.mark.django_db
def test_a_report_with_an_invalid_date_creates_nothing_and_keeps_the_input(client):
    submission = make_submission(None)
    client.force_login(make_contributor())
    response = client.post(
        page(submission),
        {
            "action": "incident",
            "new-title": "Killings near Lviv",
            "new-summary": "x",
            "new-date": "June",
            "new-date_text": "June",
        },
    )
    assert response.status_code == 200
    assert 'value="Killings near Lviv"' in response.content.decode()
    assert not IncidentVersion.objects.exists()
    assert ReaderSubmission.objects.get().status == "open"


@pytest.mark.django_db
def test_closing_needs_a_reason(client):
    submission = make_submission(make_published("katyn").incident)
    client.force_login(make_contributor("editor"))
    response = client.post(page(submission), {"action": "close", "reason": "  "})
    assert said(response) == ["Say why the submission is closed: the next editor reads it."]
    assert ReaderSubmission.objects.get().status == "open"
    client.post(page(submission), {"action": "close", "reason": "Already corrected."})
    submission.refresh_from_db()
    assert (submission.status, submission.close_reason) == ("closed", "Already corrected.")
    assert submission.handled_by.username == "editor"


@pytest.mark.django_db
def test_a_submission_is_handled_once(client):
    submission = make_submission(make_published("katyn").incident)
    services.submission_close(submission=submission, user=make_contributor("first"), reason="Spam.")
    client.force_login(make_contributor())
    response = client.post(page(submission), {"action": "revision"})
    assert said(response) == [
        f"first has already handled submission {submission.reference}: it is closed."
    ]
    assert IncidentVersion.objects.filter(state=State.DRAFT).count() == 0


@pytest.mark.django_db
def test_a_new_draft_is_refused_while_the_incident_has_an_open_version(client):
    published = make_published("katyn")
    editor = make_contributor()
    services.version_start_draft(incident=published.incident, user=editor)
    submission = make_submission(published.incident)
    client.force_login(editor)
    response = client.post(page(submission), {"action": "revision"})
    assert said(response) == [
        "“katyn” already has an open version (version 2, draft): make the change there, then "
        "close the submission with that reason."
    ]
    assert ReaderSubmission.objects.get().status == "open"


@pytest.mark.django_db
def test_each_action_checks_its_permission(client):
    submission = make_submission(make_published("katyn").incident)
    for outsider in (make_reviewer(), make_user(None, "Publishers")):
        client.force_login(outsider)
        assert client.get(page(submission)).status_code == 403
        assert client.post(page(submission), {"action": "close", "reason": "x"}).status_code == 403
    # A data editor may close a submission or erase contact details, not write a draft.
    client.force_login(make_user(None, "Data editors"))
    assert client.post(page(submission), {"action": "revision"}).status_code == 403
    assert "Start a new draft" not in client.get(page(submission)).content.decode()
    assert ReaderSubmission.objects.get().status == "open"
    client.post(page(submission), {"action": "close", "reason": "Duplicate."})
    assert ReaderSubmission.objects.get().status == "closed"


@pytest.mark.django_db
def test_a_data_editor_erases_contact_details_and_it_is_recorded(client):
    submission = make_submission(None, name="Anna Reader", contact="anna@example.org")
    changelist = reverse("admin:archive_readersubmission_changelist")
    erase = {"action": "erase_contact", "_selected_action": [submission.pk]}
    client.force_login(make_contributor())
    assert "Erase contact details" not in client.get(changelist).content.decode()
    client.post(changelist, erase)
    assert ReaderSubmission.objects.get().contact == "anna@example.org"

    data_editor = make_user("privacy", "Data editors")
    client.force_login(data_editor)
    response = client.post(changelist, erase)
    assert said(response) == [f"Contact details erased: {submission.reference}."]
    submission.refresh_from_db()
    assert (submission.name, submission.contact) == ("", "")
    assert submission.contact_erased_by == data_editor and submission.contact_erased_at
    response = client.get(page(submission))
    assert "erased by privacy" in response.content.decode()
    assert "anna@example.org" not in response.content.decode()


@pytest.mark.django_db
def test_submissions_have_no_export_add_or_delete(client):
    make_submission(None, contact="anna@example.org")
    client.force_login(make_user("root", is_superuser=True))
    changelist = client.get(reverse("admin:archive_readersubmission_changelist"))
    assert changelist.status_code == 200
    body = changelist.content.decode()
    assert "readersubmission/export" not in body and "readersubmission/add" not in body
    assert client.get("/admin/archive/readersubmission/export/").status_code in (302, 404)
    assert client.get("/admin/archive/readersubmission/add/").status_code == 403


@pytest.mark.django_db
def test_the_dashboard_lists_waiting_submissions_for_editors(client):
    submission = make_submission(make_published("katyn").incident)
    client.force_login(make_contributor())
    body = client.get(reverse("admin:index")).content.decode()
    assert "Reader submissions waiting" in body and submission.reference in body
    client.force_login(make_reviewer())
    assert "Reader submissions waiting" not in client.get(reverse("admin:index")).content.decode()
