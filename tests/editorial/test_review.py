"""A review that remembers: a query stays beside its figure until a reviewer resolves it, the
author answers it, and the next round shows what changed since and the answer."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from archive.models import Estimate, IncidentVersion, State, Verification
from editorial import services
from editorial.models import Action, HistoryEntry
from tests.editorial.admin_forms import estimate_row, shown_text, version_post
from tests.factories import make_contributor, make_draft, make_estimate, make_place, make_reviewer


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


def review_url(version: IncidentVersion) -> str:
    return reverse("admin:version_review", args=[version.pk])


def change_url(version: IncidentVersion) -> str:
    return reverse("admin:archive_incidentversion_change", args=[version.pk])


def verdict_url(estimate: Estimate, verdict: str) -> str:
    return reverse("admin:estimate_verification", args=[estimate.version_id, estimate.pk, verdict])


def transition(client, version: IncidentVersion, action: str, comment: str = ""):
    url = reverse("admin:version_transition", args=[version.pk])
    return client.post(url, {"action": action, "comment": comment})


def edit_figure(client, version: IncidentVersion, ref: str, **changes) -> None:
    """Save the change form with every figure as it is, except ``changes`` to ``ref``."""
    rows = []
    for estimate in version.estimates.all():
        fields = {
            "ref": estimate.ref,
            "best": estimate.best,
            "as_written": estimate.as_written,
            "claimant": estimate.claimant,
            "claimant_position": estimate.claimant_position,
            "source": estimate.source_id,
            "locator": estimate.locator,
        }
        rows.append(estimate_row(**{**fields, **(changes if estimate.ref == ref else {})}))
    citations = [{"source": c.source_id, "locator": c.locator} for c in version.citations.all()]
    version.refresh_from_db()
    response = client.post(
        change_url(version),
        version_post(version=version, title=version.title, estimates=rows, citations=citations),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors


@pytest.mark.django_db
def test_two_rounds_the_reviewer_sees_300_to_250_and_the_answer_then_approves(
    client, contributor, reviewer
):
    version = three_figures(contributor)
    services.version_submit(version=version, user=contributor)
    first, queried, third = version.estimates.order_by("ref")

    # Round one: the reviewer verifies two figures, queries the third and sends it back.
    client.force_login(reviewer)
    client.post(verdict_url(first, "verify"))
    client.post(verdict_url(third, "verify"))
    client.post(verdict_url(queried, "query"), {"note": "Page 12 says 250, not 300."})
    transition(client, version, "request_changes", "One figure does not match its page.")

    # The author corrects the figure and answers the query.
    client.force_login(contributor)
    edit_figure(client, version, queried.ref, best=250, as_written="250")
    panel = shown_text(client.get(change_url(version)))
    assert "Open query by reviewer" in panel and "“Page 12 says 250, not 300.”" in panel
    client.post(verdict_url(queried, "answer"), {"answer": "Corrected to 250 as on p. 12."})
    transition(client, version, "submit")

    # Round two: the query, what changed since, and the answer, beside the figure.
    client.force_login(reviewer)
    page = shown_text(client.get(review_url(version)))
    assert "Open query by reviewer" in page
    assert "best 300 → 250" in page and "figure as written 300 → 250" in page
    assert "Answer from contributor" in page and "Corrected to 250 as on p. 12." in page
    assert "2 of 3 verified" in page
    client.post(verdict_url(queried, "verify"))
    response = transition(client, version, "approve", "All three match their pages.")

    assert response.status_code == 302
    version.refresh_from_db()
    assert version.state == State.APPROVED
    answer = HistoryEntry.objects.get(version=version, action=Action.ANSWER)
    assert (answer.user, answer.comment) == (contributor, "Corrected to 250 as on p. 12.")
    verify = HistoryEntry.objects.filter(version=version, action=Action.VERIFY).first()
    assert verify.changes["resolved_query"] == "Page 12 says 250, not 300."


@pytest.mark.django_db
def test_the_query_stays_beside_its_figure_after_the_author_changes_it(client, contributor):
    reviewer = make_reviewer()
    version = three_figures(contributor)
    services.version_submit(version=version, user=contributor)
    queried = version.estimates.get(ref="kulchabat-killed-2")
    services.estimate_query(estimate=queried, user=reviewer, note="Which edition?")
    services.version_request_changes(version=version, user=reviewer, comment="See the query.")
    client.force_login(contributor)

    edit_figure(client, version, queried.ref, locator="p. 14")

    queried.refresh_from_db()
    assert (queried.verification, queried.query_note) == (Verification.UNVERIFIED, "Which edition?")
    panel = shown_text(client.get(change_url(version)))
    assert "The reviewer queried 1 figure" in panel
    assert "“Which edition?”" in panel and "locator p. 12 → p. 14" in panel
    assert 'id="answer-' in client.get(change_url(version)).text


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
def test_approve_is_disabled_with_the_reason_while_a_figure_is_unverified(
    client, contributor, reviewer
):
    version = three_figures(contributor)
    services.version_submit(version=version, user=contributor)
    first, queried, third = version.estimates.order_by("ref")
    services.estimate_verify(estimate=first, user=reviewer)
    services.estimate_query(estimate=queried, user=reviewer, note="Which edition?")
    client.force_login(reviewer)

    response = client.get(review_url(version))

    page = shown_text(response)
    assert "1 of 3 verified · 1 queried · 1 open query" in page
    assert (
        "Approve is not possible yet. Every estimate must be verified against its citation "
        "first; queried: “300” killed, A survivors' association (kulchabat-killed-2); not yet "
        "verified: “280” killed, A historian (kulchabat-killed-3)."
    ) in page
    assert 'disabled aria-describedby="why-not-approve">Approve</button>' in response.text
    assert f'href="#estimate-{queried.pk}"' in response.text
    assert 'id="comment-request_changes"' in response.text  # sending back is still offered

    services.estimate_verify(estimate=queried, user=reviewer)
    services.estimate_verify(estimate=third, user=reviewer)
    response = client.get(review_url(version))
    assert "3 of 3 verified" in shown_text(response)
    assert "disabled" not in response.text.split('id="decision"')[1]


@pytest.mark.django_db
def test_the_author_is_told_they_cannot_approve_their_own_version(client):
    author = make_contributor()
    author.groups.add(make_reviewer().groups.get())
    version = make_draft(author)
    services.version_submit(version=version, user=author)
    client.force_login(author)

    page = shown_text(client.get(review_url(version)))

    assert "You cannot approve a version you wrote or edited: ask another reviewer." in page


@pytest.mark.django_db
@pytest.mark.parametrize("verdict", ["verify", "query", "withdraw-query"])
def test_a_verdict_returns_to_the_figures_anchor(client, contributor, reviewer, verdict):
    version = three_figures(contributor)
    services.version_submit(version=version, user=contributor)
    estimate = version.estimates.get(ref="kulchabat-killed-2")
    if verdict == "withdraw-query":
        services.estimate_query(estimate=estimate, user=reviewer, note="Which edition?")
    client.force_login(reviewer)

    response = client.post(verdict_url(estimate, verdict), {"note": "Which page?"})

    assert response.status_code == 302
    assert response["Location"] == f"{review_url(version)}#estimate-{estimate.pk}"
    page = client.get(response["Location"]).text
    assert f'<tr id="estimate-{estimate.pk}"' in page


@pytest.mark.django_db
def test_a_refused_verification_also_returns_to_the_figure(client, contributor, reviewer):
    version = make_draft(contributor)
    bare = make_estimate(version, source=None, locator="")
    services.version_submit(version=version, user=contributor)
    client.force_login(reviewer)

    response = client.post(verdict_url(bare, "verify"), follow=True)

    assert response.redirect_chain[-1][0].endswith(f"#estimate-{bare.pk}")
    assert f"Estimate “{bare.ref}” has no citation" in response.text


@pytest.mark.django_db
def test_an_answer_returns_to_where_it_was_written(client, contributor, reviewer):
    version = three_figures(contributor)
    services.version_submit(version=version, user=contributor)
    queried = version.estimates.get(ref="kulchabat-killed-2")
    services.estimate_query(estimate=queried, user=reviewer, note="Which edition?")
    services.version_request_changes(version=version, user=reviewer, comment="See the query.")
    client.force_login(contributor)

    from_review = client.post(verdict_url(queried, "answer"), {"answer": "2nd", "back": "review"})
    from_form = client.post(verdict_url(queried, "answer"), {"answer": "3rd", "back": "change"})

    assert from_review["Location"] == f"{review_url(version)}#estimate-{queried.pk}"
    assert from_form["Location"] == f"{change_url(version)}#estimate-{queried.pk}"
    page = shown_text(client.get(review_url(version)))
    assert page.index("2nd") < page.index("3rd")  # every answer since the query, in order


@pytest.mark.django_db
def test_a_new_query_starts_a_new_round(client, contributor, reviewer):
    """What changed is counted from the latest query, and only its answers are shown."""
    version = three_figures(contributor)
    services.version_submit(version=version, user=contributor)
    queried = version.estimates.get(ref="kulchabat-killed-2")
    services.estimate_query(estimate=queried, user=reviewer, note="Which edition?")
    services.version_request_changes(version=version, user=reviewer, comment="See the query.")
    services.estimate_answer(estimate=queried, user=contributor, answer="The first one.")
    Estimate.objects.filter(pk=queried.pk).update(best=250, as_written="250")
    services.version_submit(version=version, user=contributor)
    services.estimate_query(estimate=queried, user=reviewer, note="And the page?")
    client.force_login(reviewer)

    page = shown_text(client.get(review_url(version)))

    assert "“And the page?”" in page and "Nothing has changed since the query." in page
    assert "The first one." not in page and "No answer from the author yet." in page


@pytest.mark.django_db
def test_the_review_page_lists_what_to_check_besides_the_figures(client, contributor, reviewer):
    version = make_draft(contributor, description="Shot in the *forest*.")
    version.places.add(make_place("Katyń", country="Russia", latitude="54.77", longitude="31.79"))
    version.citations.all().delete()
    services.version_submit(version=version, user=contributor)
    client.force_login(reviewer)

    response = client.get(review_url(version))

    page = shown_text(response)
    assert "Besides the figures" in page
    date = "“April and May 1940”, entered as 1940-04/1940-05, read as 1 April 1940 – 31 May 1940"
    assert date in page
    assert "Katyń, Russia, 54.77, 31.79" in page
    assert "The incident as a whole cites no source" in page
    assert "<em>forest</em>" in response.text
    assert "approving does not record that you read them" in page


@pytest.mark.django_db
def test_the_review_page_costs_the_same_queries_for_3_figures_as_for_12(
    client, contributor, reviewer
):
    def cost(figures: int) -> int:
        version = make_draft(contributor, estimates=figures)
        services.version_submit(version=version, user=contributor)
        for estimate in version.estimates.all()[: figures // 2]:
            services.estimate_query(estimate=estimate, user=reviewer, note="Which page?")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(review_url(version)).status_code == 200
        return len(queries)

    client.force_login(reviewer)
    assert cost(3) == cost(12)


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
