"""What the incident version admin calls things, in the editors' words.

A new incident is "New incident", not "Add incident version". A version that is not the
published one has no "View on site" (that link led to the public page, which shows another
version or nothing); it has "Preview", the admin preview of this very version. Before the
first save there is nothing to preview yet: "Save and preview" saves the draft, as "Save"
does, and opens its preview.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from archive.models import IncidentVersion, State
from editorial.admin_base import VersionAdminMixin

NEW_INCIDENT = _("New incident")
SAVE_AND_PREVIEW = "_preview"


class IncidentWordsMixin(VersionAdminMixin):
    def add_view(
        self,
        request: HttpRequest,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        return super().add_view(request, form_url, {"title": NEW_INCIDENT, **(extra_context or {})})

    def view_on_site(self, version: IncidentVersion) -> str | None:
        """The public page, for the published version only (the preview link stands for the
        others in the change form's tools)."""
        return version.get_absolute_url() if version.state == State.PUBLISHED else None

    def response_add(
        self, request: HttpRequest, obj: IncidentVersion, post_url_continue: str | None = None
    ) -> HttpResponse:
        response = super().response_add(request, obj, post_url_continue)
        return self._preview_after_save(request, obj) or response

    def response_change(self, request: HttpRequest, obj: IncidentVersion) -> HttpResponse:
        response = super().response_change(request, obj)
        return self._preview_after_save(request, obj) or response

    @staticmethod
    def _preview_after_save(request: HttpRequest, obj: IncidentVersion) -> HttpResponse | None:
        if SAVE_AND_PREVIEW not in request.POST:
            return None
        return HttpResponseRedirect(reverse("admin:version_preview", args=[obj.pk]))
