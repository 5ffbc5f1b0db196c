"""A contributor asks for a reviewer when submitting; reviewers take versions from the queue;
the dashboard shows who reviews what and how long it has waited. Four eyes holds throughout."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from archive.models import State
from editorial import services
from editorial.models import Action, HistoryEntry, ReviewAssignment
from tests.factories import make_contributor, make_draft, make_reviewer, make_user


def said(response) -> list[str]:
    """The newest message: the one the last action left (earlier ones wait unread)."""
    return [str(message) for message in get_messages(response.wsgi_request)][-1:]


def submit(client, version, **data):
    url = reverse("admin:version_transition", args=[version.pk])
    return client.post(url, {"action": "submit", "comment": "", **data})


@pytest.mark.django_db
def test_a_contributor_asks_for_a_reviewer_when_submitting(client):
    author, reviewer = make_contributor("author"), make_reviewer("rita")
    version = make_draft(author)
    client.force_login(author)
    page = client.get(reverse("admin:archive_incidentversion_change", args=[version.pk]))
    assert f'<option value="{reviewer.pk}">rita</option>' in page.content.decode()

    response = submit(client, version, reviewer=reviewer.pk)
    assert said(response) == ["Submitted for review by rita."]
    assert ReviewAssignment.objects.get(version=version).reviewer == reviewer
    entry = HistoryEntry.objects.get(version=version, action=Action.ASSIGN)
    assert (entry.user, entry.changes["reviewer"]) == (author, "rita")


@pytest.mark.django_db
def test_nobody_is_asked_to_review_their_own_version(client):
    """Four eyes: not the submitter, not anyone who edited the version, not a non-reviewer."""
    author = make_user("author", "Contributors", "Reviewers")
    editor = make_user("editor", "Contributors", "Reviewers")
    outsider = make_contributor("outsider")
    version = make_draft(author)
    services.version_edit(
        version=version, user=editor, seen_lock_version=version.lock_version, fields={"title": "T"}
    )
    assert list(services.eligible_reviewers(version=version, user=author)) == []
    client.force_login(author)
    for who, message in [
        (author, "You cannot ask yourself to review: choose another reviewer."),
        (
            editor,
            "editor wrote or edited this version, so cannot review it: choose another reviewer.",
        ),
        (outsider, "outsider is not a reviewer: choose one of the reviewers listed."),
    ]:
        response = submit(client, version, reviewer=who.pk)
        assert said(response) == [message]
        version.refresh_from_db()
        assert version.state == State.DRAFT  # the whole submission is refused
    assert said(submit(client, version, reviewer="999999")) == ["Choose a reviewer from the list."]
    assert not ReviewAssignment.objects.exists()


@pytest.mark.django_db
def test_a_reviewer_takes_a_version_from_the_queue(client):
    author, reviewer = make_contributor(), make_reviewer("rita")
    version = make_draft(author)
    services.version_submit(version=version, user=author)
    client.force_login(reviewer)
    review = client.get(reverse("admin:version_review", args=[version.pk])).content.decode()
    assert "No reviewer has taken this version yet." in review and "Take for review" in review
    response = client.post(reverse("admin:version_take", args=[version.pk]))
    assert said(response) == ["Taken: the version waits for your review."]
    assert ReviewAssignment.objects.get(version=version).reviewer == reviewer
    assert HistoryEntry.objects.filter(version=version, action=Action.TAKE, user=reviewer).exists()

    other = make_reviewer("otto")
    client.force_login(other)
    response = client.post(reverse("admin:version_take", args=[version.pk]))
    assert said(response) == ["rita reviews this version: ask them before taking it."]
    assert ReviewAssignment.objects.get(version=version).reviewer == reviewer


@pytest.mark.django_db
def test_an_author_cannot_take_their_own_version_and_a_contributor_cannot_take_any(client):
    author = make_user("author", "Contributors", "Reviewers")
    version = make_draft(author)
    services.version_submit(version=version, user=author)
    with pytest.raises(services.WorkflowError) as refusal:
        services.version_take(version=version, user=author)
    assert str(refusal.value) == (
        "You cannot review a version you wrote or edited: leave it for another reviewer."
    )
    client.force_login(make_contributor())
    assert client.post(reverse("admin:version_take", args=[version.pk])).status_code == 403
    assert client.get(reverse("admin:version_take", args=[version.pk])).status_code == 405
    assert not ReviewAssignment.objects.exists()


@pytest.mark.django_db
def test_the_dashboard_shows_the_assignee_and_how_long_each_item_waited(client):
    author, rita, otto = make_contributor("author"), make_reviewer("rita"), make_reviewer("otto")
    asked = make_draft(author, title="Asked for rita")
    services.version_submit(version=asked, user=author, reviewer=rita)
    open_one = make_draft(author, title="Anyone's")
    services.version_submit(version=open_one, user=author)

    client.force_login(rita)
    body = client.get(reverse("admin:index")).content.decode()
    mine = body.split("Assigned to me for review")[1].split("</table>")[0]
    assert "Asked for rita" in mine and "Anyone&#x27;s" not in mine
    assert "reviewer: rita" in mine and "waiting 0" in mine
    client.force_login(otto)
    body = client.get(reverse("admin:index")).content.decode()
    queue = body.split("Waiting for my review")[1].split("</table>")[0]
    assert "reviewer: rita" in queue and "no reviewer yet" in queue
    client.force_login(author)
    drafts = client.get(reverse("admin:index")).content.decode()
    assert "Assigned to me for review" not in drafts


@pytest.mark.django_db
def test_a_resubmission_keeps_the_reviewer_unless_another_is_asked_for():
    author, rita, otto = make_contributor(), make_reviewer("rita"), make_reviewer("otto")
    version = make_draft(author)
    services.version_submit(version=version, user=author, reviewer=rita)
    services.version_request_changes(version=version, user=rita, comment="Check p. 12.")
    services.version_submit(version=version, user=author)
    assert ReviewAssignment.objects.get(version=version).reviewer == rita
    services.version_request_changes(version=version, user=rita, comment="Again.")
    services.version_submit(version=version, user=author, reviewer=otto)
    assert ReviewAssignment.objects.get(version=version).reviewer == otto
    entry = HistoryEntry.objects.filter(version=version, action=Action.ASSIGN).first()
    assert entry.changes["previous_reviewer"] == "rita"
