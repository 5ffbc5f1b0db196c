"""The Django admin as the editors' tool."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict, cast

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Count, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from archive.models import (
    Actor,
    Category,
    Citation,
    Context,
    Correction,
    Estimate,
    Incident,
    IncidentVersion,
    Place,
    Proceeding,
    Snapshot,
    Source,
    VictimGroup,
    estimate_ref,
)
from editorial import services
from editorial.admin_actions import VersionActionsMixin
from editorial.admin_assignment import AssignmentAdminMixin
from editorial.admin_base import AdminMixin, signed_in
from editorial.admin_forms_help import FormHelpMixin
from editorial.admin_imports import DataAdminMixin
from editorial.admin_links import PlainLinksAdminMixin
from editorial.admin_records import ReviewedRecordAdmin
from editorial.admin_releases import ReleaseAdmin  # noqa: F401 (registers it)
from editorial.admin_search import FoldedSearchMixin, NamedValuesFilter
from editorial.admin_snapshots import OriginalGoneFilter, SnapshotAdmin, SourceSnapshotsMixin
from editorial.admin_submissions import ReaderSubmissionAdmin  # noqa: F401 (registers it)
from editorial.admin_threads import ThreadAdminMixin
from editorial.admin_translations import TranslationAdmin  # noqa: F401 (registers it)
from editorial.admin_views import WorkflowAdminMixin
from editorial.admin_widgets import LabelledCellsMixin, SafeRelationsMixin
from editorial.admin_words import IncidentWordsMixin
from editorial.forms import (
    EstimateForm,
    EstimateFormSet,
    IncidentForm,
    IncidentVersionForm,
    RefInput,
)
from editorial.models import Channel, HistoryEntry
from editorial.resources import (
    ActorResource,
    CitationResource,
    EstimateResource,
    IncidentResource,
    PlaceResource,
    ProceedingResource,
    SourceResource,
)

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldsetSpec
    from django_stubs_ext import WithAnnotations


class NoHardDeleteMixin(AdminMixin):
    """Archive records are withdrawn or superseded, never deleted, except by a superuser."""

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return request.user.is_superuser and super().has_delete_permission(request, obj)


@admin.register(Category)
class CategoryAdmin(ReviewedRecordAdmin):
    list_display = ["name", "slug", "description"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Context)
class ContextAdmin(NoHardDeleteMixin, ReviewedRecordAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(VictimGroup)
class VictimGroupAdmin(NoHardDeleteMixin, ReviewedRecordAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Place)
class PlaceAdmin(FoldedSearchMixin, DataAdminMixin, NoHardDeleteMixin, ReviewedRecordAdmin):  # type: ignore[misc]  # see DataAdminMixin
    resource_classes = [PlaceResource]
    list_display = ["name", "country", "region", "latitude", "longitude", "coordinate_precision"]
    list_filter = ["country", "coordinate_precision"]
    search_fields = ["name", "alternative_names", "country", "region"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Actor)
class ActorAdmin(  # type: ignore[misc]  # see DataAdminMixin
    FoldedSearchMixin, SafeRelationsMixin, DataAdminMixin, NoHardDeleteMixin, ReviewedRecordAdmin
):
    resource_classes = [ActorResource]
    list_display = ["name", "parent"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["parent"]
    search_fields = ["name", "parent__name", "description"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Source)
class SourceAdmin(  # type: ignore[misc]  # see DataAdminMixin
    SourceSnapshotsMixin, FoldedSearchMixin, DataAdminMixin, NoHardDeleteMixin, ReviewedRecordAdmin
):
    resource_classes = [SourceResource]
    list_display = ["key", "authors", "year", "title", "kind"]
    list_filter = ["kind", ("language", NamedValuesFilter), OriginalGoneFilter]
    search_fields = ["key", "authors", "title", "container", "publisher", "isbn", "doi"]
    fieldsets = [
        (None, {"fields": ["key", "kind", "authors", "title", "container", "year"]}),
        (_("Publication"), {"fields": ["publisher", "place", "language"]}),
        (
            _("Identifiers"),
            {"fields": ["isbn", "doi", "url", "archived_url", "never_third_parties"]},
        ),
    ]


admin.site.register(Snapshot, SnapshotAdmin)


@admin.register(Proceeding)
class ProceedingAdmin(  # type: ignore[misc]  # see DataAdminMixin
    SafeRelationsMixin,
    DataAdminMixin,
    NoHardDeleteMixin,
    PlainLinksAdminMixin,
    ReviewedRecordAdmin,
):
    resource_classes = [ProceedingResource]
    list_display = ["title", "court", "date_text", "in_absentia", "source"]
    list_filter = ["in_absentia", "court"]
    list_select_related = ["source"]
    search_fields = ["title", "court", "defendants", "outcome"]
    autocomplete_fields = ["incidents", "source"]
    prepopulated_fields = {"slug": ["title"]}


class VersionTotal(TypedDict):
    version_total: int


@admin.register(Incident)
class IncidentAdmin(NoHardDeleteMixin, ReviewedRecordAdmin):
    """Stable identities; their content is edited as versions."""

    form = IncidentForm
    list_display = ["slug", "version_count", "created_at"]
    search_fields = ["slug", "versions__title"]
    readonly_fields = ["created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Incident]:
        return super().get_queryset(request).annotate(version_total=Count("versions"))

    @admin.display(description=_("versions"), ordering="version_total")
    def version_count(self, incident: WithAnnotations[Incident, VersionTotal]) -> int:
        return incident.version_total

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a new incident starts as the first version of its content


class EstimateInline(SafeRelationsMixin, admin.StackedInline):
    model = Estimate
    form = EstimateForm
    formset = EstimateFormSet
    extra = 0
    min_num = 0
    autocomplete_fields = ["source"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("measure", "qualifier"),
                    ("low", "best", "high"),
                    "as_written",
                    ("claimant", "claimant_position", "claim_year"),
                    ("assessment", "assessment_reason"),
                    ("source", "locator"),
                    "quote",
                ]
            },
        ),
        (
            # Translators: the heading over an estimate's scope: what part of the victims
            # (a group, a share, a rate) the figure counts.
            _("What it counts, when not all the victims"),
            {
                "fields": [("scope", "per"), "part_of", ("share_low", "share_high", "share_of")],
                "description": _(
                    "A part breaks down another figure of this incident (20 girls of the 360 "
                    "shot); a share is a percentage of one (at least one third of 320,000: "
                    "share low 33.33, no low/best/high); a rate counts per day, week, month or "
                    "year. Only figures that count the same thing are compared."
                ),
            },
        ),
        (_("Advanced"), {"fields": ["ref"], "classes": ["collapse"]}),
    ]

    def get_extra(
        self, request: HttpRequest, obj: IncidentVersion | None = None, **kwargs: Any
    ) -> int:
        return 0 if obj else 2

    def get_formset(
        self, request: HttpRequest, obj: IncidentVersion | None = None, **kwargs: Any
    ) -> type[BaseInlineFormSet]:
        formset = super().get_formset(request, obj, **kwargs)
        figures = (
            [
                (ref, f"{written} ({measure.replace('_', ' ')})")
                for ref, written, measure in obj.estimates.values_list(
                    "ref", "as_written", "measure"
                )
            ]
            if obj
            else []
        )
        for name in ("part_of", "share_of"):
            formset.form.base_fields[name].widget = RefInput(figures)
        return formset


class CitationInline(LabelledCellsMixin, SafeRelationsMixin, admin.TabularInline):
    model = Citation
    fields = ["source", "locator", "quote", "note", "estimate"]
    autocomplete_fields = ["source"]
    extra = 1

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField | None:
        if db_field.name == "estimate":
            match = request.resolver_match
            assert match is not None  # an admin page, resolved
            version_id = match.kwargs.get("object_id")
            kwargs["queryset"] = Estimate.objects.filter(version_id=version_id or 0)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(IncidentVersion)
class IncidentVersionAdmin(  # type: ignore[misc]  # see DataAdminMixin
    FormHelpMixin,
    IncidentWordsMixin,
    FoldedSearchMixin,
    SafeRelationsMixin,
    AssignmentAdminMixin,
    ThreadAdminMixin,
    WorkflowAdminMixin,
    VersionActionsMixin,
    DataAdminMixin,
    NoHardDeleteMixin,
    PlainLinksAdminMixin,
    admin.ModelAdmin,
):
    resource_classes = [IncidentResource]
    form = IncidentVersionForm
    inlines = [EstimateInline, CitationInline]
    list_display = ["title", "incident", "number", "state", "date_text", "context", "updated_at"]
    list_filter = ["state", "categories", "context", "places__country"]
    list_select_related = ["incident", "context"]
    search_fields = [  # case and accents ignored (FoldedSearchMixin)
        "title",
        "incident__slug",
        "summary",
        "date_text",
        "places__name",
        "places__alternative_names",
        "estimates__claimant",
        "estimates__source__title",
        "estimates__source__authors",
        "citations__source__title",
        "citations__source__authors",
    ]
    autocomplete_fields = ["places", "perpetrators", "victim_groups", "context", "related"]
    readonly_fields = ["incident", "number", "state", "lock_version", "created_by", "created_at"]
    date_hierarchy = None

    def get_fieldsets(
        self, request: HttpRequest, obj: IncidentVersion | None = None
    ) -> _FieldsetSpec:
        first = ["title"] if obj is None else ["incident", "title"]
        return (
            [
                (None, {"fields": [*first, "summary", "description", "seen_lock_version"]}),
                (_("When"), {"fields": [("date", "date_text")]}),
                (
                    _("Where, who, what"),
                    {
                        "fields": [
                            "places",
                            "categories",
                            "perpetrators",
                            "victim_groups",
                            "context",
                            "related",
                        ]
                    },
                ),
                (_("Workflow"), {"fields": ["number", "state", "created_by", "created_at"]}),
            ]
            if obj
            else [
                (None, {"fields": [*first, "summary", "description"]}),
                (_("When"), {"fields": [("date", "date_text")]}),
                (
                    _("Where, who, what"),
                    {
                        "fields": [
                            "places",
                            "categories",
                            "perpetrators",
                            "victim_groups",
                            "context",
                            "related",
                        ]
                    },
                ),
                # Made from the title when left empty; changed later by renaming the incident.
                (_("Advanced"), {"fields": ["slug"], "classes": ["collapse"]}),
            ]
        )

    def formfield_for_manytomany(
        self, db_field: models.ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelMultipleChoiceField | None:
        if db_field.name == "categories":  # a short controlled list: show every choice
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_form(
        self,
        request: HttpRequest,
        obj: IncidentVersion | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> type[forms.ModelForm]:
        form = super().get_form(request, obj, change=change, **kwargs)
        # A subclass of ``form`` (typeshed's three-argument type() says only "a type").
        return cast(type[forms.ModelForm], type(form.__name__, (form,), {"editor": request.user}))

    def has_change_permission(
        self, request: HttpRequest, obj: IncidentVersion | None = None
    ) -> bool:
        # Only drafts and versions sent back are edited; the rest are read, never rewritten.
        # A save posted after someone moved the version on still reaches the form, whose check
        # (services.version_check_edit) refuses it and keeps the editor's input on the page.
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.is_editable or _posted_edit(request, obj))

    def save_model(
        self, request: HttpRequest, obj: IncidentVersion, form: IncidentVersionForm, change: bool
    ) -> None:
        if not change:
            services.incident_create(
                slug=form.cleaned_data["slug"],
                user=signed_in(request),
                channel=Channel.ADMIN,
                version=obj,
                changes={"fields": sorted(form.changed_data)},
            )
        # A change is saved with its inlines, in save_related, as one services.version_edit.

    def save_related(
        self,
        request: HttpRequest,
        form: IncidentVersionForm,
        formsets: list[BaseInlineFormSet],
        change: bool,
    ) -> None:
        if not change:
            super().save_related(request, form, formsets, change)
            return

        def apply(version: IncidentVersion) -> services.EditMade:
            version.save()
            super(IncidentVersionAdmin, self).save_related(request, form, formsets, change)
            changes: dict[str, list[str]] = {"fields": sorted(form.changed_data)}
            for formset in formsets:
                if formset.new_objects or formset.changed_objects or formset.deleted_objects:
                    assert formset.model is not None  # an inline's formset names its model
                    changes.setdefault("inlines", []).append(
                        f"{formset.model._meta.model_name}: {len(formset.new_objects)} added, "
                        f"{len(formset.changed_objects)} changed, "
                        f"{len(formset.deleted_objects)} removed"
                    )
            return services.EditMade(
                changes=changes,
                changed_estimate_ids=frozenset(_estimates_with_changed_evidence(formsets)),
            )

        services.version_edit(
            version=form.instance,
            user=signed_in(request),
            seen_lock_version=form.cleaned_data["seen_lock_version"],
            apply=apply,
            channel=Channel.ADMIN,
        )

    def save_formset(
        self,
        request: HttpRequest,
        form: IncidentVersionForm,
        formset: BaseInlineFormSet,
        change: bool,
    ) -> None:
        if formset.model is Estimate:
            estimates = formset.save(commit=False)
            taken = set(form.instance.estimates.values_list("ref", flat=True))
            for estimate in estimates:
                if not estimate.ref:
                    estimate.ref = estimate_ref(
                        incident=form.instance.incident.slug, measure=estimate.measure, taken=taken
                    )
                taken.add(estimate.ref)
                estimate.save()
            for estimate in formset.deleted_objects:
                estimate.delete()
            formset.save_m2m()
        else:
            formset.save()


def _posted_edit(request: HttpRequest, version: IncidentVersion) -> bool:
    """Whether ``request`` is a save of ``version``'s change form."""
    match = request.resolver_match
    return (
        request.method == "POST"
        and match is not None
        and match.url_name == "archive_incidentversion_change"
        and str(match.kwargs.get("object_id")) == str(version.pk)
    )


def _estimates_with_changed_evidence(formsets: list[BaseInlineFormSet]) -> set[int]:
    """The estimates a save changed, or whose citations it added, changed, moved or removed:
    each must be checked against its citation again."""
    estimate_ids: set[int | None] = set()
    for formset in formsets:
        deleted = {id(inline_form) for inline_form in formset.deleted_forms}
        for inline_form in formset.forms:
            removed = id(inline_form) in deleted
            if not (removed or inline_form.has_changed()):
                continue
            if formset.model is Estimate:
                if not removed:
                    estimate_ids.add(inline_form.instance.pk)
            else:  # a citation: the estimate it cited before, and the one it cites now
                estimate_ids.add(inline_form.initial.get("estimate"))
                if not removed:
                    estimate_ids.add(inline_form.instance.estimate_id)
    return {pk for pk in estimate_ids if pk is not None}


@admin.register(Estimate)
class EstimateAdmin(FoldedSearchMixin, DataAdminMixin, NoHardDeleteMixin, admin.ModelAdmin):  # type: ignore[misc]  # see DataAdminMixin
    """Every estimate across incidents, for data editors; they are edited with their incident."""

    resource_classes = [EstimateResource]
    list_display = [
        "ref",
        "version",
        "measure",
        "as_written",
        "claimant",
        "assessment",
        "verification",
        "source",
    ]
    list_filter = ["measure", "assessment", "verification", "claimant_position", "version__state"]
    list_select_related = ["version__incident", "source"]
    search_fields = [
        "ref",
        "as_written",
        "claimant",
        "version__incident__slug",
        "source__key",
        "source__title",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


@admin.register(Citation)
class CitationAdmin(DataAdminMixin, NoHardDeleteMixin, admin.ModelAdmin):  # type: ignore[misc]  # see DataAdminMixin
    resource_classes = [CitationResource]
    list_display = ["version", "source", "locator", "estimate"]
    list_select_related = ["version__incident", "source", "estimate"]
    search_fields = ["version__incident__slug", "source__key", "locator", "quote"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


@admin.register(HistoryEntry)
class HistoryEntryAdmin(admin.ModelAdmin):
    list_display = [
        "at",
        "incident",
        "version",
        "user",
        "action",
        "from_state",
        "to_state",
        "channel",
    ]
    list_filter = ["action", "channel", "to_state"]
    list_select_related = ["incident", "version", "user"]
    search_fields = ["incident__slug", "comment", "user__username"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "incident", "kind", "note"]
    list_filter = ["kind"]
    list_select_related = ["incident"]
    search_fields = ["incident__slug", "note"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # written by publishing and withdrawing

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


# Django's own user and group pages, with relation fields that answer a value that is no key
# (a group or permission id too large for the database) with a message, not a server error.
admin.site.unregister(get_user_model())
admin.site.unregister(Group)


@admin.register(get_user_model())
class ArchiveUserAdmin(SafeRelationsMixin, UserAdmin):
    pass


# django-stubs lets GroupAdmin's formfield_for_manytomany go without a request; the admin
# always passes one.
@admin.register(Group)
class ArchiveGroupAdmin(SafeRelationsMixin, GroupAdmin):  # type: ignore[misc]
    pass
