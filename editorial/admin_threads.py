"""Discussions on a version's pages: start one on a figure or on the version, reply, resolve.
Every write goes through ``editorial.services``; each returns to the page it came from."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from archive.models import Estimate, IncidentVersion
from editorial import services
from editorial.admin_base import VersionAdminMixin, signed_in
from editorial.models import Thread

PAGES = {"change": "admin:archive_incidentversion_change", "review": "admin:version_review"}


class ThreadAdminMixin(VersionAdminMixin):
    """Added to ``IncidentVersionAdmin``."""

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:object_id>/discussions/<str:step>/",
                wrap(self.discussion_view),
                name="version_discussion",
            ),
            *super().get_urls(),
        ]

    def discussion_view(self, request: HttpRequest, object_id: int, step: str) -> HttpResponse:
        return require_POST(self._discussion)(request, object_id, step)

    def _discussion(self, request: HttpRequest, object_id: int, step: str) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        if step not in ("open", "reply", "resolve"):
            raise Http404
        version = get_object_or_404(IncidentVersion, pk=object_id)
        user, text = signed_in(request), request.POST.get("text", "")
        anchor = "discussions"
        try:
            if step == "open":
                about = request.POST.get("estimate", "")
                estimate = (
                    get_object_or_404(Estimate, pk=about, version=version)
                    if about.isdecimal()
                    else None
                )
                thread = services.thread_open(
                    version=version, user=user, text=text, estimate=estimate
                )
                messages.success(request, gettext("Discussion started."))
            else:
                thread_id = request.POST.get("thread", "")
                thread = get_object_or_404(
                    Thread, pk=thread_id if thread_id.isdecimal() else 0, version=version
                )
                if step == "reply":
                    services.thread_reply(thread=thread, user=user, text=text)
                    messages.success(request, gettext("Reply added."))
                else:
                    services.thread_resolve(thread=thread, user=user, comment=text)
                    messages.success(request, gettext("Discussion resolved."))
            anchor = f"thread-{thread.pk}"
        except services.PermissionRefused:
            raise PermissionDenied from None
        except services.WorkflowError as refusal:
            messages.error(request, str(refusal))
        page = PAGES.get(request.POST.get("back", ""), PAGES["review"])
        return HttpResponseRedirect(reverse(page, args=[version.pk]) + f"#{anchor}")
