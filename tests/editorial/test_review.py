"""A review that remembers: a query stays beside its figure until a reviewer resolves it, the
author answers it, and the next round shows what changed since and the answer."""

from __future__ import annotations

import pytest
from django.utils import timezone

from archive.models import IncidentVersion, Verification
from editorial import services
from editorial.models import Action, HistoryEntry
from tests.factories import make_contributor, make_draft, make_estimate


def three_figures(author) -> IncidentVersion:
    """A draft with three cited figures; the second, 300, is the one the reviewer queries."""
    version = make_draft(author, "kulchabat", estimates=0, title="Kulchabat killings")
    for ref, best, claimant in [
        ("kulchabat-killed-1", 360, "Soviet archives"),
        ("kulchabat-killed-2", 300, "A survivors' association"),
        ("kulchabat-killed-3", 280, "A historian"),
    ]:
        make_estimate(version, ref=ref, best=best, as_written=str(best), claimant=claimant)
    return version


@pytest.mark.django_db
def test_withdrawing_a_query_leaves_the_figure_to_be_verified(contributor, reviewer):
    version = three_figures(contributor)
    services.version_submit(version=version, user=contributor)
    queried = version.estimates.get(ref="kulchabat-killed-2")
    services.estimate_query(estimate=queried, user=reviewer, note="Which edition?")

    services.estimate_withdraw_query(estimate=queried, user=reviewer, comment="My mistake.")

    queried.refresh_from_db()
    assert (queried.verification, queried.query_note) == (Verification.UNVERIFIED, "")
    entry = HistoryEntry.objects.get(version=version, action=Action.UNQUERY)
    assert (entry.user, entry.comment, entry.changes["query"]) == (
        reviewer,
        "My mistake.",
        "Which edition?",
    )
    with pytest.raises(services.WorkflowError, match="no open query to withdraw"):
        services.estimate_withdraw_query(estimate=queried, user=reviewer)


@pytest.mark.django_db
def test_only_an_author_answers_a_query_and_only_while_the_version_is_with_them(
    contributor, reviewer
):
    version = three_figures(contributor)
    services.version_submit(version=version, user=contributor)
    queried = version.estimates.get(ref="kulchabat-killed-2")
    services.estimate_query(estimate=queried, user=reviewer, note="Which edition?")
    with pytest.raises(services.WorkflowError, match="while the version is with its author"):
        services.estimate_answer(estimate=queried, user=contributor, answer="The second.")
    services.version_request_changes(version=version, user=reviewer, comment="See the query.")

    with pytest.raises(services.WorkflowError, match="Only an author of this version"):
        services.estimate_answer(estimate=queried, user=make_contributor(), answer="Mine.")
    with pytest.raises(services.PermissionRefused):
        services.estimate_answer(estimate=queried, user=reviewer, answer="Mine.")
    with pytest.raises(services.WorkflowError, match="Write your answer"):
        services.estimate_answer(estimate=queried, user=contributor, answer="  ")
    other = version.estimates.get(ref="kulchabat-killed-1")
    with pytest.raises(services.WorkflowError, match="no open query to answer"):
        services.estimate_answer(estimate=other, user=contributor, answer="Nothing to say.")

    services.estimate_answer(estimate=queried, user=contributor, answer="The second edition.")

    # An answer changes no content: it makes nobody an author, and verifies nothing.
    assert not HistoryEntry.objects.authorship().filter(action=Action.ANSWER).exists()
    queried.refresh_from_db()
    assert queried.verification == Verification.QUERIED


@pytest.mark.django_db
def test_a_query_keeps_the_figure_as_it_was_in_the_history(contributor, reviewer):
    version = three_figures(contributor)
    services.version_submit(version=version, user=contributor)
    queried = version.estimates.get(ref="kulchabat-killed-2")

    services.estimate_query(estimate=queried, user=reviewer, note="Which edition?")

    entry = HistoryEntry.objects.get(version=version, action=Action.QUERY)
    assert entry.changes["estimate"] == queried.ref
    assert entry.changes["figure"]["best"] == 300
    assert entry.changes["figure"]["source"] == queried.source.key
    assert entry.at <= timezone.now()


@pytest.mark.django_db
def test_a_refused_approval_names_each_figure_in_the_way(contributor, reviewer):
    version = three_figures(contributor)
    services.version_submit(version=version, user=contributor)
    first, queried, _ = version.estimates.order_by("ref")
    services.estimate_verify(estimate=first, user=reviewer)
    services.estimate_query(estimate=queried, user=reviewer, note="Which edition?")

    with pytest.raises(services.ApprovalRefused) as refusal:
        services.version_approve(version=version, user=reviewer)

    assert str(refusal.value) == (
        "Every estimate must be verified against its citation first; queried: “300” killed, "
        "A survivors' association (kulchabat-killed-2); not yet verified: “280” killed, "
        "A historian (kulchabat-killed-3)."
    )
    assert [e.ref for e in refusal.value.estimates] == ["kulchabat-killed-2", "kulchabat-killed-3"]
