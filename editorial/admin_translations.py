"""Translations in the admin: written and edited beside the original text they translate,
moved through their workflow with the buttons under the form, and the queue of translations
to update. Every write goes through ``editorial.services``; each button checks the
permission the translations' table names."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from archive.models import (
    OPEN_STATES,
    TRANSLATED_FIELDS,
    IncidentVersion,
    State,
    Translation,
)
from editorial import services
from editorial.admin_base import signed_in
from editorial.admin_widgets import SafeRelationsMixin
from editorial.models import Channel, HistoryEntry
from editorial.workflow import TRANSLATION_TRANSITIONS

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldGroups

# The buttons under a translation's form: what each asks for and the state it leads to.
STEPS: dict[str, State] = {
    "submit": State.IN_REVIEW,
    "approve": State.APPROVED,
    "request_changes": State.CHANGES_REQUESTED,
    "publish": State.PUBLISHED,
}
STEP_LABELS = {
    "submit": gettext_lazy("Submit for review"),
    "approve": gettext_lazy("Approve"),
    "request_changes": gettext_lazy("Send back"),
    "publish": gettext_lazy("Publish"),
}


LABELS = {
    "title": gettext_lazy("title"),
    "summary": gettext_lazy("summary"),
    "description": gettext_lazy("description"),
    "date_text": gettext_lazy("date as written"),
}


class TranslationForm(forms.ModelForm):
    seen_lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Translation
        fields = ["version", "language", *TRANSLATED_FIELDS]
        widgets = {"summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen_lock_version"].initial = self.instance.lock_version


class OutOfDateFilter(admin.SimpleListFilter):
    """The queue of translations to update: published ones whose original was corrected."""

    title = gettext_lazy("translations to update")
    parameter_name = "to_update"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", _("Out of date: the original changed"))]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[Translation]
    ) -> QuerySet[Translation]:
        if self.value() == "yes":
            return queryset.filter(pk__in=Translation.objects.out_of_date().values("pk"))
        return queryset


@admin.register(Translation)
class TranslationAdmin(SafeRelationsMixin, admin.ModelAdmin):
    form = TranslationForm
    list_display = ["incident", "language", "title", "version_number", "state", "updated_at"]
    list_filter = [OutOfDateFilter, "state", "language"]
    list_select_related = ["incident", "version"]
    search_fields = ["incident__slug", "title", "summary"]
    autocomplete_fields = ["version"]
    readonly_fields = ["incident", "state", "created_by", "created_at"]
    change_form_template = "admin/archive/translation/change_form.html"
    date_hierarchy = None

    @admin.display(description=gettext_lazy("version"), ordering="version__number")
    def version_number(self, translation: Translation) -> int:
        return translation.version.number

    def get_fields(self, request: HttpRequest, obj: Translation | None = None) -> _FieldGroups:
        if obj is None:
            return ["version", "language", *TRANSLATED_FIELDS]
        return [*TRANSLATED_FIELDS, "seen_lock_version", "incident", "state", "created_by"]

    def get_readonly_fields(
        self, request: HttpRequest, obj: Translation | None = None
    ) -> list[str]:
        if obj is not None and not self.has_change_permission(request, obj):
            return [*TRANSLATED_FIELDS, *self.readonly_fields]
        return list(self.readonly_fields)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        """A new translation of a version starts from the words of the one the public reads
        in that language, if any: the translator updates it rather than starting again."""
        initial = super().get_changeform_initial_data(request)
        asked = initial.get("version")
        version = (
            IncidentVersion.objects.filter(pk=asked).first()
            if isinstance(asked, str) and asked.isdecimal()
            else None
        )
        language = initial.get("language")
        if version is not None and language:
            published = (
                Translation.objects.published()
                .filter(incident_id=version.incident_id, language=language)
                .first()
            )
            if published is not None:
                initial.update({name: getattr(published, name) for name in TRANSLATED_FIELDS})
        return initial

    def has_change_permission(self, request: HttpRequest, obj: Translation | None = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.is_editable)

    def has_delete_permission(self, request: HttpRequest, obj: Translation | None = None) -> bool:
        return False  # translations are history, like versions

    def save_model(
        self, request: HttpRequest, obj: Translation, form: forms.ModelForm, change: bool
    ) -> None:
        texts = {name: form.cleaned_data.get(name, "") for name in TRANSLATED_FIELDS}
        try:
            if change:
                saved = services.translation_edit(
                    translation=obj,
                    user=signed_in(request),
                    seen_lock_version=form.cleaned_data.get("seen_lock_version") or 0,
                    fields=texts,
                    channel=Channel.ADMIN,
                )
            else:
                saved = services.translation_create(
                    version=form.cleaned_data["version"],
                    language=form.cleaned_data["language"],
                    user=signed_in(request),
                    fields=texts,
                    channel=Channel.ADMIN,
                )
        except services.PermissionRefused:
            raise PermissionDenied from None
        obj.pk = saved.pk

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """A button of the workflow is posted to the change page, as the form's own."""
        if request.method == "POST" and object_id and request.POST.get("_step"):
            return self._step(request, object_id)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.WorkflowError as refusal:
            # Refused on saving (four eyes, an open translation, a stale form): say why.
            messages.error(request, str(refusal))
            return HttpResponseRedirect(request.get_full_path())

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Translation | None = None,
    ) -> HttpResponse:
        if obj is not None:
            context.update(self._beside(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _beside(self, request: HttpRequest, translation: Translation) -> dict[str, Any]:
        """The original beside the translation, the buttons this user may press, and the
        translation's history."""
        original = translation.version
        published = IncidentVersion.objects.published().filter(incident=translation.incident)
        current = published.first()
        rows = [
            {
                "label": LABELS[name],
                "original": getattr(original, name),
                "translation": getattr(translation, name),
            }
            for name in TRANSLATED_FIELDS
        ]
        user = signed_in(request)
        steps = [
            {"name": name, "label": STEP_LABELS[name]}
            for name, target in STEPS.items()
            if (State(translation.state), target) in TRANSLATION_TRANSITIONS
            and user.has_perm(TRANSLATION_TRANSITIONS[(State(translation.state), target)])
        ]
        return {
            "original_version": original,
            "beside": rows,
            "steps": steps,
            "out_of_date": (
                translation.state == State.PUBLISHED
                and current is not None
                and translation.is_out_of_date(current)
            ),
            # Not yet published: the version it translates was edited since it was last edited.
            "original_changed": (
                translation.state in OPEN_STATES
                and services.translation_original_changed(translation)
            ),
            "translation_history": HistoryEntry.objects.of_translation(translation.pk)
            .select_related("user")
            .order_by("at", "pk"),
        }

    def _step(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        translation = self.get_object(request, unquote(object_id))
        step = request.POST.get("_step", "")
        if translation is None or step not in STEPS:
            raise Http404(_("No such translation or step."))
        user, comment = signed_in(request), request.POST.get("comment", "")
        try:
            if step == "submit":
                services.translation_submit(
                    translation=translation, user=user, comment=comment, channel=Channel.ADMIN
                )
            elif step == "approve":
                services.translation_approve(
                    translation=translation, user=user, comment=comment, channel=Channel.ADMIN
                )
            elif step == "request_changes":
                services.translation_request_changes(
                    translation=translation, user=user, comment=comment, channel=Channel.ADMIN
                )
            else:
                services.translation_publish(
                    translation=translation, user=user, comment=comment, channel=Channel.ADMIN
                )
        except services.PermissionRefused:
            raise PermissionDenied from None
        except services.WorkflowError as refusal:
            messages.error(request, str(refusal))
        else:
            translation.refresh_from_db()
            messages.success(
                request,
                _("The translation is %(state)s.") % {"state": translation.get_state_display()},
            )
        return HttpResponseRedirect(
            reverse("admin:archive_translation_change", args=[translation.pk])
        )
