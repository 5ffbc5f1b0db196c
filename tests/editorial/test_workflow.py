"""The editorial workflow through its service functions."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from archive.models import Correction, IncidentVersion, State, Verification
from editorial import services
from editorial.models import Action, Channel, HistoryEntry
from editorial.workflow import COMMENT_REQUIRED, TRANSITIONS
from tests.factories import (
    make_draft,
    make_estimate,
    make_published,
    make_reviewer,
    make_user,
)


def review(version, reviewer) -> None:
    for estimate in version.estimates.all():
        services.estimate_verify(estimate=estimate, user=reviewer)


def test_every_transition_names_a_permission_of_the_three_roles():
    assert set(TRANSITIONS.values()) == {
        "archive.submit_version",
        "archive.review_version",
        "archive.publish_version",
    }
    assert set(TRANSITIONS) >= COMMENT_REQUIRED


@pytest.mark.django_db
def test_a_version_goes_from_draft_to_published_and_every_step_is_recorded(
    contributor, reviewer, publisher
):
    version = make_draft(contributor)
    services.version_submit(version=version, user=contributor)
    review(version, reviewer)
    services.version_approve(version=version, user=reviewer, comment="All figures match.")
    services.version_publish(version=version, user=publisher)

    steps = list(
        HistoryEntry.objects.filter(version=version, action=Action.TRANSITION)
        .order_by("pk")
        .values_list("user__username", "from_state", "to_state")
    )
    assert steps == [
        ("contributor", "draft", "in_review"),
        ("reviewer", "in_review", "approved"),
        ("publisher", "approved", "published"),
    ]
    version.refresh_from_db()
    assert version.published_at is not None
    assert HistoryEntry.objects.filter(version=version, action=Action.VERIFY).count() == 1


@pytest.mark.django_db
def test_author_cannot_approve_even_as_reviewer_or_superuser():
    author = make_user("both", "Contributors", "Reviewers")
    version = make_draft(author)
    services.version_submit(version=version, user=author)
    with pytest.raises(
        services.WorkflowError, match="You cannot verify estimates of a version you"
    ):
        services.estimate_verify(estimate=version.estimates.get(), user=author)
    review(version, make_reviewer())
    with pytest.raises(
        services.WorkflowError, match="You cannot approve a version you wrote or edited"
    ):
        services.version_approve(version=version, user=author)

    boss = make_user("boss", is_superuser=True)
    own = make_draft(boss)
    services.version_submit(version=own, user=boss)
    review(own, make_reviewer())
    with pytest.raises(services.WorkflowError, match="You cannot approve a version you wrote"):
        services.version_approve(version=own, user=boss)
    assert IncidentVersion.objects.get(pk=own.pk).state == State.IN_REVIEW


@pytest.mark.django_db
def test_an_editor_of_a_version_cannot_approve_it(contributor):
    editor = make_user("editor", "Contributors", "Reviewers")
    version = make_draft(contributor)
    services.version_edit(
        version=version,
        user=editor,
        seen_lock_version=version.lock_version,
        fields={"title": "Katyn massacre, 1940"},
    )
    services.version_submit(version=version, user=contributor)
    review(version, make_reviewer())
    with pytest.raises(services.WorkflowError, match="You cannot approve"):
        services.version_approve(version=version, user=editor)


@pytest.mark.django_db
def test_unverified_and_queried_estimates_block_approval(contributor, reviewer):
    version = make_draft(contributor, estimates=3)
    services.version_submit(version=version, user=contributor)
    first, second, _ = version.estimates.order_by("pk")
    services.estimate_verify(estimate=first, user=reviewer)
    services.estimate_query(estimate=second, user=reviewer, note="Page 71 says 44, not 4,400.")

    with pytest.raises(services.WorkflowError) as refusal:
        services.version_approve(version=version, user=reviewer)

    assert str(refusal.value).startswith("Every estimate must be verified against its citation")
    assert second.ref in str(refusal.value)
    assert IncidentVersion.objects.get(pk=version.pk).state == State.IN_REVIEW


@pytest.mark.django_db
def test_an_estimate_without_a_citation_cannot_be_verified(contributor, reviewer):
    version = make_draft(contributor)
    bare = make_estimate(version, source=None, locator="")
    services.version_submit(version=version, user=contributor)
    with pytest.raises(services.WorkflowError, match="has no citation"):
        services.estimate_verify(estimate=bare, user=reviewer)


@pytest.mark.django_db
def test_query_needs_a_note_and_reaches_the_author(contributor, reviewer):
    version = make_draft(contributor)
    services.version_submit(version=version, user=contributor)
    estimate = version.estimates.get()
    with pytest.raises(services.WorkflowError, match="Say what does not match"):
        services.estimate_query(estimate=estimate, user=reviewer, note="  ")
    services.estimate_query(estimate=estimate, user=reviewer, note="Wrong page.")
    services.version_request_changes(version=version, user=reviewer, comment="See the query.")
    estimate.refresh_from_db()
    assert (estimate.verification, estimate.query_note) == ("queried", "Wrong page.")
    assert IncidentVersion.objects.get(pk=version.pk).state == State.CHANGES_REQUESTED


@pytest.mark.django_db
@pytest.mark.parametrize("service", ["request_changes", "withdraw"])
def test_comment_is_required_where_someone_must_read_it(contributor, reviewer, publisher, service):
    version = make_published() if service == "withdraw" else make_draft(contributor)
    if service == "request_changes":
        services.version_submit(version=version, user=contributor)
        call = lambda: services.version_request_changes(version=version, user=reviewer, comment="")  # noqa: E731
    else:
        call = lambda: services.version_withdraw(version=version, user=publisher, reason=" ")  # noqa: E731
    with pytest.raises(services.WorkflowError, match="Say why in the comment"):
        call()


@pytest.mark.django_db
def test_roles_are_limited_to_their_transitions(contributor, reviewer, publisher):
    version = make_draft(contributor)
    with pytest.raises(services.PermissionRefused):
        services.version_submit(version=version, user=reviewer)
    services.version_submit(version=version, user=contributor)
    with pytest.raises(services.PermissionRefused):
        services.estimate_verify(estimate=version.estimates.get(), user=publisher)
    review(version, reviewer)
    with pytest.raises(services.PermissionRefused):
        services.version_approve(version=version, user=publisher)
    services.version_approve(version=version, user=reviewer)
    with pytest.raises(services.PermissionRefused):
        services.version_publish(version=version, user=reviewer)
    with pytest.raises(services.WorkflowError, match="cannot become"):
        services.version_submit(version=version, user=contributor)


@pytest.mark.django_db
def test_a_new_draft_of_a_published_incident_leaves_the_public_version_alone(
    client, contributor, reviewer, publisher
):
    published = make_published("katyn", title="Katyn massacre")
    draft = services.version_start_draft(incident=published.incident, user=contributor)
    IncidentVersion.objects.filter(pk=draft.pk).update(title="Katyn massacre (revised)")

    assert draft.number == 2 and draft.state == State.DRAFT
    assert list(draft.estimates.values_list("ref", flat=True)) == list(
        published.estimates.values_list("ref", flat=True)
    )
    assert draft.citations.count() == published.citations.count()
    page = client.get("/incidents/katyn/")
    assert "Katyn massacre (revised)" not in page.text and "Katyn massacre" in page.text
    with pytest.raises(services.WorkflowError, match="already has an open version"):
        services.version_start_draft(incident=published.incident, user=contributor)


@pytest.mark.django_db
def test_republishing_supersedes_needs_a_note_and_logs_a_correction(
    client, contributor, reviewer, publisher
):
    published = make_published("katyn")
    draft = services.version_start_draft(incident=published.incident, user=contributor)

    def correct_the_figure(version: IncidentVersion) -> services.EditMade:
        version.estimates.update(best=4421, as_written="4,421")
        changed = frozenset(version.estimates.values_list("pk", flat=True))
        return services.EditMade(changes={}, changed_estimate_ids=changed)

    services.version_edit(
        version=draft,
        user=contributor,
        seen_lock_version=draft.lock_version,
        apply=correct_the_figure,
    )
    services.version_submit(version=draft, user=contributor)
    review(draft, reviewer)
    services.version_approve(version=draft, user=reviewer)

    with pytest.raises(services.WorkflowError, match="say in a sentence what changed"):
        services.version_publish(version=draft, user=publisher)
    services.version_publish(version=draft, user=publisher, note="Figure corrected to 4,421.")

    assert IncidentVersion.objects.get(pk=published.pk).state == State.SUPERSEDED
    assert Correction.objects.get().note == "Figure corrected to 4,421."
    page = client.get("/incidents/katyn/")
    assert "4,421" in page.text and "Figure corrected to 4,421." in page.text
    assert "Figure corrected to 4,421." in client.get("/corrections/").text


@pytest.mark.django_db
def test_reverting_starts_a_draft_from_an_old_version(contributor, reviewer, publisher):
    first = make_published("katyn", title="Original title")
    second = services.version_start_draft(incident=first.incident, user=contributor)
    IncidentVersion.objects.filter(pk=second.pk).update(title="Changed title")
    services.version_submit(version=second, user=contributor)
    review(second, reviewer)
    services.version_approve(version=second, user=reviewer)
    services.version_publish(version=second, user=publisher, note="Retitled.")

    third = services.version_start_draft(
        incident=first.incident, user=contributor, from_version=first
    )

    assert third.number == 3 and third.title == "Original title"
    assert IncidentVersion.objects.get(pk=first.pk).title == "Original title"  # untouched
    assert IncidentVersion.objects.get(pk=second.pk).state == State.PUBLISHED


@pytest.mark.django_db
def test_withdrawing_answers_410_with_the_public_reason(client, publisher):
    version = make_published("treuenbrietzen")
    services.version_withdraw(
        version=version, user=publisher, reason="The figures could not be sourced."
    )
    response = client.get("/incidents/treuenbrietzen/")
    assert response.status_code == 410
    assert "The figures could not be sourced." in response.text
    assert Correction.objects.get().kind == Correction.Kind.WITHDRAWAL


@pytest.mark.django_db
def test_a_withdrawal_records_the_channel_it_came_through(publisher):
    version = make_published("treuenbrietzen")
    services.version_withdraw(
        version=version, user=publisher, reason="Unsourced.", channel=Channel.BENCHMARK
    )
    entry = HistoryEntry.objects.get(version=version, to_state=State.WITHDRAWN)
    assert (entry.user, entry.channel) == (publisher, Channel.BENCHMARK)


@pytest.mark.django_db
def test_scheduled_publication_waits_for_its_time(client, contributor, reviewer, publisher):
    version = make_draft(contributor, "scheduled")
    services.version_submit(version=version, user=contributor)
    review(version, reviewer)
    services.version_approve(version=version, user=reviewer)
    when = timezone.now() + datetime.timedelta(hours=2)

    services.version_publish(version=version, user=publisher, at=when)
    call_command("publish_scheduled")

    assert IncidentVersion.objects.get(pk=version.pk).state == State.APPROVED
    assert client.get("/incidents/scheduled/").status_code == 404

    published = services.publish_due(now=when + datetime.timedelta(seconds=1))

    assert [v.pk for v in published] == [version.pk]
    version.refresh_from_db()
    assert version.state == State.PUBLISHED and version.publish_at is None
    last = HistoryEntry.objects.filter(version=version, action=Action.TRANSITION).first()
    assert last.user == publisher and last.to_state == State.PUBLISHED
    assert client.get("/incidents/scheduled/").status_code == 200


@pytest.mark.django_db
def test_sending_back_a_scheduled_version_cancels_the_schedule(contributor, reviewer, publisher):
    version = make_draft(contributor)
    services.version_submit(version=version, user=contributor)
    review(version, reviewer)
    services.version_approve(version=version, user=reviewer)
    services.version_publish(
        version=version, user=publisher, at=timezone.now() + datetime.timedelta(hours=1)
    )
    services.version_request_changes(version=version, user=reviewer, comment="One more check.")
    version.refresh_from_db()
    assert version.publish_at is None
    assert services.publish_due(now=timezone.now() + datetime.timedelta(days=1)) == []


@pytest.mark.django_db
def test_an_edit_records_what_changed_and_sends_a_changed_figure_back_to_be_verified(
    contributor, reviewer
):
    version = make_draft(contributor, slug="katyn")
    services.version_submit(version=version, user=contributor)
    review(version, reviewer)
    services.version_request_changes(version=version, user=reviewer, comment="Check the title.")

    def correct_the_figure(version: IncidentVersion) -> services.EditMade:
        version.estimates.update(best=4421)
        changed = frozenset(version.estimates.values_list("pk", flat=True))
        return services.EditMade(
            changes={"inlines": ["estimate: 0 added, 1 changed, 0 removed"]},
            changed_estimate_ids=changed,
        )

    services.version_edit(
        version=version,
        user=contributor,
        seen_lock_version=version.lock_version,
        fields={"title": "Katyn massacre, 1940"},
        apply=correct_the_figure,
    )

    version.refresh_from_db()
    edit = HistoryEntry.objects.get(version=version, action=Action.EDIT)
    assert (version.title, version.lock_version) == ("Katyn massacre, 1940", 1)
    assert edit.changes == {
        "fields": ["title"],
        "inlines": ["estimate: 0 added, 1 changed, 0 removed"],
        "unverified": ["katyn-killed-1"],
    }
    assert edit.user == contributor
    assert version.estimates.get().verification == Verification.UNVERIFIED


@pytest.mark.django_db
def test_an_edit_from_an_outdated_copy_is_refused_and_changes_nothing(contributor):
    version = make_draft(contributor, slug="katyn")
    opened = version.lock_version
    services.version_edit(
        version=version, user=contributor, seen_lock_version=opened, fields={"title": "First"}
    )

    with pytest.raises(services.EditConflict) as refusal:
        services.version_edit(
            version=IncidentVersion.objects.get(pk=version.pk),
            user=contributor,
            seen_lock_version=opened,
            fields={"title": "Second"},
        )

    assert str(refusal.value).startswith(f"{contributor.get_username()} saved this version at ")
    assert str(refusal.value).endswith(
        ", after you opened it. Your changes have not been saved and are still in the form "
        "below: open the version in a new tab to see what changed, then apply your changes "
        "there."
    )
    version.refresh_from_db()
    assert (version.title, version.lock_version) == ("First", 1)
    assert HistoryEntry.objects.filter(version=version, action=Action.EDIT).count() == 1
