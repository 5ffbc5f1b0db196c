"""The admin as editors use it: one page for an incident, its estimates and their citations."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from archive.models import Citation, Estimate, IncidentVersion, State
from editorial import services
from editorial.models import Action, HistoryEntry
from tests.editorial.admin_forms import estimate_row, version_post
from tests.factories import (
    make_contributor,
    make_draft,
    make_publisher,
    make_reviewer,
    make_source,
)

ADD_URL = reverse("admin:archive_incidentversion_add")


def change_url(version: IncidentVersion) -> str:
    return reverse("admin:archive_incidentversion_change", args=[version.pk])


def form_errors(response) -> str:
    """Every error the admin shows, as one string (form, inline and non-field errors)."""
    parts = [str(response.context["adminform"].form.errors)]
    for formset in response.context["inline_admin_formsets"]:
        parts += [str(formset.formset.errors), str(formset.formset.non_form_errors())]
    return " ".join(parts)


@pytest.mark.django_db
def test_contributor_sees_the_incident_admin(client, contributor):
    client.force_login(contributor)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert "Incident versions" in response.text
    assert client.get(reverse("admin:archive_incidentversion_changelist")).status_code == 200


@pytest.mark.django_db
def test_one_page_saves_an_incident_with_five_estimates_and_citations(client, contributor):
    sources = [make_source(f"source-{n}") for n in range(5)]
    figures = [
        {"best": 3450, "as_written": "3,450"},
        {"low": 44, "high": 3000, "as_written": "44–3,000"},
        {"best": 1000000, "qualifier": "about", "as_written": "about 1.0 million"},
        {"low": 20000, "qualifier": "over", "as_written": "over 20,000"},
        {"high": 2000000, "qualifier": "up_to", "as_written": "up to 2 million"},
    ]
    estimates = [
        estimate_row(source=source.pk, locator=f"p. {n}", **figure)
        for n, (source, figure) in enumerate(zip(sources, figures, strict=True))
    ]
    citations = [{"source": sources[0].pk, "locator": "pp. 70–71", "quote": "", "note": ""}]
    client.force_login(contributor)

    response = client.post(ADD_URL, version_post(estimates=estimates, citations=citations))

    assert response.status_code == 302, form_errors(response)
    version = IncidentVersion.objects.get(incident__slug="katyn-massacre")
    assert version.state == State.DRAFT and version.number == 1
    assert version.created_by == contributor
    assert sorted(version.estimates.values_list("as_written", flat=True)) == sorted(
        f["as_written"] for f in figures
    )
    assert list(version.estimates.values_list("ref", flat=True).order_by("ref")) == [
        f"katyn-massacre-killed-{n}" for n in range(1, 6)
    ]
    assert Citation.objects.filter(version=version, locator="pp. 70–71").exists()
    assert HistoryEntry.objects.filter(
        version=version, action=Action.CREATE, user=contributor
    ).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "estimate", "message"),
    [
        (
            {"date": "April 1940"},
            {"best": 5},
            "“April 1940” is not a valid EDTF date. Write it "
            "like 1940-04-13, 1940-04/1940-05, 1945-04~ (about April 1945), 1941/1942.",
        ),
        (
            {},
            {"low": 3000, "high": 44},
            "Low (3,000) is above high (44). Low ≤ best ≤ high: "
            "swap them, or check for a mistyped digit.",
        ),
        ({}, {"best": -5}, "-5 is negative. Figures count people: enter 0 or more"),
        ({}, {}, "Enter at least one figure: best for a single number, low and high for a range"),
        (
            {},
            {"best": 1, "assessment": "rejected"},
            "Say why this estimate is rejected: readers see the reason beside it.",
        ),
    ],
)
def test_bad_input_gets_a_message_that_says_how_to_fix_it(
    client, contributor, fields, estimate, message
):
    client.force_login(contributor)
    data = version_post(estimates=[estimate_row(as_written="x", **estimate)], **fields)

    response = client.post(ADD_URL, data)

    assert response.status_code == 200
    assert message in response.text.replace("&#x27;", "'")
    assert not IncidentVersion.objects.exists()


@pytest.mark.django_db
def test_duplicate_slug_gets_a_message_and_nothing_is_saved(client, contributor):
    make_draft(slug="katyn-massacre")
    client.force_login(contributor)

    response = client.post(ADD_URL, version_post())

    assert response.status_code == 200
    assert "An incident with the slug “katyn-massacre” already exists." in response.text
    assert IncidentVersion.objects.count() == 1


@pytest.mark.django_db
def test_editing_a_queried_estimate_makes_it_unverified_and_keeps_the_query(client, contributor):
    version = make_draft(contributor)
    estimate = version.estimates.get()
    Estimate.objects.filter(pk=estimate.pk).update(
        query_note="Check the page.", verification="queried"
    )
    row = estimate_row(
        ref=estimate.ref,
        best=101,
        as_written="101",
        claimant=estimate.claimant,
        source=estimate.source_id,
        locator=estimate.locator,
    )
    client.force_login(contributor)

    response = client.post(
        change_url(version),
        version_post(
            version=version,
            estimates=[row],
            citations=[
                {"source": c.source_id, "locator": c.locator} for c in version.citations.all()
            ],
        ),
    )

    assert response.status_code == 302, form_errors(response)
    estimate.refresh_from_db()
    assert (estimate.best, estimate.verification, estimate.query_note) == (
        101,
        "unverified",
        "Check the page.",
    )


@pytest.mark.django_db
def test_the_second_of_two_concurrent_saves_is_refused_and_the_first_kept(client, contributor):
    version = make_draft(contributor)
    opened = version_post(version=version, title="First editor's title")
    second = version_post(version=version, title="Second editor's title")  # same lock version
    client.force_login(contributor)

    assert client.post(change_url(version), opened).status_code == 302
    response = client.post(change_url(version), second)

    assert response.status_code == 200
    assert "saved this version" in response.text
    assert "after you opened it. Your changes have not been saved" in response.text
    assert 'value="Second editor&#x27;s title"' in response.text  # the refused edit is still there
    version.refresh_from_db()
    assert version.title == "First editor's title"


@pytest.mark.django_db
def test_a_version_in_review_cannot_be_edited(client, contributor):
    version = make_draft(contributor)
    IncidentVersion.objects.filter(pk=version.pk).update(state=State.IN_REVIEW)
    client.force_login(contributor)

    response = client.post(change_url(version), version_post(version=version, title="Changed"))

    assert response.status_code == 200
    assert (
        "This version is in review: it can no longer be edited. Your changes have not been "
        "saved and are still in the form below" in response.text
    )
    version.refresh_from_db()
    assert version.title != "Changed"


@pytest.mark.django_db
@pytest.mark.parametrize("submitter", ["bogdan", "contributor"])
def test_a_save_after_the_version_was_submitted_keeps_the_input_and_says_what_happened(
    client, contributor, submitter
):
    version = make_draft(contributor)
    client.force_login(contributor)
    assert client.get(change_url(version)).status_code == 200  # the editor opens the form
    opened = version_post(version=version, title="My unsaved title")
    by = contributor if submitter == "contributor" else make_contributor(submitter)
    services.version_submit(version=version, user=by)
    submitted = HistoryEntry.objects.get(version=version, action=Action.TRANSITION)
    who = "You" if by == contributor else "bogdan"

    response = client.post(change_url(version), opened)

    assert response.status_code == 200
    assert (
        f"{who} submitted this version for review at {timezone.localtime(submitted.at):%H:%M %Z}"
        ", after you opened it: it can no longer be edited. Your changes have not been saved "
        "and are still in the form below: copy them, ask a reviewer to send it back for "
        "changes, then apply them." in response.text
    )
    assert 'value="My unsaved title"' in response.text
    version.refresh_from_db()
    assert (version.title, version.state) == (f"Incident {version.incident.slug}", "in_review")
    assert not HistoryEntry.objects.filter(version=version, action=Action.EDIT).exists()


@pytest.mark.django_db
def test_a_save_after_the_version_was_published_says_to_start_a_new_draft(client, contributor):
    version = make_draft(contributor)
    opened = version_post(version=version, title="My unsaved title")
    services.version_submit(version=version, user=contributor)
    reviewer = make_reviewer()
    for estimate in version.estimates.all():
        services.estimate_verify(estimate=estimate, user=reviewer)
    services.version_approve(version=version, user=reviewer)
    services.version_publish(version=version, user=make_publisher("pia"))
    client.force_login(contributor)

    response = client.post(change_url(version), opened)

    assert response.status_code == 200
    assert "pia published this version at " in response.text
    assert "copy them, start a new draft of the incident and apply them there." in response.text
    assert 'value="My unsaved title"' in response.text
    assert IncidentVersion.objects.get(pk=version.pk).title != "My unsaved title"


@pytest.mark.django_db
def test_a_version_in_review_is_shown_read_only(client, contributor):
    version = make_draft(contributor)
    services.version_submit(version=version, user=contributor)
    client.force_login(contributor)

    response = client.get(change_url(version))

    assert response.status_code == 200
    assert 'name="title"' not in response.text


@pytest.mark.django_db
def test_contributors_cannot_hard_delete(client, contributor):
    version = make_draft(contributor)
    client.force_login(contributor)
    url = reverse("admin:archive_incidentversion_delete", args=[version.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert IncidentVersion.objects.filter(pk=version.pk).exists()


@pytest.mark.django_db
def test_a_breakdown_and_a_share_are_entered_on_the_same_page(client, contributor):
    source = make_source("quigley")
    estimates = [
        estimate_row(ref="kulchabat-killed", best=360, as_written="360", source=source.pk),
        estimate_row(
            best=20,
            as_written="20 girls",
            scope="girls",
            part_of="kulchabat-killed",
            source=source.pk,
        ),
        estimate_row(
            measure="captured", ref="pows", best=320000, as_written="320,000", source=source.pk
        ),
        estimate_row(
            qualifier="at_least",
            share_low="33.33",
            share_of="pows",
            as_written="at least one third",
            source=source.pk,
        ),
    ]
    client.force_login(contributor)

    response = client.post(ADD_URL, version_post(estimates=estimates))

    assert response.status_code == 302, form_errors(response)
    version = IncidentVersion.objects.get(incident__slug="katyn-massacre")
    rows = version.estimates.order_by("pk").values_list("scope", "part_of", "share_low", "share_of")
    assert [(s, p, str(low) if low else None, o) for s, p, low, o in rows] == [
        ("", "", None, ""),
        ("girls", "kulchabat-killed", None, ""),
        ("", "", None, ""),
        ("", "", "33.33", "pows"),
    ]
    page = client.get(change_url(version)).text
    assert '<option value="kulchabat-killed">360 (killed)</option>' in page

    services.version_submit(version=version, user=contributor)
    client.force_login(make_reviewer())
    review = client.get(reverse("admin:version_review", args=[version.pk])).text
    assert "↳ 20 girls" in review and "Counts: girls, part of 360" in review
    assert "Counts: at least 33.33 % of 320,000 captured" in review
    assert "Derived count 106,656 – 320,000 (arithmetic, not the source's)" in review
    assert "the page will read “360 killed”" in review


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [{"ref": "whole", "best": 360}, {"best": 20, "scope": "girls", "part_of": "other"}],
            "“other” is not a figure of this incident: a part breaks down a figure of the same "
            "incident (give the ref of that figure).",
        ),
        (
            [{"ref": "whole", "best": 360}, {"share_low": "120", "share_of": "whole"}],
            "120 % is not a share: enter a percentage from 0 to 100 (one third is 33.33).",
        ),
        (
            [
                {"ref": "a", "best": 10, "scope": "x", "part_of": "b"},
                {"ref": "b", "best": 10, "scope": "y", "part_of": "a"},
            ],
            "These figures are parts of one another in a circle (a → b → a): one of them must "
            "be the whole.",
        ),
        (
            [{"ref": "whole", "best": 36}, {"best": 200, "scope": "girls", "part_of": "whole"}],
            "This part (x) is more than its whole “whole” (x) allows.",
        ),
    ],
)
def test_a_relation_that_cannot_be_true_is_refused_on_the_figure_it_concerns(
    client, contributor, rows, message
):
    source = make_source()
    estimates = [estimate_row(as_written="x", source=source.pk, **row) for row in rows]
    client.force_login(contributor)

    response = client.post(ADD_URL, version_post(estimates=estimates))

    assert response.status_code == 200
    assert message in response.text.replace("&#x27;", "'")
    assert not IncidentVersion.objects.exists()
