"""Who may do what in the admin: every role against every workflow endpoint.

Success is judged by the effect (a state changed, a page shown), so a view that answers 200
but does nothing, or one that redirects after acting, is counted correctly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import reverse

from archive.models import IncidentVersion, State
from editorial import services
from editorial.models import Action, HistoryEntry
from tests.editorial.admin_forms import version_post
from tests.factories import make_contributor, make_draft, make_published, make_reviewer, make_user

ROLES = ["anonymous", "contributor", "reviewer", "publisher", "superuser_author"]


@dataclass
class World:
    draft: IncidentVersion
    in_review: IncidentVersion
    verified: IncidentVersion  # in review, every estimate verified by someone else
    approved: IncidentVersion
    published: IncidentVersion
    queried: IncidentVersion  # in review, its estimate queried by someone else
    sent_back: IncidentVersion  # sent back to its author with its estimate queried


def build_world(author) -> World:
    checker = make_reviewer()
    publisher = make_user(None, "Publishers")
    draft = make_draft(author)
    in_review = make_draft(author)
    services.version_submit(version=in_review, user=author)
    verified = make_draft(author)
    services.version_submit(version=verified, user=author)
    for estimate in verified.estimates.all():
        services.estimate_verify(estimate=estimate, user=checker)
    approved = make_draft(author)
    services.version_submit(version=approved, user=author)
    for estimate in approved.estimates.all():
        services.estimate_verify(estimate=estimate, user=checker)
    services.version_approve(version=approved, user=checker)
    published = make_published(author=author, reviewer=checker, publisher=publisher)
    queried = make_draft(author)
    services.version_submit(version=queried, user=author)
    services.estimate_query(estimate=queried.estimates.get(), user=checker, note="Which page?")
    sent_back = make_draft(author)
    services.version_submit(version=sent_back, user=author)
    services.estimate_query(estimate=sent_back.estimates.get(), user=checker, note="Which page?")
    services.version_request_changes(version=sent_back, user=checker, comment="See the query.")
    return World(draft, in_review, verified, approved, published, queried, sent_back)


def state(version: IncidentVersion) -> str:
    return IncidentVersion.objects.get(pk=version.pk).state


def transition(client, version, action, comment="Reason given."):
    url = reverse("admin:version_transition", args=[version.pk])
    return client.post(url, {"action": action, "comment": comment})


@dataclass
class Endpoint:
    name: str
    act: Callable[[object, World], object]
    succeeded: Callable[[object, World], bool]


def page(url_name: str, pick: str) -> Endpoint:
    return Endpoint(
        f"GET {url_name}",
        lambda client, w: client.get(reverse(url_name, args=[getattr(w, pick).pk])),
        lambda response, w: response.status_code == 200,
    )


ENDPOINTS = [
    page("admin:archive_incidentversion_change", "published"),
    page("admin:archive_incidentversion_history", "published"),
    page("admin:version_diff", "published"),
    page("admin:version_preview", "draft"),
    page("admin:version_review", "in_review"),
    Endpoint(
        "GET changelist",
        lambda client, w: client.get(reverse("admin:archive_incidentversion_changelist")),
        lambda response, w: response.status_code == 200,
    ),
    Endpoint(
        "POST edit draft",
        lambda client, w: client.post(
            reverse("admin:archive_incidentversion_change", args=[w.draft.pk]),
            version_post(version=w.draft, title="Edited"),
        ),
        lambda response, w: IncidentVersion.objects.get(pk=w.draft.pk).title == "Edited",
    ),
    Endpoint(
        "POST add incident",
        lambda client, w: client.post(reverse("admin:archive_incidentversion_add"), version_post()),
        lambda response, w: IncidentVersion.objects.filter(
            incident__slug="katyn-massacre"
        ).exists(),
    ),
    Endpoint(
        "POST submit",
        lambda client, w: transition(client, w.draft, "submit"),
        lambda response, w: state(w.draft) == State.IN_REVIEW,
    ),
    Endpoint(
        "POST verify",
        lambda client, w: client.post(
            reverse(
                "admin:estimate_verification",
                args=[w.in_review.pk, w.in_review.estimates.first().pk, "verify"],
            )
        ),
        lambda response, w: w.in_review.estimates.first().verification == "verified",
    ),
    Endpoint(
        "POST query",
        lambda client, w: client.post(
            reverse(
                "admin:estimate_verification",
                args=[w.in_review.pk, w.in_review.estimates.first().pk, "query"],
            ),
            {"note": "Does not match."},
        ),
        lambda response, w: w.in_review.estimates.first().verification == "queried",
    ),
    Endpoint(
        "POST approve",
        lambda client, w: transition(client, w.verified, "approve"),
        lambda response, w: state(w.verified) == State.APPROVED,
    ),
    Endpoint(
        "POST request changes",
        lambda client, w: transition(client, w.in_review, "request_changes"),
        lambda response, w: state(w.in_review) == State.CHANGES_REQUESTED,
    ),
    Endpoint(
        "POST withdraw query",
        lambda client, w: client.post(
            reverse(
                "admin:estimate_verification",
                args=[w.queried.pk, w.queried.estimates.get().pk, "withdraw-query"],
            )
        ),
        lambda response, w: w.queried.estimates.get().query_note == "",
    ),
    Endpoint(
        "POST answer",
        lambda client, w: client.post(
            reverse(
                "admin:estimate_verification",
                args=[w.sent_back.pk, w.sent_back.estimates.get().pk, "answer"],
            ),
            {"answer": "Page 12."},
        ),
        lambda response, w: HistoryEntry.objects.filter(
            version=w.sent_back, action=Action.ANSWER
        ).exists(),
    ),
    Endpoint(
        "POST publish, the confirmation page",
        lambda client, w: client.post(
            reverse("admin:version_publish", args=[w.approved.pk]), {"comment": ""}
        ),
        lambda response, w: (
            response.status_code == 200
            and "Publish now" in response.text
            and state(w.approved) == State.APPROVED
        ),
    ),
    Endpoint(
        "POST publish, confirmed",
        lambda client, w: client.post(
            reverse("admin:version_publish", args=[w.approved.pk]),
            {"comment": "", "confirm": "yes"},
        ),
        lambda response, w: state(w.approved) == State.PUBLISHED,
    ),
    Endpoint(
        "POST withdraw",
        lambda client, w: transition(client, w.published, "withdraw"),
        lambda response, w: state(w.published) == State.WITHDRAWN,
    ),
    Endpoint(
        "POST new draft",
        lambda client, w: client.post(reverse("admin:version_new_draft", args=[w.published.pk])),
        lambda response, w: w.published.incident.versions.count() == 2,
    ),
    Endpoint(
        "GET import",
        lambda client, w: client.get(reverse("admin:archive_incidentversion_import")),
        lambda response, w: response.status_code == 200,
    ),
    Endpoint(
        "GET export",
        lambda client, w: client.get(reverse("admin:archive_incidentversion_export")),
        lambda response, w: response.status_code == 200,
    ),
    Endpoint(
        "POST delete",
        lambda client, w: client.post(
            reverse("admin:archive_incidentversion_delete", args=[w.draft.pk]), {"post": "yes"}
        ),
        lambda response, w: not IncidentVersion.objects.filter(pk=w.draft.pk).exists(),
    ),
]

VIEWERS = {"contributor", "reviewer", "publisher", "superuser_author"}
ALLOWED = {
    "GET admin:archive_incidentversion_change": VIEWERS,
    "GET admin:archive_incidentversion_history": VIEWERS,
    "GET admin:version_diff": VIEWERS,
    "GET admin:version_preview": VIEWERS,
    "GET admin:version_review": VIEWERS,
    "GET changelist": VIEWERS,
    "POST edit draft": {"contributor", "superuser_author"},
    "POST add incident": {"contributor", "superuser_author"},
    "POST submit": {"contributor", "superuser_author"},
    # The superuser wrote these versions: four eyes stops them verifying or approving.
    "POST verify": {"reviewer"},
    "POST query": {"reviewer"},
    "POST approve": {"reviewer"},
    "POST request changes": {"reviewer", "superuser_author"},
    "POST publish, the confirmation page": {"publisher", "superuser_author"},
    "POST publish, confirmed": {"publisher", "superuser_author"},
    "POST withdraw query": {"reviewer"},
    # An answer is the author's: another contributor cannot answer for them.
    "POST answer": {"superuser_author"},
    "POST withdraw": {"publisher", "superuser_author"},
    "POST new draft": {"contributor", "superuser_author"},
    # Bulk import and export belong to the Data editors group (tested in test_admin_import).
    "GET import": {"superuser_author"},
    "GET export": {"superuser_author"},
    # Only a superuser may hard-delete, and a version's history entries protect it even then.
    "POST delete": set(),
}


def login_as(client, role: str):
    """Log in as ``role``; return the author of the versions that role will act on."""
    if role == "anonymous":
        return make_contributor()
    if role == "superuser_author":
        user = make_user("root", is_superuser=True)
        client.force_login(user)
        return user
    user = make_user(
        role,
        {"contributor": "Contributors", "reviewer": "Reviewers", "publisher": "Publishers"}[role],
    )
    client.force_login(user)
    return make_contributor()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_permission_matrix(client, role, endpoint):
    author = login_as(client, role)
    world = build_world(author)

    response = endpoint.act(client, world)

    expected = role in ALLOWED[endpoint.name]
    assert endpoint.succeeded(response, world) is expected, (
        f"{role} {'should' if expected else 'should not'} be able to {endpoint.name}"
    )
    if role == "anonymous":
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_matrix_covers_every_endpoint():
    assert set(ALLOWED) == {endpoint.name for endpoint in ENDPOINTS}
