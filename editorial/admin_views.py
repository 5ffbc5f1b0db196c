"""Workflow pages of the incident version admin: transitions, verification, review, preview,
diff, history and new drafts. State-changing views accept POST only and check CSRF."""

from __future__ import annotations

import datetime
import functools
import zoneinfo
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import dateformat, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from archive.estimates import headlines, summarise
from archive.models import Estimate, IncidentVersion, State, Verification, attach_copies
from archive.pages import incident_context, origin
from editorial import services
from editorial.admin_assignment import assignment_context, chosen_reviewer
from editorial.admin_base import VersionAdminMixin, signed_in
from editorial.diff import version_diff
from editorial.models import Action, HistoryEntry
from editorial.review import checklist, query_threads
from editorial.workflow import (
    COMMENT_REQUIRED,
    REVIEW,
    SUBMIT,
    TRANSITIONS,
    targets_from,
)

PUBLISHED_MESSAGE = _("Published: the public site now shows this version.")


def scheduled_message(at: datetime.datetime, zone_name: str) -> str:
    return gettext("Scheduled for {moment}.").format(moment=when_in(at, zone_name))


def when_in(at: datetime.datetime, zone_name: str) -> str:
    """A moment in the editor's zone and in UTC: 2026-12-01 09:00 Europe/Warsaw (08:00 UTC)."""
    local, utc = at.astimezone(zoneinfo.ZoneInfo(zone_name)), at.astimezone(datetime.UTC)
    return f"{local:%Y-%m-%d %H:%M} {zone_name} ({utc:%Y-%m-%d %H:%M} UTC)"


def long_moment(at: datetime.datetime, zone_name: str) -> str:
    """Tuesday 1 December 2026, 09:00 Europe/Warsaw (CET, UTC+01:00)."""
    local = at.astimezone(zoneinfo.ZoneInfo(zone_name))
    # The names of the day and month in the language of the page.
    day = dateformat.format(local, "l j F Y, H:i")
    if zone_name == "UTC":
        return f"{day} UTC"
    return f"{day} {zone_name} ({local:%Z}, UTC{local:%:z})"


# The button for each state a version can be moved to, in the order the table lists them.
# Superseding is no one's button: publishing a newer version does it.
BUTTONS = {
    State.IN_REVIEW: ("submit", _("Submit for review")),
    State.APPROVED: ("approve", pgettext_lazy("button: approve a version", "Approve")),
    State.CHANGES_REQUESTED: ("request_changes", _("Send back for changes")),
    State.PUBLISHED: ("publish", pgettext_lazy("button: opens the publish page", "Publish…")),
    State.WITHDRAWN: (
        "withdraw",
        pgettext_lazy("button: withdraw a published version", "Withdraw"),
    ),
}
# The state each button's posted action name moves a version to.
TARGETS = {name: target for target, (name, _label) in BUTTONS.items()}


def available_actions(version: IncidentVersion, user: User) -> list[dict[str, Any]]:
    """The buttons to show: what the table allows from this state and the user may do. An
    approval that cannot succeed yet carries the service's refusal: the button is shown
    disabled, with the reason and the figures in the way."""
    actions = []
    source = State(version.state)
    for target in targets_from(source):
        if target not in BUTTONS or not user.has_perm(TRANSITIONS[(source, target)]):
            continue
        name, label = BUTTONS[target]
        action: dict[str, Any] = {"name": name, "label": label, "target": target}
        if target == State.PUBLISHED:
            action["comment"] = "note"
        elif (source, target) in COMMENT_REQUIRED:
            action["comment"] = "required"
        else:
            action["comment"] = "optional"
        if target == State.APPROVED:
            try:
                services.version_check_approve(version=version, user=user)
            except services.ApprovalRefused as refusal:
                action["refusal"], action["blocking"] = str(refusal), refusal.estimates
            except services.WorkflowError as refusal:
                action["refusal"], action["blocking"] = str(refusal), []
        actions.append(action)
    return actions


def shown_with(estimate: Estimate, **shown: object) -> None:
    """Set what a page shows beside a figure on the figure, for its template: what it
    counts, its depth under its whole, its open query's thread."""
    for name, value in shown.items():
        setattr(estimate, name, value)


def key_or_none(object_id: object) -> int | None:
    """An id from an admin address: a whole number, else None (the page answers 404)."""
    text = str(object_id)
    return int(text) if text.isascii() and text.isdecimal() and len(text) < 19 else None


@functools.cache
def time_zones() -> list[str]:
    return sorted(zoneinfo.available_timezones())


def editor_time_zone(request: HttpRequest) -> str:
    """The zone this editor last scheduled in, else the site's (settings.TIME_ZONE)."""
    chosen = request.session.get(TIME_ZONE_KEY, "")
    return chosen if chosen in time_zones() else timezone.get_default_timezone_name()


TIME_ZONE_KEY = "editorial_time_zone"

# Where the author's answer form sends them back to.
ANSWER_PAGES = {"change": "admin:archive_incidentversion_change", "review": "admin:version_review"}


class WorkflowAdminMixin(VersionAdminMixin):
    """Added to ``IncidentVersionAdmin``."""

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:object_id>/transition/", wrap(self.transition_view), name="version_transition"
            ),
            path("<int:object_id>/publish/", wrap(self.publish_view), name="version_publish"),
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

    def _back(
        self, version: IncidentVersion, page: str = "change", anchor: str = ""
    ) -> HttpResponse:
        name = (
            "admin:archive_incidentversion_change" if page == "change" else "admin:version_review"
        )
        return redirect(reverse(name, args=[version.pk]) + (f"#{anchor}" if anchor else ""))

    @staticmethod
    def _run[T](request: HttpRequest, action: Callable[[], tuple[str, T]]) -> T | None:
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
    def _schedule_time(request: HttpRequest) -> tuple[datetime.datetime | None, str]:
        """The time to publish at, in the time zone the editor chose (stored in UTC), and that
        zone's name. Empty: now. A time that has passed, or that the zone's clocks skip, is
        refused rather than read as something else."""
        zone_name = request.POST.get("time_zone", "").strip() or editor_time_zone(request)
        if zone_name not in time_zones():
            raise services.WorkflowError(
                gettext("“{zone}” is not a time zone we know.").format(zone=zone_name)
            )
        text = request.POST.get("publish_at", "").strip()
        if not text:
            return None, zone_name
        moment = parse_datetime(text)
        if moment is None:
            raise services.WorkflowError(
                gettext("“{text}” is not a date and time; write it like 2026-12-01T09:00.").format(
                    text=text
                )
            )
        zone = zoneinfo.ZoneInfo(zone_name)
        if timezone.is_aware(moment):
            moment = moment.astimezone(zone)
        else:
            moment = moment.replace(tzinfo=zone)
            there = moment.astimezone(datetime.UTC).astimezone(zone)
            if there.replace(tzinfo=None) != moment.replace(tzinfo=None):
                raise services.WorkflowError(
                    gettext(
                        "{moment} does not exist in {zone}: the clocks skip it. Choose another "
                        "time."
                    ).format(moment=f"{moment:%Y-%m-%d %H:%M}", zone=zone_name)
                )
        if moment <= timezone.now():
            raise services.WorkflowError(
                gettext(
                    "{moment} {zone} has passed: leave the time empty to publish now, or choose "
                    "a later time."
                ).format(moment=f"{moment:%Y-%m-%d %H:%M}", zone=zone_name)
            )
        return moment, zone_name

    @staticmethod
    def _perform(request: HttpRequest, version: IncidentVersion, name: str) -> str:
        """Carry out the named transition; return what to tell the user."""
        user, comment = signed_in(request), request.POST.get("comment", "")
        target = TARGETS.get(name)
        if target == State.IN_REVIEW:
            reviewer = chosen_reviewer(request)
            services.version_submit(version=version, user=user, comment=comment, reviewer=reviewer)
            if reviewer is not None:
                return gettext("Submitted for review by {reviewer}.").format(
                    reviewer=reviewer.get_username()
                )
            return gettext("Submitted for review.")
        if target == State.APPROVED:
            services.version_approve(version=version, user=user, comment=comment)
            return gettext("Approved: a publisher can now publish it.")
        if target == State.CHANGES_REQUESTED:
            services.version_request_changes(version=version, user=user, comment=comment)
            return gettext("Sent back to the author with your comment.")
        if target == State.WITHDRAWN:
            services.version_withdraw(version=version, user=user, reason=comment)
            return gettext("Withdrawn: the public page now answers 410 Gone with your reason.")
        raise services.WorkflowError(
            gettext("“{name}” is not a workflow action.").format(name=name)
        )

    @staticmethod
    def _refuse_unknown(name: str) -> None:
        if name not in TARGETS:
            raise Http404

    def transition_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return require_POST(self._transition)(request, object_id)

    def _transition(self, request: HttpRequest, object_id: int) -> HttpResponse:
        name = request.POST.get("action", "")
        self._refuse_unknown(name)
        if TARGETS[name] == State.PUBLISHED:  # publishing always passes through its confirmation
            return self._publish(request, object_id)
        version = self._version_or_404(request, object_id)
        self._run(request, lambda: (self._perform(request, version, name), None))
        return self._back(version)

    def publish_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return require_POST(self._publish)(request, object_id)

    def _publish(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """First post: the confirmation page, saying what becomes public and when. Only a post
        with ``confirm`` from that page publishes or schedules."""
        version = self._version_or_404(request, object_id)
        note = request.POST.get("comment", "")
        try:
            at, zone_name = self._schedule_time(request)
            plan = services.version_check_publish(
                version=version, user=signed_in(request), note=note, at=at
            )
        except services.PermissionRefused:
            raise PermissionDenied from None
        except services.WorkflowError as refusal:
            messages.error(request, str(refusal))
            return self._back(version)
        request.session[TIME_ZONE_KEY] = zone_name
        if request.POST.get("confirm") != "yes":
            return self._publish_confirmation(request, plan, zone_name)
        self._run(
            request,
            lambda: (
                scheduled_message(plan.at, zone_name)
                if plan.at is not None
                else str(PUBLISHED_MESSAGE),
                services.version_publish(
                    version=version, user=signed_in(request), note=note, at=at
                ),
            ),
        )
        return self._back(version)

    def _publish_confirmation(
        self, request: HttpRequest, plan: services.Publication, zone_name: str
    ) -> HttpResponse:
        version = plan.version
        estimates = list(version.estimates.all())
        return TemplateResponse(
            request,
            "admin/archive/incidentversion/publish_confirm.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": (
                    gettext("Schedule “{title}”?")
                    if plan.scheduled
                    else gettext("Publish “{title}”?")
                ).format(title=version.title),
                "version": version,
                "plan": plan,
                "headlines": headlines(estimates),
                "figure_count": len(estimates),
                "public_url": request.build_absolute_uri(
                    reverse("archive:incident", args=[version.incident.slug])
                ),
                "time_zone": zone_name,
                # What the editor typed, to post again with the confirmation.
                "publish_at": request.POST.get("publish_at", "").strip(),
                "at_local": long_moment(plan.at, zone_name) if plan.at else "",
                "at_utc": long_moment(plan.at, "UTC") if plan.at else "",
            },
        )

    def verification_view(
        self, request: HttpRequest, object_id: int, estimate_id: int, verdict: str
    ) -> HttpResponse:
        return require_POST(self._verification)(request, object_id, estimate_id, verdict)

    def _verification(
        self, request: HttpRequest, object_id: int, estimate_id: int, verdict: str
    ) -> HttpResponse:
        """A reviewer verifies, queries or withdraws a query (back to the figure on the review
        page); an author answers a query (back to where they answered it)."""
        version = self._version_or_404(request, object_id)
        estimate = get_object_or_404(Estimate, pk=estimate_id, version=version)
        user, anchor = signed_in(request), f"estimate-{estimate.pk}"
        if verdict == "verify":
            self._run(
                request,
                lambda: (
                    gettext("Estimate “{figure}” verified against its citation.").format(
                        figure=estimate.as_written
                    ),
                    services.estimate_verify(estimate=estimate, user=user),
                ),
            )
        elif verdict == "query":
            note = request.POST.get("note", "")
            self._run(
                request,
                lambda: (
                    gettext("Estimate “{figure}” queried; the author will see your note.").format(
                        figure=estimate.as_written
                    ),
                    services.estimate_query(estimate=estimate, user=user, note=note),
                ),
            )
        elif verdict == "withdraw-query":
            self._run(
                request,
                lambda: (
                    gettext(
                        "Query of “{figure}” withdrawn; the figure still waits to be verified."
                    ).format(figure=estimate.as_written),
                    services.estimate_withdraw_query(estimate=estimate, user=user),
                ),
            )
        elif verdict == "answer":
            answer = request.POST.get("answer", "")
            self._run(
                request,
                lambda: (
                    gettext(
                        "Your answer about “{figure}” is recorded; the reviewer sees it beside "
                        "the figure."
                    ).format(figure=estimate.as_written),
                    services.estimate_answer(estimate=estimate, user=user, answer=answer),
                ),
            )
            page = ANSWER_PAGES.get(request.POST.get("back", ""), ANSWER_PAGES["change"])
            return redirect(reverse(page, args=[version.pk]) + f"#{anchor}")
        else:
            raise Http404
        return self._back(version, "review", anchor)

    def review_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return require_safe(self._review)(request, object_id)

    def _review(self, request: HttpRequest, object_id: int) -> HttpResponse:
        version = self._version_or_404(request, object_id)
        estimates: list[Estimate] = []
        measures = summarise(
            list(
                version.estimates.select_related("source", "verified_by")
                .prefetch_related("citations__source")
                .order_by("measure", "position", "pk")
            )
        )
        for measure in measures:  # parts under their whole, each saying what it counts
            for row in measure.rows:
                estimate = row.estimate
                assert isinstance(estimate, Estimate)  # the summary of the version's figures
                shown_with(estimate, counts=row.counts, derived=row.derived, depth=row.depth)
                estimates.append(estimate)
        threads = query_threads(version, estimates)
        for estimate in estimates:
            shown_with(estimate, thread=threads.get(estimate.pk))
        # Each figure's source beside its archived copy (private ones too: staff read them).
        attach_copies(estimate.source for estimate in estimates if estimate.source)
        user = signed_in(request)
        is_author = user.pk in services.author_ids(version)
        actions = available_actions(version, user)
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
                "verified_count": sum(e.verification == Verification.VERIFIED for e in estimates),
                "queried_count": sum(e.verification == Verification.QUERIED for e in estimates),
                "open_queries": len(threads),
                "checklist": checklist(version),
                # Proceedings belong to the incident, not the version: they are checked here
                # with the version that will show them.
                "proceedings": version.incident.proceedings.select_related("source"),
                "can_review": request.user.has_perm(REVIEW) and version.state == State.IN_REVIEW,
                "is_author": is_author,
                "can_answer": is_author and version.is_editable and request.user.has_perm(SUBMIT),
                "actions": [
                    a for a in actions if a["target"] in (State.APPROVED, State.CHANGES_REQUESTED)
                ],
                **assignment_context(version, user),
            },
        )

    def preview_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return require_safe(self._preview)(request, object_id)

    def _preview(self, request: HttpRequest, object_id: int) -> HttpResponse:
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

    def _diff(self, request: HttpRequest, object_id: int) -> HttpResponse:
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
                "title": gettext("Compare versions: {title}").format(title=version.title),
                "version": version,
                "others": others,
                "against": against,
                "diff": diff,
            },
        )

    def new_draft_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return require_POST(self._new_draft)(request, object_id)

    def _new_draft(self, request: HttpRequest, object_id: int) -> HttpResponse:
        version = self._version_or_404(request, object_id)
        draft = self._run(
            request,
            lambda: (
                gettext("New draft started from version {number}.").format(number=version.number),
                services.version_start_draft(
                    incident=version.incident, user=signed_in(request), from_version=version
                ),
            ),
        )
        return self._back(draft or version)

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
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

    @staticmethod
    def _scheduled(version: IncidentVersion) -> str:
        """When a scheduled version goes public, in the zone it was scheduled in and in UTC."""
        if not version.publish_at:
            return ""
        entry = HistoryEntry.objects.filter(version=version, action=Action.SCHEDULE).first()
        zone_name = entry.changes.get("time_zone", "UTC") if entry else "UTC"
        return when_in(version.publish_at, zone_name if zone_name in time_zones() else "UTC")

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        version = (
            IncidentVersion.objects.filter(pk=key_or_none(object_id) or 0)
            .select_related("incident")
            .first()
        )
        if version is not None:
            last_transition = (
                HistoryEntry.objects.filter(version=version, action=Action.TRANSITION)
                .select_related("user")
                .first()
            )
            queried = list(
                version.estimates.exclude(query_note="")
                .select_related("source")
                .prefetch_related("citations__source")
            )
            threads = query_threads(version, queried)
            for estimate in queried:
                shown_with(estimate, thread=threads.get(estimate.pk))
            user = signed_in(request)
            extra_context = {
                **(extra_context or {}),
                "workflow_actions": available_actions(version, user),
                "last_transition": last_transition,
                "queried": queried,
                "can_answer": version.is_editable
                and user.has_perm(SUBMIT)
                and user.pk in services.author_ids(version),
                "scheduled": self._scheduled(version),
                "time_zones": time_zones(),
                "editor_time_zone": editor_time_zone(request),
                "time_zone_remembered": TIME_ZONE_KEY in request.session,
                "other_versions": version.incident.versions.exclude(pk=version.pk).order_by(
                    "-number"
                ),
                "can_start_draft": version.state
                in (State.PUBLISHED, State.SUPERSEDED, State.WITHDRAWN)
                and user.has_perm("archive.add_incidentversion")
                and not version.incident.versions.open().exists(),
                **assignment_context(version, user),
            }
        return super().change_view(request, object_id, form_url, extra_context)
