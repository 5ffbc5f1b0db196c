"""django-import-export resources of the shared records (sources, places, perpetrators,
proceedings): a change to a record that a published page shows is held for review
(``editorial.records``) like the admin's. ``editorial.resources`` re-exports them, so the
documented dotted paths (``editorial.resources.SourceResource``, …) keep working.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from import_export import fields

from archive.columns import (
    SOURCE_COLUMNS,
)
from archive.models import (
    Actor,
    Incident,
    Place,
    Proceeding,
    Source,
)
from editorial import records
from editorial.import_base import (
    ArchiveResource,
    attribute_of,
)
from editorial.import_widgets import (
    AlternativeNamesWidget,
    ChoiceWidget,
    DecimalWidget,
    InAbsentiaWidget,
    NamedForeignKeyWidget,
    NamesWidget,
    YearWidget,
    _unique_slug,
    cell,
    text_field,
)
from editorial.models import Channel, RecordChange


class ReviewedRecordResource(ArchiveResource):
    """A shared record's row changes it through ``records.record_change_submit``, as the
    admin's form does: at once while no published page shows the record, otherwise held for
    a second person's review (the row counts as updated; the record keeps its values)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.held: list[RecordChange] = []

    def save_instance(
        self, instance: models.Model, is_create: bool, row: dict[str, Any], **kwargs: Any
    ) -> None:
        model = type(instance)
        values = {
            field.name: field.value_from_object(instance)
            for field in records.editable_fields(model)
            if not field.many_to_many
        }
        for field in self._lists:
            if field.column_name in row:
                values[attribute_of(field)] = field.clean(row)
        who = self.user if self.user is not None and self.user.is_authenticated else None
        change = records.record_change_submit(
            model=model,
            pk=None if is_create else instance.pk,
            values=values,
            user=who,
            # Stored with the change and offered as the public correction note: not translated.
            note=f"Imported from {kwargs.get('file_name') or 'a file'}.",
            channel=self.channel or (Channel.IMPORT if who else Channel.COMMAND),
            trusted=who is None,
        )
        if change is not None and change.status == RecordChange.Status.PENDING:
            self.held.append(change)
        elif change is not None:
            instance.pk = change.object_id

    def save_m2m(self, instance: models.Model, row: dict[str, Any], **kwargs: Any) -> None:
        """Saved, or held, with the rest of the row by ``save_instance``."""


class SourceResource(ReviewedRecordResource):
    key = text_field("key")
    kind = fields.Field("kind", "kind", widget=ChoiceWidget(Source.Kind, Source.Kind.BOOK))
    authors = text_field("authors")
    title = text_field("title")
    container = text_field("container")
    year = fields.Field("year", "year", widget=YearWidget("year"))
    publisher = text_field("publisher")
    place = text_field("place")
    isbn = text_field("isbn")
    doi = text_field("doi")
    url = text_field("url")
    archived_url = text_field("archived_url")
    language = text_field("language")
    required_columns = ("key", "title")

    class Meta(ArchiveResource.Meta):
        model = Source
        import_id_fields = ["key"]
        fields = SOURCE_COLUMNS

    def before_import_row(self, row: dict[str, Any], **kwargs: Any) -> None:
        self.key_seen(cell(row.get("key")), "key", kwargs["row_number"])


class PlaceResource(ReviewedRecordResource):
    name = text_field("name")
    alternative_names = fields.Field(
        "alternative_names", "alternative_names", widget=AlternativeNamesWidget()
    )
    country = text_field("country")
    region = text_field("region")
    latitude = fields.Field("latitude", "latitude", widget=DecimalWidget())
    longitude = fields.Field("longitude", "longitude", widget=DecimalWidget())
    coordinate_precision = fields.Field(
        "coordinate_precision",
        "coordinate_precision",
        widget=ChoiceWidget(Place.Precision, ""),
    )
    required_columns = ("name",)

    class Meta(ArchiveResource.Meta):
        model = Place
        import_id_fields = ["name"]
        fields = [
            "name",
            "alternative_names",
            "country",
            "region",
            "latitude",
            "longitude",
            "coordinate_precision",
        ]

    def before_import_row(self, row: dict[str, Any], **kwargs: Any) -> None:
        self.key_seen(cell(row.get("name")), "name", kwargs["row_number"])

    def after_init_instance(
        self, instance: Place, new: bool, row: dict[str, Any], **kwargs: Any
    ) -> None:
        if new:
            instance.slug = _unique_slug(Place, cell(row.get("name")))


class ActorResource(ReviewedRecordResource):
    name = text_field("name")
    parent = fields.Field(
        "parent", "parent", widget=NamedForeignKeyWidget(Actor, "name", what=_("actor"))
    )
    required_columns = ("name",)

    class Meta(ArchiveResource.Meta):
        model = Actor
        import_id_fields = ["name"]
        fields = ["name", "parent"]

    def before_import_row(self, row: dict[str, Any], **kwargs: Any) -> None:
        self.key_seen(cell(row.get("name")), "name", kwargs["row_number"])

    def after_init_instance(
        self, instance: Actor, new: bool, row: dict[str, Any], **kwargs: Any
    ) -> None:
        if new:
            instance.slug = _unique_slug(Actor, cell(row.get("name")))


class ProceedingResource(ReviewedRecordResource):
    slug = text_field("slug")
    title = text_field("title")
    court = text_field("court")
    date = text_field("date")
    date_text = text_field("date_text")
    defendants = fields.Field("defendants", "defendants", widget=AlternativeNamesWidget())
    outcome = text_field("outcome")
    in_absentia = fields.Field("in_absentia", "in_absentia", widget=InAbsentiaWidget())
    appeal = text_field("appeal")
    incidents = fields.Field(
        "incidents", "incidents", widget=NamesWidget(Incident, create=False, field="slug")
    )
    source = fields.Field(
        "source", "source", widget=NamedForeignKeyWidget(Source, "key", what=_("source key"))
    )
    locator = text_field("locator")
    required_columns = ("slug", "title", "court", "date")

    class Meta(ArchiveResource.Meta):
        model = Proceeding
        import_id_fields = ["slug"]
        fields = [
            "slug",
            "title",
            "court",
            "date",
            "date_text",
            "defendants",
            "outcome",
            "in_absentia",
            "appeal",
            "incidents",
            "source",
            "locator",
        ]

    def before_import_row(self, row: dict[str, Any], **kwargs: Any) -> None:
        self.key_seen(cell(row.get("slug")), "slug", kwargs["row_number"])
