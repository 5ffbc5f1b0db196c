"""Workflow pages of the incident version admin: transitions, verification, review, preview,
diff, history and new drafts. State-changing views accept POST only and check CSRF."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST, require_safe

from archive.estimates import summarise
from archive.models import Estimate, IncidentVersion, State
from archive.pages import incident_context, origin
from editorial import services
from editorial.diff import version_diff
from editorial.models import HistoryEntry
from editorial.workflow import PUBLISH, REVIEW, SUBMIT


def available_actions(version: IncidentVersion, user) -> list[dict[str, str]]:
    """The buttons to show: what the table allows from this state and the user may do."""
    actions = []
    state = version.state
    if state in (State.DRAFT, State.CHANGES_REQUESTED) and user.has_perm(SUBMIT):
        actions.append({"name": "submit", "label": "Submit for review", "comment": "optional"})
    if state == State.IN_REVIEW and user.has_perm(REVIEW):
        actions.append({"name": "approve", "label": "Approve", "comment": "optional"})
    if state in (State.IN_REVIEW, State.APPROVED) and user.has_perm(REVIEW):
        actions.append(
            {"name": "request_changes", "label": "Send back for changes", "comment": "required"}
        )
    if state == State.APPROVED and user.has_perm(PUBLISH):
        actions.append({"name": "publish", "label": "Publish", "comment": "note", "schedule": "1"})
    if state == State.PUBLISHED and user.has_perm(PUBLISH):
        actions.append({"name": "withdraw", "label": "Withdraw", "comment": "required"})
    return actions


def key_or_none(object_id: object) -> int | None:
    """An id from an admin address: a whole number, else None (the page answers 404)."""
    text = str(object_id)
    return int(text) if text.isascii() and text.isdecimal() and len(text) < 19 else None


class WorkflowAdminMixin:
    """Added to ``IncidentVersionAdmin``."""

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:object_id>/transition/", wrap(self.transition_view), name="version_transition"
            ),
            path(
                "<int:object_id>/estimates/<int:estimate_id>/<str:verdict>/",
                wrap(self.verification_view),
                name="estimate_verification",
            ),
            path("<int:object_id>/review/", wrap(self.review_view), name="version_review"),
            path("<int:object_id>/preview/", wrap(self.preview_view), name="version_preview"),
            path("<int:object_id>/diff/", wrap(self.diff_view), name="version_diff"),
            path("<int:object_id>/new-draft/", wrap(self.new_draft_view), name="version_new_draft"),
            *super().get_urls(),
        ]

    def _version_or_404(self, request: HttpRequest, object_id: int) -> IncidentVersion:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(IncidentVersion.objects.select_related("incident"), pk=object_id)

    def _back(self, version: IncidentVersion, page: str = "change"):
        name = (
            "admin:archive_incidentversion_change" if page == "change" else "admin:version_review"
        )
        return redirect(reverse(name, args=[version.pk]))

    @staticmethod
    def _run(request: HttpRequest, action) -> object | None:
        """Run a service call; tell the user what happened. A missing permission is a 403."""
        try:
            message, result = action()
        except services.PermissionRefused:
            raise PermissionDenied from None
        except services.WorkflowError as refusal:
            messages.error(request, str(refusal))
            return None
        messages.success(request, message)
        return result

    @staticmethod
    def _schedule_time(request: HttpRequest) -> datetime.datetime | None:
        text = request.POST.get("publish_at", "").strip()
        if not text:
            return None
        moment = parse_datetime(text)
        if moment is None:
            raise services.WorkflowError(
                f"“{text}” is not a date and time; write it like 2026-12-01T09:00."
            )
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment

    @staticmethod
    def _perform(request: HttpRequest, version: IncidentVersion, name: str) -> str:
        """Carry out the named transition; return what to tell the user."""
        user, comment = request.user, request.POST.get("comment", "")
        if name == "submit":
            services.version_submit(version=version, user=user, comment=comment)
            return "Submitted for review."
        if name == "approve":
            services.version_approve(version=version, user=user, comment=comment)
            return "Approved: a publisher can now publish it."
        if name == "request_changes":
            services.version_request_changes(version=version, user=user, comment=comment)
            return "Sent back to the author with your comment."
        if name == "publish":
            at = WorkflowAdminMixin._schedule_time(request)
            version = services.version_publish(version=version, user=user, note=comment, at=at)
            if version.state == State.APPROVED:
                return f"Scheduled for {timezone.localtime(version.publish_at):%Y-%m-%d %H:%M %Z}."
            return "Published: the public site now shows this version."
        if name == "withdraw":
            services.version_withdraw(version=version, user=user, reason=comment)
            return "Withdrawn: the public page now answers 410 Gone with your reason."
        raise services.WorkflowError(f"“{name}” is not a workflow action.")

    @staticmethod
    def _refuse_unknown(name: str) -> None:
        if name not in {"submit", "approve", "request_changes", "publish", "withdraw"}:
            raise Http404

    def transition_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return require_POST(self._transition)(request, object_id)

    def _transition(self, request: HttpRequest, object_id: int) -> HttpResponse:
        version = self._version_or_404(request, object_id)
        name = request.POST.get("action", "")
        self._refuse_unknown(name)
        self._run(request, lambda: (self._perform(request, version, name), None))
        return self._back(version)

    def verification_view(
        self, request: HttpRequest, object_id: int, estimate_id: int, verdict: str
    ) -> HttpResponse:
        return require_POST(self._verification)(request, object_id, estimate_id, verdict)

    def _verification(self, request, object_id, estimate_id, verdict) -> HttpResponse:
        version = self._version_or_404(request, object_id)
        estimate = get_object_or_404(Estimate, pk=estimate_id, version=version)
        if verdict == "verify":
            self._run(
                request,
                lambda: (
                    f"Estimate “{estimate.as_written}” verified against its citation.",
                    services.estimate_verify(estimate=estimate, user=request.user),
                ),
            )
        elif verdict == "query":
            note = request.POST.get("note", "")
            self._run(
                request,
                lambda: (
                    f"Estimate “{estimate.as_written}” queried; the author will see your note.",
                    services.estimate_query(estimate=estimate, user=request.user, note=note),
                ),
            )
        else:
            raise Http404
        return self._back(version, "review")

    def review_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return require_safe(self._review)(request, object_id)

    def _review(self, request, object_id) -> HttpResponse:
        version = self._version_or_404(request, object_id)
        estimates = []
        measures = summarise(
            list(
                version.estimates.select_related("source", "verified_by")
                .prefetch_related("citations__source")
                .order_by("measure", "position", "pk")
            )
        )
        for measure in measures:  # parts under their whole, each saying what it counts
            for row in measure.rows:
                row.estimate.counts, row.estimate.derived = row.counts, row.derived
                row.estimate.depth = row.depth
                estimates.append(row.estimate)
        return TemplateResponse(
            request,
            "admin/archive/incidentversion/review.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": f"Review: {version.title}",
                "version": version,
                "estimates": estimates,
                "measures": measures,
                "incident_citations": version.citations.filter(
                    estimate__isnull=True
                ).select_related("source"),
                # Proceedings belong to the incident, not the version: they are checked here
                # with the version that will show them.
                "proceedings": version.incident.proceedings.select_related("source"),
                "can_review": request.user.has_perm(REVIEW) and version.state == State.IN_REVIEW,
                "is_author": request.user.pk in services.author_ids(version),
                "actions": available_actions(version, request.user),
            },
        )

    def preview_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return require_safe(self._preview)(request, object_id)

    def _preview(self, request, object_id) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        version = get_object_or_404(
            IncidentVersion.objects.with_incident().with_page_content(),
            pk=object_id,
        )
        context = {**incident_context(version), "preview": True, "origin": origin(request)}
        return TemplateResponse(request, "archive/incident_detail.html", context)

    def diff_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return require_safe(self._diff)(request, object_id)

    def _diff(self, request, object_id) -> HttpResponse:
        version = self._version_or_404(request, object_id)
        others = version.incident.versions.exclude(pk=version.pk).order_by("-number")
        against_id = request.GET.get("against", "")
        against = others.filter(pk=against_id).first() if against_id.isdigit() else others.first()
        diff = None
        if against is not None:
            old, new = sorted([against, version], key=lambda v: v.number)
            diff = version_diff(old, new)
        return TemplateResponse(
            request,
            "admin/archive/incidentversion/diff.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": f"Compare versions: {version.title}",
                "version": version,
                "others": others,
                "against": against,
                "diff": diff,
            },
        )

    def new_draft_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return require_POST(self._new_draft)(request, object_id)

    def _new_draft(self, request, object_id) -> HttpResponse:
        version = self._version_or_404(request, object_id)
        draft = self._run(
            request,
            lambda: (
                f"New draft started from version {version.number}.",
                services.version_start_draft(
                    incident=version.incident, user=request.user, from_version=version
                ),
            ),
        )
        return self._back(draft or version)

    def history_view(self, request: HttpRequest, object_id: str, extra_context=None):
        version = self._version_or_404(request, key_or_none(object_id) or 0)
        entries = HistoryEntry.objects.filter(incident=version.incident).select_related(
            "user", "version"
        )
        return TemplateResponse(
            request,
            "admin/archive/incidentversion/history.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": f"History: {version.incident.slug}",
                "version": version,
                "entries": entries,
                "versions": version.incident.versions.select_related("created_by").order_by(
                    "number"
                ),
            },
        )

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        version = (
            IncidentVersion.objects.filter(pk=key_or_none(object_id) or 0)
            .select_related("incident")
            .first()
        )
        if version is not None:
            last_transition = (
                HistoryEntry.objects.filter(version=version, action="transition")
                .select_related("user")
                .first()
            )
            extra_context = {
                **(extra_context or {}),
                "workflow_actions": available_actions(version, request.user),
                "last_transition": last_transition,
                "queried": version.estimates.filter(verification="queried"),
                "other_versions": version.incident.versions.exclude(pk=version.pk).order_by(
                    "-number"
                ),
                "can_start_draft": version.state
                in (State.PUBLISHED, State.SUPERSEDED, State.WITHDRAWN)
                and request.user.has_perm("archive.add_incidentversion")
                and not version.incident.versions.open().exists(),
            }
        return super().change_view(request, object_id, form_url, extra_context)
