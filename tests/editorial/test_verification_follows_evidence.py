"""Verification follows the evidence: whatever removes, detaches, moves or edits a figure's
citation, its source or the figure itself makes the figure unverified again, so a version
cannot be approved, nor published, with a figure that nothing cites marked as checked."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.forms.models import model_to_dict
from django.urls import reverse

from archive.models import Citation, Estimate, IncidentVersion, State, Verification
from editorial import services
from editorial.models import Action, HistoryEntry
from tests.crawl import leaks
from tests.editorial.admin_forms import estimate_row, shown_text, version_post
from tests.factories import (
    make_contributor,
    make_draft,
    make_estimate,
    make_publisher,
    make_reviewer,
    make_source,
)

CITED = "katyn-killed-1"  # cited only by a citation of its own
OTHER = "katyn-killed-2"  # cited by its own source field
# How a refusal names each figure.
NAMED = {
    CITED: "“21,857” killed, A historian (katyn-killed-1)",
    OTHER: "“22,000” killed, A historian (katyn-killed-2)",
}


def verified_version(author) -> IncidentVersion:
    """A draft whose first figure's only citation is a citation row, the second's its source."""
    version = make_draft(author, "katyn", estimates=0, title="Katyn massacre")
    cited = make_estimate(
        version, ref=CITED, source=None, locator="", best=21857, as_written="21,857"
    )
    make_estimate(version, ref=OTHER, best=22000, as_written="22,000")
    Citation.objects.create(
        version=version, estimate=cited, source=make_source("naimark-1995"), locator="pp. 70–71"
    )
    return version


def verify_all(version: IncidentVersion, reviewer) -> None:
    for estimate in version.estimates.all():
        services.estimate_verify(estimate=estimate, user=reviewer)


def sent_back(author, reviewer) -> IncidentVersion:
    """Every figure verified, then the version sent back to its author."""
    version = verified_version(author)
    services.version_submit(version=version, user=author)
    verify_all(version, reviewer)
    services.version_request_changes(version=version, user=reviewer, comment="Add the place.")
    return version


def estimate_rows(version: IncidentVersion, **changes: dict[str, Any]) -> list[dict[str, Any]]:
    """Every estimate as its form shows it, with ``changes`` by ref."""
    rows = []
    for estimate in version.estimates.all():
        fields = model_to_dict(estimate, fields=list(estimate_row()))
        rows.append(estimate_row(**{**fields, **changes.get(estimate.ref, {})}))
    return rows


def citation_rows(version: IncidentVersion, change: dict[str, Any]) -> list[dict[str, Any]]:
    """Every citation as its form shows it; ``change`` applies to the one of ``CITED``."""
    rows = []
    for citation in version.citations.all():
        row = model_to_dict(citation, fields=["source", "locator", "quote", "note", "estimate"])
        row["estimate"] = row["estimate"] or ""
        if citation.estimate and citation.estimate.ref == CITED:
            row.update(change)
        rows.append(row)
    return rows


def save(client, version: IncidentVersion, **post: Any):
    response = client.post(
        reverse("admin:archive_incidentversion_change", args=[version.pk]),
        version_post(version=version, **post),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def verification(version: IncidentVersion) -> dict[str, str]:
    return dict(version.estimates.values_list("ref", "verification"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "unverified"),
    [
        pytest.param(lambda v: {"estimate": ""}, [CITED], id="detached"),
        pytest.param(
            lambda v: {"estimate": v.estimates.get(ref=OTHER).pk}, [CITED, OTHER], id="moved"
        ),
        pytest.param(lambda v: {"DELETE": "on"}, [CITED], id="deleted"),
        pytest.param(lambda v: {"source": make_source("other-book").pk}, [CITED], id="source"),
        pytest.param(lambda v: {"locator": "p. 7"}, [CITED], id="locator"),
        pytest.param(lambda v: {"quote": "21,857 were shot."}, [CITED], id="quote"),
    ],
)
def test_changing_a_figures_citation_makes_it_unverified_and_approval_is_refused(
    client, reviewer, change, unverified
):
    # Only those who may delete a citation see the delete box (superusers, as things stand).
    contributor = make_contributor()
    contributor.user_permissions.add(Permission.objects.get(codename="delete_citation"))
    contributor = User.objects.get(pk=contributor.pk)
    version = sent_back(contributor, reviewer)
    client.force_login(contributor)

    save(
        client,
        version,
        estimates=estimate_rows(version),
        citations=citation_rows(version, change(version)),
    )

    expected = {CITED: "verified", OTHER: "verified"} | dict.fromkeys(unverified, "unverified")
    assert verification(version) == expected
    assert not version.estimates.filter(verification="unverified").exclude(verified_by=None)
    edit = HistoryEntry.objects.filter(version=version, action=Action.EDIT).get()
    assert edit.changes["unverified"] == unverified
    services.version_submit(version=version, user=contributor)
    with pytest.raises(services.WorkflowError) as refusal:
        services.version_approve(version=version, user=reviewer)
    assert str(refusal.value) == (
        "Every estimate must be verified against its citation first; not yet verified: "
        f"{', '.join(NAMED[ref] for ref in unverified)}."
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        {"source": None},  # set below: another source
        {"locator": "p. 13"},
        {"quote": "about 22,000"},
        {"claimant": "Another historian"},
        {"best": 22001},
    ],
    ids=["source", "locator", "quote", "claimant", "figure"],
)
def test_changing_a_figure_or_its_own_source_makes_it_unverified(
    client, contributor, reviewer, change
):
    version = sent_back(contributor, reviewer)
    if "source" in change:
        change = {"source": make_source("other-book").pk}
    client.force_login(contributor)

    save(
        client,
        version,
        estimates=estimate_rows(version, **{OTHER: change}),
        citations=citation_rows(version, {}),
    )

    assert verification(version) == {CITED: "verified", OTHER: "unverified"}


@pytest.mark.django_db
def test_a_save_that_changes_no_evidence_keeps_every_verification(client, contributor, reviewer):
    version = sent_back(contributor, reviewer)
    client.force_login(contributor)

    save(
        client,
        version,
        title="Katyn massacre of 1940",
        estimates=estimate_rows(version),
        citations=citation_rows(version, {}),
    )

    assert verification(version) == {CITED: "verified", OTHER: "verified"}
    assert "unverified" not in HistoryEntry.objects.get(version=version, action="edit").changes


@pytest.mark.django_db
def test_a_reviewers_query_stays_with_the_figure_the_author_changed(client, contributor, reviewer):
    version = verified_version(contributor)
    services.version_submit(version=version, user=contributor)
    services.estimate_verify(estimate=version.estimates.get(ref=OTHER), user=reviewer)
    services.estimate_query(
        estimate=version.estimates.get(ref=CITED), user=reviewer, note="The page says 21,587."
    )
    services.version_request_changes(version=version, user=reviewer, comment="See the query.")
    client.force_login(contributor)

    save(
        client,
        version,
        estimates=estimate_rows(version, **{CITED: {"best": 21587, "as_written": "21,587"}}),
        citations=citation_rows(version, {}),
    )

    cited = version.estimates.get(ref=CITED)
    assert (cited.verification, cited.query_note) == ("unverified", "The page says 21,587.")
    services.version_submit(version=version, user=contributor)
    client.force_login(reviewer)
    review = shown_text(client.get(reverse("admin:version_review", args=[version.pk])))
    assert "Open query by reviewer" in review and "“The page says 21,587.”" in review
    assert "best 21857 → 21587" in review
    services.estimate_verify(estimate=cited, user=reviewer)
    cited.refresh_from_db()
    assert (cited.verification, cited.query_note) == ("verified", "")


@pytest.mark.django_db
def test_a_published_page_never_shows_a_figure_checked_against_a_citation_it_lost(
    client, contributor, reviewer
):
    version = verified_version(contributor)
    services.version_submit(version=version, user=contributor)
    verify_all(version, reviewer)
    services.version_approve(version=version, user=reviewer)
    services.version_publish(version=version, user=make_publisher())
    draft = services.version_start_draft(incident=version.incident, user=contributor)
    assert verification(draft) == {CITED: "verified", OTHER: "verified"}  # carried over
    client.force_login(contributor)

    save(
        client,
        draft,
        title="Katyn massacre DRAFT-MARKER",
        estimates=estimate_rows(draft),
        citations=citation_rows(draft, {"estimate": ""}),
    )
    services.version_submit(version=draft, user=contributor)
    second_reviewer = make_reviewer()

    with pytest.raises(services.WorkflowError) as unverifiable:
        services.estimate_verify(estimate=draft.estimates.get(ref=CITED), user=second_reviewer)
    with pytest.raises(services.WorkflowError):
        services.version_approve(version=draft, user=second_reviewer)

    assert str(unverifiable.value) == (
        f"Estimate “{CITED}” has no citation: it cannot be verified until the author adds the "
        "source it comes from."
    )
    draft.refresh_from_db()
    assert draft.state == State.IN_REVIEW
    assert not Estimate.objects.filter(
        version__state=State.PUBLISHED,
        verification=Verification.VERIFIED,
        source__isnull=True,
        citations__isnull=True,
    ).exists()
    client.logout()
    page = client.get("/incidents/katyn/").text
    assert "pp. 70–71" in page and page.count(">verified</span>") == 2
    assert leaks(["DRAFT-MARKER"], client) == []


@pytest.mark.django_db
def test_importing_a_changed_citation_unverifies_its_figure_and_keeps_the_query(
    tmp_path, contributor, reviewer
):
    import io

    from django.core.management import call_command

    version = sent_back(contributor, reviewer)
    Estimate.objects.filter(ref=CITED).update(query_note="Which edition?")
    path = tmp_path / "citations.csv"
    path.write_text(
        "incident,source,locator,quote,note,estimate\n"
        f"katyn,naimark-1995,pp. 70–71,21857 were shot.,,{CITED}\n"
    )

    call_command(
        "import",
        "editorial.resources.CitationResource",
        str(path),
        "--no-input",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )

    cited = version.estimates.get(ref=CITED)
    assert (cited.verification, cited.verified_by, cited.query_note) == (
        "unverified",
        None,
        "Which edition?",
    )
    assert verification(version)[OTHER] == "verified"
