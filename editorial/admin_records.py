"""The admin of shared records under review: their edit forms save through
``editorial.records``, and a page per change shows it field by field with approve and reject."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.db import models
from django.forms.formsets import BaseFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from editorial import records, services
from editorial.admin_base import signed_in
from editorial.forms import RecordForm
from editorial.models import Channel, RecordChange
from editorial.workflow import REVIEW

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldOpts, _FieldsetSpec
    from django.utils.functional import _StrOrPromise

# The request attribute that carries the change a save made to the admin's later steps.
RECORD_CHANGE = "record_change"


def _record_change(request: HttpRequest) -> RecordChange | None:
    change: RecordChange | None = getattr(request, RECORD_CHANGE, None)
    return change


WAITS = _(
    "Your change is waiting for review: a published page (or a version in review) shows "
    "this record, so a second person approves the change before the public sees it. Until "
    "then the record keeps its old values."
)


class ReviewedRecordAdmin(admin.ModelAdmin):
    """Saves go through ``records.record_change_submit``: applied at once while no published
    page (nor version in review) shows the record, otherwise held for review. Many-to-many
    values are set there too."""

    form = RecordForm
    change_form_template = "admin/editorial/reviewed_record_change_form.html"

    def get_fieldsets(self, request: HttpRequest, obj: models.Model | None = None) -> _FieldsetSpec:
        fieldsets: list[tuple[_StrOrPromise | None, _FieldOpts]] = []
        for name, options in super().get_fieldsets(request, obj):
            fields = [f for f in options["fields"] if f != "change_note"]
            fieldsets.append((name, {**options, "fields": fields}))
        return [*fieldsets, (_("Review"), {"fields": ["change_note"]})]

    def save_model(
        self, request: HttpRequest, obj: models.Model, form: forms.ModelForm, change: bool
    ) -> None:
        names = {field.name for field in records.editable_fields(type(obj))}
        changed = form.changed_data if change else form.cleaned_data
        values = {name: form.cleaned_data[name] for name in changed if name in names}
        submitted = records.record_change_submit(
            model=type(obj),
            pk=obj.pk if change else None,
            values=values,
            user=signed_in(request),
            note=form.cleaned_data.get("change_note", ""),
            channel=Channel.ADMIN,
        )
        setattr(request, RECORD_CHANGE, submitted)
        if submitted is not None and submitted.object_id:
            obj.pk = submitted.object_id

    def save_related(
        self,
        request: HttpRequest,
        form: forms.ModelForm,
        formsets: list[BaseFormSet],
        change: bool,
    ) -> None:
        """The many-to-many values were saved, or held, with the rest of the change."""

    @staticmethod
    def _is_held(request: HttpRequest) -> bool:
        change = _record_change(request)
        return change is not None and change.status == RecordChange.Status.PENDING

    # None for a held change: nothing was added or changed yet (the stubs expect an entry).
    def log_addition(  # type: ignore[override]
        self, request: HttpRequest, obj: models.Model, message: Any
    ) -> LogEntry | None:
        # A held change is a record change waiting; the admin's log would say it was made.
        return None if self._is_held(request) else super().log_addition(request, obj, message)

    def log_change(  # type: ignore[override]
        self, request: HttpRequest, obj: models.Model, message: Any
    ) -> LogEntry | None:
        return None if self._is_held(request) else super().log_change(request, obj, message)

    def _held(self, request: HttpRequest) -> HttpResponse | None:
        if not self._is_held(request):
            return None
        messages.warning(request, WAITS)
        held = _record_change(request)
        assert held is not None
        return HttpResponseRedirect(reverse("admin:editorial_recordchange_change", args=[held.pk]))

    def response_add(
        self, request: HttpRequest, obj: models.Model, post_url_continue: str | None = None
    ) -> HttpResponse:
        return self._held(request) or super().response_add(request, obj, post_url_continue)

    def response_change(self, request: HttpRequest, obj: models.Model) -> HttpResponse:
        return self._held(request) or super().response_change(request, obj)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra: dict[str, Any] = {}
        obj = self.get_object(request, object_id)
        if obj is not None:
            extra["record_pending"] = RecordChange.objects.pending().of(obj).first()
            extra["record_shown_by"] = records.published_incidents_showing(
                obj, records.HELD_BY
            ).count()
            extra["record_history"] = RecordChange.objects.of(obj).exclude(
                status=RecordChange.Status.PENDING
            )[:20]
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})


@admin.register(RecordChange)
class RecordChangeAdmin(admin.ModelAdmin):
    """Changes to shared records: the history of each, and the review queue."""

    list_display = ["proposed_at", "content_type", "record", "status", "proposed_by", "reviewed_by"]
    list_filter = ["status", "content_type"]
    list_select_related = ["content_type", "proposed_by", "reviewed_by"]
    search_fields = ["record", "note", "public_note"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("<int:object_id>/review/", wrap(self.review_view), name="record_change_review"),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        change = get_object_or_404(
            RecordChange.objects.select_related("content_type", "proposed_by", "reviewed_by"),
            pk=object_id if str(object_id).isascii() and str(object_id).isdecimal() else 0,
        )
        model = change.content_type.model_class()
        assert model is not None  # a change is only ever made to a model of this project
        records_of = model._default_manager
        record = records_of.filter(pk=change.object_id).first() if change.object_id else None
        showing = (
            records.published_incidents_showing(record)
            if record is not None and change.status == RecordChange.Status.PENDING
            else change.incidents.all()
        )
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Change to {kind} “{record}”").format(
                kind=model._meta.verbose_name, record=change.record
            ),
            "opts": self.opts,
            "change": change,
            "record": record,
            "record_url": _record_url(record),
            "rows": [
                {"field": _label(model, name), "before": b, "after": a}
                for name, (b, a) in change.changes.items()
            ],
            "showing": showing.order_by("slug"),
            "can_review": request.user.has_perm(REVIEW)
            and change.status == RecordChange.Status.PENDING,
            "is_author": change.proposed_by_id == request.user.pk,
        }
        return TemplateResponse(request, "admin/editorial/recordchange/review.html", context)

    def review_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return require_POST(self._review)(request, object_id)

    def _review(self, request: HttpRequest, object_id: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        change = get_object_or_404(RecordChange, pk=object_id)
        verdict = request.POST.get("verdict")
        comment = request.POST.get("comment", "")
        try:
            if verdict == "approve":
                records.record_change_approve(
                    change=change,
                    user=signed_in(request),
                    public_note=request.POST.get("public_note", ""),
                    comment=comment,
                )
                messages.success(request, gettext("Approved: the change is applied and public."))
            elif verdict == "reject":
                records.record_change_reject(
                    change=change, user=signed_in(request), comment=comment
                )
                messages.success(request, gettext("Rejected: the record keeps its values."))
            else:
                messages.error(request, gettext("Choose approve or reject."))
        except services.PermissionRefused:
            raise PermissionDenied from None
        except services.WorkflowError as refusal:
            messages.error(request, str(refusal))
        return HttpResponseRedirect(
            reverse("admin:editorial_recordchange_change", args=[change.pk])
        )


def _label(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)  # a changed field of the record itself
    return str(field.verbose_name)


def _record_url(record: models.Model | None) -> str:
    if record is None:
        return ""
    meta = record._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[record.pk])
