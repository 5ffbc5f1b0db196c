"""The queue of readers' submissions: read one, turn it into a draft or close it, and erase a
reader's contact details on request. Every write goes through ``editorial.services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.timesince import timesince
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from archive.models import IncidentVersion, ReaderSubmission
from editorial import services
from editorial.admin_base import signed_in
from editorial.services.submissions import ERASE_CONTACT, MODERATE


class NewIncidentForm(forms.ModelForm):
    """What a report needs to become a draft: the editor's title, summary and date, never the
    reader's own words."""

    slug = forms.SlugField(
        max_length=200,
        required=False,
        help_text=_("Permanent address of the incident. Leave empty to make one from the title."),
    )

    class Meta:
        model = IncidentVersion
        fields = ["title", "summary", "date", "date_text"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        slug = cleaned.get("slug") or slugify(cleaned.get("title", ""))[:200]
        if slug:
            try:
                services.incident_check_slug(slug=slug)
            except services.WorkflowError as refusal:
                self.add_error("slug", str(refusal))
        cleaned["slug"] = slug
        return cleaned


@admin.register(ReaderSubmission)
class ReaderSubmissionAdmin(admin.ModelAdmin):
    list_display = ["reference", "kind", "incident", "received_at", "waited", "status"]
    list_filter = ["status", "kind"]
    search_fields = ["reference", "incident__slug"]
    list_select_related = ["incident"]
    actions = ["erase_contact"]
    date_hierarchy = None

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReaderSubmission]:
        return (
            super()
            .get_queryset(request)
            .select_related("incident", "version__incident", "handled_by", "contact_erased_by")
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # readers send them from the public site

    def has_delete_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False  # a submission is closed with a reason, never deleted

    def has_change_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False  # nothing a reader sent is edited; the actions below write through services

    def has_erase_contact_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(ERASE_CONTACT)

    @admin.display(description=_("waited"))
    def waited(self, submission: ReaderSubmission) -> str:
        end = submission.handled_at or timezone.now()
        return timesince(submission.received_at, end)

    @admin.action(description=_("Erase contact details"), permissions=["erase_contact"])
    def erase_contact(self, request: HttpRequest, queryset: QuerySet[ReaderSubmission]) -> None:
        erased, refused = [], []
        for submission in queryset.order_by("received_at"):
            try:
                services.submission_erase_contact(submission=submission, user=signed_in(request))
            except services.PermissionRefused:
                raise PermissionDenied from None
            except services.WorkflowError as refusal:
                refused.append(str(refusal))
            else:
                erased.append(submission.reference)
        if erased:
            messages.success(
                request,
                gettext("Contact details erased: {references}.").format(
                    references=", ".join(erased)
                ),
            )
        for message in refused:
            messages.warning(request, message)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """The submission and what an editor can do with it."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        submission = self.get_object(request, unquote(object_id))  # None for a malformed id
        if submission is None:
            raise Http404("No reader submission with this id.")
        user = signed_in(request)
        incident_form = NewIncidentForm(prefix="new")
        if request.method == "POST":
            if not user.has_perm(MODERATE):
                raise PermissionDenied
            action = request.POST.get("action")
            try:
                if action == "revision":
                    draft = services.submission_start_revision(submission=submission, user=user)
                    return self._to_draft(request, draft, submission)
                if action == "incident":
                    incident_form = NewIncidentForm(request.POST, prefix="new")
                    if incident_form.is_valid():
                        draft = services.submission_create_incident(
                            submission=submission,
                            user=user,
                            slug=incident_form.cleaned_data["slug"],
                            version=incident_form.instance,
                        )
                        return self._to_draft(request, draft, submission)
                elif action == "close":
                    services.submission_close(
                        submission=submission, user=user, reason=request.POST.get("reason", "")
                    )
                    messages.success(
                        request,
                        gettext("Submission {reference} closed.").format(
                            reference=submission.reference
                        ),
                    )
                    return HttpResponseRedirect(
                        reverse("admin:archive_readersubmission_changelist")
                    )
            except services.PermissionRefused:
                raise PermissionDenied from None
            except services.WorkflowError as refusal:
                messages.error(request, str(refusal))
        published = (
            submission.incident.versions.published().first() if submission.incident else None
        )
        return TemplateResponse(
            request,
            "admin/editorial/submission.html",
            {
                **self.admin_site.each_context(request),
                "title": gettext("Reader submission {reference}").format(
                    reference=submission.reference
                ),
                "opts": self.opts,
                "submission": submission,
                "published": published,
                "waited": self.waited(submission),
                "can_moderate": user.has_perm(MODERATE) and submission.status == "open",
                "can_draft": user.has_perm("archive.add_incidentversion"),
                "incident_form": incident_form,
            },
        )

    @staticmethod
    def _to_draft(
        request: HttpRequest, draft: IncidentVersion, submission: ReaderSubmission
    ) -> HttpResponse:
        messages.success(
            request,
            gettext(
                "Draft version {number} of “{slug}” started from submission {reference}."
            ).format(number=draft.number, slug=draft.incident.slug, reference=submission.reference),
        )
        return HttpResponseRedirect(
            reverse("admin:archive_incidentversion_change", args=[draft.pk])
        )
