"""List actions on incident versions: export the chosen incidents, submit drafts for review.

Each goes through the same code as its single-record counterpart: the export through the
admin's export (one row per record of each incident's current version), the submission
through ``services.version_submit``, one version at a time, so that each is checked and
recorded on its own.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from archive.models import IncidentVersion
from editorial import services
from editorial.admin_base import signed_in
from editorial.models import Channel
from editorial.resources import CitationResource, EstimateResource, IncidentResource
from editorial.workflow import SUBMIT

SUBMIT_ACTION = "submit_drafts_for_review"


@admin.action(description=_("Export selected incidents"), permissions=["export"])
def export_selected(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet[IncidentVersion]
) -> HttpResponse:
    """The export page, for the incidents of the chosen versions: choose the format, what to
    export (incidents, their figures or their citations) and whether only what is public."""
    selected = list(queryset.values_list("pk", flat=True))
    form = modeladmin.export_form(request, initial={"export_items": selected})
    context = modeladmin.init_request_context_data(request, form)
    context["export_url"] = reverse(f"{modeladmin.admin_site.name}:archive_incidentversion_export")
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(request, [modeladmin.export_template_name], context)


@admin.action(description=_("Submit selected drafts for review"), permissions=["submit"])
def submit_drafts_for_review(
    modeladmin: admin.ModelAdmin[IncidentVersion],
    request: HttpRequest,
    queryset: QuerySet[IncidentVersion],
) -> None:
    versions_submit(request, queryset.select_related("incident").order_by("incident__slug"))


def versions_submit(request: HttpRequest, versions: QuerySet[IncidentVersion]) -> None:
    """Submit each version for review as its own step (its own check and history entry);
    say which went and name each one refused with the reason."""
    submitted: list[IncidentVersion] = []
    refused: list[tuple[IncidentVersion, str]] = []
    user = signed_in(request)
    for version in versions:
        try:
            services.version_submit(version=version, user=user, channel=Channel.ADMIN)
        except services.WorkflowError as refusal:
            refused.append((version, str(refusal)))
        else:
            submitted.append(version)
    if submitted:
        messages.success(
            request,
            format_html(
                gettext(
                    "Submitted for review ({count}): {titles}. A reviewer checks each figure "
                    "before approving."
                ),
                count=len(submitted),
                titles=format_html_join(", ", "“{}”", ((v.title,) for v in submitted)),
            ),
        )
    for version, reason in refused:
        messages.error(
            request,
            gettext("“{title}” was not submitted: {reason}").format(
                title=version.title, reason=reason
            ),
        )


class VersionActionsMixin:
    """The list actions of incident versions, and their export: the incidents listed (or
    chosen), their figures or their citations."""

    actions = [export_selected, submit_drafts_for_review]

    def get_export_resource_classes(self, request: HttpRequest) -> list[type[Any]]:
        return [IncidentResource, EstimateResource, CitationResource]

    def has_submit_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(SUBMIT)


def submit_form_fields(versions: list[IncidentVersion]) -> dict[str, Any]:
    """What a form posts to the versions' list to run the submit action on ``versions``."""
    return {
        "action": SUBMIT_ACTION,
        "index": 0,
        "selected_name": helpers.ACTION_CHECKBOX_NAME,
        "selected": [version.pk for version in versions],
    }
