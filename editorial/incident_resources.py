"""The import and export of incidents: one row per incident, its content in the version an
editor works on. A row that changes a published incident opens (or reuses) its draft; the
public keeps the published version. Re-exported by ``editorial.resources``."""

from __future__ import annotations

from typing import Any

import tablib
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields
from import_export.instance_loaders import BaseInstanceLoader
from import_export.results import Result

from archive.columns import (
    INCIDENT_COLUMNS,
    TRANSLATIONS_OUT_OF_DATE,
    translation_columns,
)
from archive.models import (
    Actor,
    Category,
    Context,
    Incident,
    IncidentVersion,
    Place,
    VictimGroup,
)
from editorial import services
from editorial.import_base import (
    ArchiveResource,
    ImportRefused,
    become,
)
from editorial.import_widgets import (
    NamedForeignKeyWidget,
    NamesWidget,
    TextWidget,
    cell,
    text_field,
)
from editorial.models import Channel


class IncidentResource(ArchiveResource):
    """One row per incident; the content goes into the incident's draft."""

    slug = fields.Field(attribute=None, column_name="slug", widget=TextWidget())
    title = text_field("title")
    summary = text_field("summary")
    description = text_field("description")
    date = text_field("date")
    date_text = text_field("date_text")
    places = fields.Field("places", "places", widget=NamesWidget(Place))
    categories = fields.Field(
        "categories", "categories", widget=NamesWidget(Category, create=False)
    )
    perpetrators = fields.Field("perpetrators", "perpetrators", widget=NamesWidget(Actor))
    victim_groups = fields.Field("victim_groups", "victim_groups", widget=NamesWidget(VictimGroup))
    context = fields.Field(
        "context", "context", widget=NamedForeignKeyWidget(Context, "name", create=True)
    )
    related = fields.Field(attribute=None, column_name="related", widget=TextWidget())
    version = fields.Field(attribute=None, column_name="version", readonly=True)
    state = fields.Field(attribute=None, column_name="state", readonly=True)
    required_columns = ("slug", "title", "summary", "date", "date_text", "categories")
    not_validated = ("incident", "created_by")
    export_only = ("version", "state")
    open_data_only: tuple[str, ...] = ("url", "published_at")
    version_path = ""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # The open data's translation columns are read and ignored: translations are written
        # and reviewed in the admin, never imported with the original.
        self.open_data_only = (
            *type(self).open_data_only,
            *translation_columns(),
            TRANSLATIONS_OUT_OF_DATE,
        )

    class Meta(ArchiveResource.Meta):
        model = IncidentVersion
        name = _("Incidents")  # as the export page offers it
        import_id_fields = ["slug"]
        fields = [*INCIDENT_COLUMNS, "version", "state"]

    def before_import(self, dataset: tablib.Dataset, **kwargs: Any) -> None:
        super().before_import(dataset, **kwargs)
        self.related_rows: list[tuple[IncidentVersion, list[str], int]] = []

    def get_queryset(self) -> QuerySet[IncidentVersion]:
        return IncidentVersion.objects.select_related("incident", "context")

    def filter_export(
        self, queryset: QuerySet[IncidentVersion], **kwargs: Any
    ) -> QuerySet[IncidentVersion]:
        # Each row's lists and links, fetched once for the whole file rather than per row.
        return (
            super()
            .filter_export(queryset, **kwargs)
            .select_related("incident", "context")
            .prefetch_related("places", "categories", "perpetrators", "victim_groups", "related")
        )

    def before_import_row(self, row: dict[str, Any], **kwargs: Any) -> None:
        slug = cell(row.get("slug"))
        if not slug or slug != slugify(slug):
            raise ValidationError(
                {
                    "slug": (
                        gettext(
                            "'{slug}' is not a slug; use lowercase letters, digits and hyphens, "
                            "e.g. '{example}'"
                        ).format(slug=slug, example=slugify(slug) or "katyn-massacre")
                        if slug
                        else gettext(
                            "this column is required: the incident's permanent address, "
                            "e.g. katyn-massacre"
                        )
                    )
                }
            )
        self.key_seen(slug, "slug", kwargs["row_number"])

    def get_instance(
        self, instance_loader: BaseInstanceLoader, row: dict[str, Any]
    ) -> IncidentVersion | None:
        incident = Incident.objects.filter(slug=cell(row.get("slug"))).first()
        return None if incident is None else self.current_version(incident)

    def dehydrate_slug(self, version: IncidentVersion) -> str:
        return version.incident.slug

    def dehydrate_version(self, version: IncidentVersion) -> str:
        return str(version.number)

    def dehydrate_state(self, version: IncidentVersion) -> str:
        return version.state

    def dehydrate_related(self, version: IncidentVersion) -> str:
        return "|".join(sorted(incident.slug for incident in version.related.all()))

    def skip_row(
        self,
        instance: IncidentVersion,
        original: IncidentVersion | None,
        row: dict[str, Any],
        import_validation_errors: dict[str, Any] | None = None,
    ) -> bool:
        unchanged = super().skip_row(instance, original, row, import_validation_errors)
        if unchanged and original is not None and original.pk and "related" in row:
            wanted = sorted(s for s in cell(row["related"]).split("|") if s.strip())
            unchanged = (
                wanted == self.dehydrate_related(original).split("|")
                if wanted
                else (not original.related.exists())
            )
        return unchanged

    def save_instance(
        self, instance: IncidentVersion, is_create: bool, row: dict[str, Any], **kwargs: Any
    ) -> None:
        if is_create:
            try:
                services.incident_create(
                    slug=cell(row["slug"]),
                    user=self.user,
                    channel=self.channel or Channel.IMPORT,
                    version=instance,
                    trusted=self.user is None,  # an operator at the command line
                )
            except services.WorkflowError as refusal:
                raise ValidationError({"slug": str(refusal)}) from None
            self.touched.add(instance.pk, instance.incident_id)
        else:
            draft = self.editable_draft(instance)
            imported = {field.attribute for field in self.get_import_fields() if field.attribute}
            become(instance, draft, imported)
            instance.save()  # its lock moves on with the import's record (record_import)
        if "related" in row:
            slugs = [s.strip() for s in cell(row["related"]).split("|") if s.strip()]
            self.related_rows.append((instance, slugs, kwargs["row_number"]))

    def after_import(self, dataset: tablib.Dataset, result: Result, **kwargs: Any) -> None:
        # Related incidents may come later in the same file, so they are linked at the end.
        if not result.has_validation_errors():
            for version, slugs, number in getattr(self, "related_rows", []):
                found = dict(Incident.objects.filter(slug__in=slugs).values_list("slug", "pk"))
                unknown = [slug for slug in slugs if slug not in found]
                if unknown:
                    raise ImportRefused(
                        gettext(
                            "row {number}, column `related`: '{slug}' is not a known incident slug"
                        ).format(number=number + 1, slug=unknown[0])
                    )
                version.related.set(found.values())
        super().after_import(dataset, result, **kwargs)
