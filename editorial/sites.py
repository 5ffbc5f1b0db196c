"""The admin site, with a "my work" dashboard on its index page."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import OuterRef, Q, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog

from archive.models import IncidentVersion, ReaderSubmission
from editorial import notifications
from editorial.models import Action, HistoryEntry, NotificationKind, RecordChange
from editorial.workflow import PUBLISH, REVIEW, SUBMIT

DASHBOARD_ROWS = 20


class ArchiveAdminSite(admin.AdminSite):
    # Translators: "Incident Archive" is the name of the archive, as on its public pages.
    site_header = _("Incident Archive — editorial")
    site_title = _("Incident Archive")
    index_title = _("Editorial work")
    index_template = "admin/archive_index.html"
    logout_template = "admin/logged_out.html"

    def i18n_javascript(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The admin's JavaScript catalogue with the editors' own scripts' strings
        (static/editorial/*.js)."""
        catalogue = JavaScriptCatalog.as_view(packages=["django.contrib.admin", "editorial"])
        response = catalogue(request)
        assert isinstance(response, HttpResponse)  # a rendered script, never streamed
        return response

    def get_urls(self) -> list[URLPattern | URLResolver]:
        return [
            path(
                "notifications/",
                self.admin_view(self.notification_settings),
                name="notification_settings",
            ),
            *super().get_urls(),
        ]

    def notification_settings(self, request: HttpRequest) -> HttpResponse:
        """Which emails the signed-in editor receives, one checkbox per kind."""
        user = request.user
        assert isinstance(user, User)
        if request.method == "POST":
            notifications.preferences_set(user=user, wanted=request.POST.getlist("kind"))
            messages.success(request, gettext("Your notification settings are saved."))
            return HttpResponseRedirect(request.path)
        wanted = notifications.wanted_kinds(user)
        return TemplateResponse(
            request,
            "admin/editorial/notifications.html",
            {
                **self.each_context(request),
                "title": gettext("My notifications"),
                "kinds": [(kind, kind.label, kind in wanted) for kind in NotificationKind],
            },
        )

    def index(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        context = {
            "my_work": my_work(request.user),
            **record_queue(request.user),
            **submission_queue(request.user),
        }
        return super().index(request, {**(extra_context or {}), **context})


def my_work(user: User | AnonymousUser) -> list[dict[str, Any]]:
    """The queues this user works from, each a short list with its total."""
    entries = HistoryEntry.objects
    # Since when each version has been in its state: its last move there.
    arrived = (
        entries.filter(version=OuterRef("pk"), action=Action.TRANSITION, to_state=OuterRef("state"))
        .order_by("-at", "-pk")
        .values("at")[:1]
    )
    versions = (
        IncidentVersion.objects.select_related("incident", "assignment__reviewer")
        .annotate(waiting_since=Subquery(arrived))
        .order_by("-updated_at")
    )
    # The authors as ``services.author_ids`` counts them: with whoever submitted content
    # that a command-line import brought in without naming anyone.
    mine = (
        Q(created_by=user)
        | Q(pk__in=entries.authorship().filter(user=user).values("version_id"))
        | (
            Q(pk__in=entries.submissions().filter(user=user).values("version_id"))
            & Q(pk__in=entries.unattributed().values("version_id"))
        )
    )
    queues = []
    if user.has_perm(SUBMIT):
        queues.append((gettext("My drafts"), versions.in_draft().filter(mine)))
        queues.append((gettext("Sent back to me"), versions.sent_back().filter(mine)))
    if user.has_perm(REVIEW):
        waiting = versions.awaiting_review().exclude(mine)
        queues.append(
            (gettext("Assigned to me for review"), waiting.filter(assignment__reviewer_id=user.pk))
        )
        queues.append(
            (gettext("Waiting for my review"), waiting.exclude(assignment__reviewer_id=user.pk))
        )
    if user.has_perm(PUBLISH):
        queues.append((gettext("Approved, waiting to publish"), versions.approved()))
    return [
        {"title": title, "versions": list(queryset[:DASHBOARD_ROWS]), "total": queryset.count()}
        for title, queryset in queues
    ]


def record_queue(user: User | AnonymousUser) -> dict[str, Any]:
    """For reviewers: changes to shared records that wait for someone other than their author."""
    if not user.has_perm(REVIEW):
        return {}
    waiting = (
        RecordChange.objects.pending()
        .exclude(proposed_by=user)
        .select_related("content_type", "proposed_by")
        .order_by("proposed_at")
    )
    return {"record_changes": list(waiting[:DASHBOARD_ROWS]), "record_total": waiting.count()}


def submission_queue(user: User | AnonymousUser) -> dict[str, Any]:
    """For editors who moderate them: readers' submissions that wait, oldest first."""
    if not user.has_perm("archive.moderate_readersubmission"):
        return {}
    waiting = ReaderSubmission.objects.waiting().select_related("incident").order_by("received_at")
    return {
        "submissions": list(waiting[:DASHBOARD_ROWS]),
        "submission_total": waiting.count(),
    }
