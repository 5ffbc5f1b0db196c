"""Reviewer assignment on a version's pages: whom the author may ask when submitting, who
reviews it now, and a reviewer's "Take for review"."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from archive.models import IncidentVersion, State
from editorial import services
from editorial.admin_base import VersionAdminMixin, signed_in
from editorial.models import ReviewAssignment
from editorial.review import discussions
from editorial.workflow import REVIEW, SUBMIT


def assignment_context(version: IncidentVersion, user: User) -> dict[str, Any]:
    """What a version's change and review pages show of who reviews it and what its author
    and reviewer discuss."""
    assignment = (
        ReviewAssignment.objects.filter(version=version)
        .select_related("reviewer", "assigned_by")
        .first()
    )
    submittable = version.state in (State.DRAFT, State.CHANGES_REQUESTED)
    return {
        "assignment": assignment,
        "discussions": discussions(version),
        "can_discuss": version.state in services.DISCUSSED_STATES
        and user.has_perm(SUBMIT if user.pk in services.author_ids(version) else REVIEW),
        "can_take": version.state == State.IN_REVIEW
        and assignment is None
        and user.has_perm(REVIEW)
        and user.pk not in services.author_ids(version),
        "eligible_reviewers": list(services.eligible_reviewers(version=version, user=user))
        if submittable and user.has_perm(SUBMIT)
        else [],
    }


def chosen_reviewer(request: HttpRequest) -> User | None:
    """The reviewer picked in the submit form, if any; one that does not exist is refused."""
    picked = request.POST.get("reviewer", "").strip()
    if not picked:
        return None
    if not picked.isdecimal() or len(picked) > 18:
        raise services.WorkflowError(gettext("Choose a reviewer from the list."))
    reviewer = User.objects.filter(pk=int(picked)).first()
    if reviewer is None:
        raise services.WorkflowError(gettext("Choose a reviewer from the list."))
    return reviewer


class AssignmentAdminMixin(VersionAdminMixin):
    """Added to ``IncidentVersionAdmin``: the "Take for review" address."""

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("<int:object_id>/take/", wrap(self.take_view), name="version_take"),
            *super().get_urls(),
        ]

    def take_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return require_POST(self._take)(request, object_id)

    def _take(self, request: HttpRequest, object_id: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        version = get_object_or_404(IncidentVersion, pk=object_id)
        try:
            services.version_take(version=version, user=signed_in(request))
        except services.PermissionRefused:
            raise PermissionDenied from None
        except services.WorkflowError as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, gettext("Taken: the version waits for your review."))
        return HttpResponseRedirect(reverse("admin:version_review", args=[version.pk]))
