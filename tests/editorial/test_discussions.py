"""Author and reviewer discuss a figure or the version; an open discussion holds back
approval; what was said stays in the version's history."""

from __future__ import annotations

import pytest
from django.urls import reverse

from archive.models import State
from editorial import services
from editorial.models import Action, HistoryEntry, Thread
from tests.factories import make_contributor, make_draft, make_publisher, make_reviewer


def in_review(author):
    version = make_draft(author, estimates=2)
    return services.version_submit(version=version, user=author)


def discuss(client, version, step, **data):
    url = reverse("admin:version_discussion", args=[version.pk, step])
    return client.post(url, {"back": "review", **data})


@pytest.mark.django_db
def test_reviewer_and_author_discuss_a_figure_and_the_reviewer_resolves_it(client):
    author, reviewer = make_contributor("author"), make_reviewer("rita")
    version = in_review(author)
    figure = version.estimates.order_by("ref").first()
    client.force_login(reviewer)
    response = discuss(client, version, "open", estimate=figure.pk, text="Is p. 12 right?")
    thread = Thread.objects.get()
    assert response["Location"].endswith(f"#thread-{thread.pk}")
    assert thread.estimate == figure and thread.subject == services.figure_name(figure)

    client.force_login(author)
    discuss(client, version, "reply", thread=thread.pk, text="Yes, the 1995 edition.")
    page = client.get(reverse("admin:version_review", args=[version.pk])).content.decode()
    assert "Is p. 12 right?" in page and "Yes, the 1995 edition." in page

    for estimate in version.estimates.all():
        services.estimate_verify(estimate=estimate, user=reviewer)
    with pytest.raises(services.ApprovalRefused) as refusal:
        services.version_approve(version=version, user=reviewer)
    assert str(refusal.value) == (
        f"Every discussion must be resolved first; still open: {services.figure_name(figure)}."
    )
    client.force_login(reviewer)
    discuss(client, version, "resolve", thread=thread.pk)
    thread.refresh_from_db()
    assert (thread.resolved_by, thread.resolved_at is not None) == (reviewer, True)
    services.version_approve(version=version, user=reviewer)
    version.refresh_from_db()
    assert version.state == State.APPROVED


@pytest.mark.django_db
def test_an_open_discussion_of_the_version_holds_back_approval():
    author, reviewer = make_contributor(), make_reviewer()
    version = in_review(author)
    for estimate in version.estimates.all():
        services.estimate_verify(estimate=estimate, user=reviewer)
    services.thread_open(version=version, user=author, text="Should the date be 1941?")
    with pytest.raises(services.ApprovalRefused) as refusal:
        services.version_check_approve(version=version, user=reviewer)
    assert str(refusal.value) == (
        "Every discussion must be resolved first; still open: The version as a whole."
    )


@pytest.mark.django_db
def test_a_query_opens_the_figures_discussion_and_verifying_resolves_it():
    author, reviewer = make_contributor(), make_reviewer()
    version = in_review(author)
    figure = version.estimates.first()
    services.estimate_query(estimate=figure, user=reviewer, note="Which edition?")
    thread = Thread.objects.get()
    assert (thread.estimate, thread.opened_by, thread.resolved_at) == (figure, reviewer, None)
    query = HistoryEntry.objects.get(action=Action.QUERY)
    assert query.changes["thread"] == thread.pk
    with pytest.raises(services.WorkflowError) as refusal:
        services.thread_resolve(thread=thread, user=reviewer)
    assert str(refusal.value) == (
        f"{services.figure_name(figure)} has an open query: a reviewer verifies the figure or "
        "withdraws the query, and that resolves the discussion."
    )
    services.estimate_verify(estimate=figure, user=reviewer)
    thread.refresh_from_db()
    assert thread.resolved_by == reviewer
    verify = HistoryEntry.objects.get(action=Action.VERIFY)
    assert verify.changes["resolved_threads"] == [thread.pk]


@pytest.mark.django_db
def test_only_the_versions_authors_and_reviewers_take_part(client):
    author = make_contributor("author")
    version = in_review(author)
    for outsider in (make_publisher(), make_contributor("other")):
        client.force_login(outsider)
        assert discuss(client, version, "open", text="Hello").status_code == 403
    assert (
        client.get(reverse("admin:version_discussion", args=[version.pk, "open"])).status_code
        == 405
    )
    assert not Thread.objects.exists()


@pytest.mark.django_db
def test_an_author_does_not_resolve_the_reviewers_discussion_nor_post_an_empty_message():
    author, reviewer = make_contributor(), make_reviewer()
    version = in_review(author)
    thread = services.thread_open(version=version, user=reviewer, text="The summary overstates.")
    with pytest.raises(services.WorkflowError) as refusal:
        services.thread_resolve(thread=thread, user=author)
    assert str(refusal.value) == "The reviewer, or whoever started the discussion, resolves it."
    with pytest.raises(services.WorkflowError) as refusal:
        services.thread_reply(thread=thread, user=author, text="   ")
    assert str(refusal.value) == "Write something: the other person reads it beside the figure."


@pytest.mark.django_db
def test_a_discussion_stays_with_the_versions_history_after_publication(client):
    author, reviewer = make_contributor(), make_reviewer()
    version = in_review(author)
    thread = services.thread_open(version=version, user=reviewer, text="Check the place name.")
    services.thread_reply(thread=thread, user=author, text="Katyń, with the accent.")
    services.thread_resolve(thread=thread, user=reviewer)
    for estimate in version.estimates.all():
        services.estimate_verify(estimate=estimate, user=reviewer)
    services.version_approve(version=version, user=reviewer)
    services.version_publish(version=version, user=make_publisher())
    entries = HistoryEntry.objects.filter(version=version, changes__thread=thread.pk)
    assert [entry.action for entry in entries.order_by("at", "pk")] == [
        Action.COMMENT,
        Action.COMMENT,
        Action.RESOLVE,
    ]
    with pytest.raises(services.WorkflowError) as refusal:
        services.thread_open(version=version, user=reviewer, text="Late.")
    assert str(refusal.value) == (
        "Discussions are held while a version is written or reviewed; this one is published."
    )
    client.force_login(reviewer)
    history = client.get(reverse("admin:archive_incidentversion_history", args=[version.pk]))
    assert "Katyń, with the accent." in history.content.decode()
