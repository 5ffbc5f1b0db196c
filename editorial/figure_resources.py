"""The import and export of figures (estimates) and citations: one row per figure or citation
of an incident's current version, matched by ref, each figure's relations to the others
checked after the whole file (a part may come before its whole). Re-exported by
``editorial.resources``."""

from __future__ import annotations

import functools
import itertools
from typing import Any

import tablib
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields
from import_export.instance_loaders import BaseInstanceLoader
from import_export.results import Result, RowResult

from archive.columns import (
    CITATION_COLUMNS,
    ESTIMATE_COLUMNS,
)
from archive.estimates import relation_errors
from archive.models import (
    Assessment,
    Citation,
    ClaimantPosition,
    Estimate,
    IncidentVersion,
    Measure,
    Per,
    Qualifier,
    Source,
    estimate_ref,
)
from editorial import services
from editorial.copy_rows import copy_create, copy_supported
from editorial.import_base import (
    ArchiveResource,
    ImportRefused,
    become,
    column_of,
)
from editorial.import_widgets import (
    SLUGIFIED,
    ChoiceWidget,
    NamedForeignKeyWidget,
    PercentWidget,
    TextWidget,
    WholeNumberWidget,
    YearWidget,
    cell,
    text_field,
)

# What ``archive.estimates.relation_errors`` reads of a figure.
RELATION_FIELDS = [
    "version_id",
    "ref",
    "measure",
    "low",
    "best",
    "high",
    "qualifier",
    "as_written",
    "scope",
    "part_of",
    "share_low",
    "share_high",
    "share_of",
    "per",
]


# The values an estimate had before its row was imported (``after_init_instance``).
STORED = "_stored"
STORED_SOURCE = "_stored_source"  # the figure's source before the import, for the preview


@functools.cache
def _attname(model: type[models.Model], name: str) -> str:
    """The attribute a model field's value is kept in: ``source_id`` for ``source``."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)  # an imported column, never a reverse relation
    return field.attname


class EstimateResource(ArchiveResource):
    ref = text_field("ref")
    incident = fields.Field(attribute=None, column_name="incident", widget=TextWidget())
    measure = fields.Field("measure", "measure", widget=ChoiceWidget(Measure))
    low = fields.Field("low", "low", widget=WholeNumberWidget("low"))
    best = fields.Field("best", "best", widget=WholeNumberWidget("best"))
    high = fields.Field("high", "high", widget=WholeNumberWidget("high"))
    qualifier = fields.Field("qualifier", "qualifier", widget=ChoiceWidget(Qualifier, "exact"))
    as_written = text_field("as_written")
    claimant = text_field("claimant")
    claimant_position = fields.Field(
        "claimant_position",
        "claimant_position",
        widget=ChoiceWidget(ClaimantPosition, ClaimantPosition.UNKNOWN),
    )
    claim_year = fields.Field("claim_year", "claim_year", widget=YearWidget("claim_year"))
    assessment = fields.Field(
        "assessment", "assessment", widget=ChoiceWidget(Assessment, Assessment.ACCEPTED)
    )
    assessment_reason = text_field("assessment_reason")
    source = fields.Field(
        "source", "source", widget=NamedForeignKeyWidget(Source, "key", what=_("source key"))
    )
    locator = text_field("locator")
    quote = text_field("quote")
    scope = text_field("scope")
    part_of = text_field("part_of")
    share_low = fields.Field("share_low", "share_low", widget=PercentWidget("share_low"))
    share_high = fields.Field("share_high", "share_high", widget=PercentWidget("share_high"))
    share_of = text_field("share_of")
    per = fields.Field("per", "per", widget=ChoiceWidget(Per, ""))
    version = fields.Field(attribute=None, column_name="version", readonly=True)
    state = fields.Field(attribute=None, column_name="state", readonly=True)
    required_columns = ("incident", "measure", "as_written", "claimant", "source")
    # The version is chosen when the row is saved; the source widget has found the source.
    not_validated = ("version", "source")
    export_lookups = {
        "incident": "version__incident__slug",
        "source": "source__key",
        "version": "version__number",
        "state": "version__state",
    }
    export_only = ("version", "state")
    open_data_only = ("verified", "snapshot_url", "snapshot_sha256")
    version_path = "version"

    blank_estimate: list[Any] | None = None  # every field's default, in the model's order
    use_copy = True  # new rows through COPY where the database has it (``bulk_create``)

    class Meta(ArchiveResource.Meta):
        model = Estimate
        name = _("Figures (estimates)")  # as the export page offers it
        import_id_fields = ["ref"]
        # Rows are written in batches: no per-row savepoint or INSERT.
        use_bulk = True
        batch_size = 1000
        skip_diff = True  # unchanged rows are found by comparing values (see skip_row)
        fields = [*ESTIMATE_COLUMNS, "version", "state"]

    def get_queryset(self) -> QuerySet[Estimate]:
        return Estimate.objects.select_related("version__incident", "source")

    def before_import_row(self, row: dict[str, Any], **kwargs: Any) -> None:
        incident = self.incident_for(row)
        ref = cell(row.get("ref"))
        if not ref:
            ref = row["ref"] = estimate_ref(
                incident=incident.slug,
                measure=cell(row.get("measure")),
                claim=[
                    cell(row.get(c))
                    for c in ("measure", "claimant", "as_written", "source", "locator")
                ],
            )
        if not SLUGIFIED.fullmatch(ref):  # what ``slugify`` would leave as it is
            raise ValidationError(
                {
                    "ref": gettext(
                        "'{ref}' is not a valid ref; use lowercase letters, digits and hyphens, "
                        "e.g. '{example}'"
                    ).format(ref=ref, example=slugify(ref))
                }
            )
        self.key_seen(ref, "ref", kwargs["row_number"])
        row["_incident"], row["_ref"] = incident, ref
        row["_version"] = self.current_version(incident)
        if cell(row.get("part_of")) or cell(row.get("share_of")):
            self.related_rows[(incident.pk, ref)] = self.row_offset + kwargs["row_number"] + 1

    def before_import(self, dataset: tablib.Dataset, **kwargs: Any) -> None:
        super().before_import(dataset, **kwargs)
        self.preload(dataset)
        self.changed_estimates: list[int] = []
        if not hasattr(self, "related_rows"):  # kept across the chunks of one file
            self.related_rows: dict[tuple[int, str], int] = {}

    def after_import(self, dataset: tablib.Dataset, result: Result, **kwargs: Any) -> None:
        if not result.has_validation_errors():
            for batch in itertools.batched(self.changed_estimates, 1000, strict=False):
                services.estimates_unverify(estimates=Estimate.objects.filter(pk__in=batch))
            if not self.in_chunks and (problems := self.relation_problems()):
                raise ImportRefused("\n".join(problems))
        super().after_import(dataset, result, **kwargs)

    def relation_problems(self) -> list[str]:
        """Parts and shares checked against all the figures of each incident the file wrote
        to, once every row is in (a whole may come after its parts). Only versions holding a
        part or a share are read, and only the fields the check needs: a file of plain figures
        costs one query per thousand versions and no memory."""
        related: list[int] = []
        for batch in itertools.batched(self.touched, 1000, strict=False):
            related += (
                Estimate.objects.filter(version_id__in=batch)
                .exclude(part_of="", share_of="")
                .values_list("version_id", flat=True)
                .distinct()
            )
        problems = []
        for batch in itertools.batched(related, 200, strict=False):
            figures: dict[int, list[Estimate]] = {}
            for estimate in Estimate.objects.filter(version_id__in=batch).only(*RELATION_FIELDS):
                figures.setdefault(estimate.version_id, []).append(estimate)
            for version_id, estimates in figures.items():
                incident_id = self.touched[version_id]
                for ref, found in relation_errors(estimates).items():
                    where = self.related_rows.get((incident_id, ref))
                    for column, message in found.items():
                        at = f"row {where}, column `{column}`" if where else f"estimate “{ref}”"
                        problems.append(f"{at}: {message}")
        return sorted(problems, key=lambda line: (len(line.split(",")[0]), line))

    def get_instance(
        self, instance_loader: BaseInstanceLoader, row: dict[str, Any]
    ) -> Estimate | None:
        version = row["_version"]
        if version.pk in self.preloaded_versions:
            estimate = self.estimates.get((version.pk, row["_ref"]))
            if estimate is not None:
                estimate.version = version
            return estimate
        return version.estimates.filter(ref=row["_ref"]).first()

    def editable_draft(self, version: IncidentVersion) -> IncidentVersion:
        draft = super().editable_draft(version)
        if draft.pk not in self.preloaded_versions:  # a new draft: its copies, read once
            self.preloaded_versions.add(draft.pk)
            for estimate in draft.estimates.select_related("source").order_by():
                self.estimates[(draft.pk, estimate.ref)] = estimate
        return draft

    def init_instance(self, row: dict[str, Any] | None = None) -> Estimate:
        if self.blank_estimate is None:
            self.blank_estimate = [f.get_default() for f in Estimate._meta.concrete_fields]
        # Django's positional constructor, as for rows read from the database: twice as
        # fast as keywords, which look up every field's default for every row. Every row
        # shares these defaults, so they must stay immutable values (a test checks).
        estimate = Estimate(*self.blank_estimate)
        assert row is not None  # the library always passes the row
        estimate.version_id = row["_version"].pk
        return estimate

    def dehydrate_incident(self, estimate: Estimate) -> str:
        return estimate.version.incident.slug

    def dehydrate_version(self, estimate: Estimate) -> str:
        return str(estimate.version.number)

    def dehydrate_state(self, estimate: Estimate) -> str:
        return estimate.version.state

    def save_instance(
        self, instance: Estimate, is_create: bool, row: dict[str, Any], **kwargs: Any
    ) -> None:
        draft = self.editable_draft(row["_version"])
        if is_create:
            instance.version_id = draft.pk
            # The batch insert needs only the source's id; with the record cached it spends
            # longer on every row.
            if Estimate.source.field.is_cached(instance):
                Estimate.source.field.delete_cached_value(instance)
        else:
            target = self.estimates[(draft.pk, instance.ref)]  # the draft's own copy
            imported = {field.attribute for field in self.get_import_fields() if field.attribute}
            become(instance, target, imported)
            # An imported figure is a new claim: it must be checked against its citation again
            # (a new row starts unverified), once the batch is written (``after_import``).
            self.changed_estimates.append(instance.pk)
        super().save_instance(instance, is_create, row, **kwargs)  # queued for the batch

    def after_init_instance(
        self, instance: Estimate, new: bool, row: dict[str, Any], **kwargs: Any
    ) -> None:
        if not new:  # what skip_row compares the imported values with
            setattr(instance, STORED, self.stored_values(instance))
            # The source as it was, for the preview's old → new (loaded with the figure).
            setattr(instance, STORED_SOURCE, Estimate.source.field.get_cached_value(instance, None))

    def after_import_row(self, row: dict[str, Any], row_result: RowResult, **kwargs: Any) -> None:
        # What the admin's preview shows for the row: the figure, and where it goes.
        row_result.object_repr = (
            f"{row['_incident'].slug} · {row['_ref']}: {row_result.object_repr}"
        )
        super().after_import_row(row, row_result, **kwargs)

    def stored_values(self, instance: Estimate) -> tuple[object, ...]:
        return tuple(
            getattr(instance, _attname(Estimate, f.attribute))
            for f in self.get_import_fields()
            if f.attribute
        )

    def skip_row(
        self,
        instance: Estimate,
        original: Estimate | None,
        row: dict[str, Any],
        import_validation_errors: dict[str, Any] | None = None,
    ) -> bool:
        if import_validation_errors or instance._state.adding:
            return False
        stored, now = getattr(instance, STORED, None), self.stored_values(instance)
        if stored == now:
            return True
        if stored is not None:  # the cells that change, for the preview (changed rows only)
            compared = [f for f in self.get_import_fields() if f.attribute]
            self.last_changes = [
                (
                    column_of(field),
                    self.cell_text(field, old, instance, before=True),
                    self.cell_text(field, new, instance, before=False),
                )
                for field, old, new in zip(compared, stored, now, strict=True)
                if old != new
            ]
        return False

    def cell_text(
        self, field: fields.Field, value: object, instance: Estimate, *, before: bool
    ) -> str:
        """A stored value as the file writes it (a source by its key)."""
        if field.attribute == "source":
            source = getattr(instance, STORED_SOURCE) if before else instance.source
            return source.key if source is not None and source.pk == value else str(value or "")
        return str(field.widget.render(value))

    def get_bulk_update_fields(self) -> list[str]:
        imported = [f.attribute for f in self.get_import_fields() if f.attribute]
        return [*imported, "version"]

    def bulk_create(
        self,
        using_transactions: bool,
        dry_run: bool,
        raise_errors: bool,
        batch_size: int | None = None,
        result: Result | None = None,
    ) -> None:
        """New figures go in through ``COPY`` on PostgreSQL (several times faster than the
        INSERTs of ``bulk_create``, which other databases keep), in the import's transaction:
        the database refuses a row breaking a constraint as it would an INSERT, and the
        library reports the error and rolls the whole import back as for ``bulk_create``."""
        if not self.create_instances or (dry_run and not using_transactions):
            return
        try:
            # A refused batch marks the import's transaction for rollback, so that the
            # library's savepoint around it is rolled back and the refusal reported: on
            # PostgreSQL a failed statement aborts the transaction, and releasing the
            # savepoint would fail instead.
            with transaction.atomic(savepoint=False):
                if self.use_copy and copy_supported():
                    copy_create(objects=self.create_instances)
                else:
                    Estimate.objects.bulk_create(self.create_instances, batch_size=batch_size)
        except Exception as error:  # as the library's bulk_create handles its errors
            assert result is not None  # the library always passes its result
            if raise_errors:
                self.handle_import_error(result, error, raise_errors=True)
            self.handle_import_error(result, error)
        finally:
            self.create_instances.clear()


class CitationResource(ArchiveResource):
    incident = fields.Field(attribute=None, column_name="incident", widget=TextWidget())
    source = fields.Field(
        "source", "source", widget=NamedForeignKeyWidget(Source, "key", what=_("source key"))
    )
    locator = text_field("locator")
    quote = text_field("quote")
    note = text_field("note")
    estimate = fields.Field(attribute=None, column_name="estimate", widget=TextWidget())
    version = fields.Field(attribute=None, column_name="version", readonly=True)
    state = fields.Field(attribute=None, column_name="state", readonly=True)
    required_columns = ("incident", "source")
    not_validated = ("version",)
    export_lookups = {
        "incident": "version__incident__slug",
        "source": "source__key",
        "estimate": "estimate__ref",
        "version": "version__number",
        "state": "version__state",
    }
    export_only = ("version", "state")
    version_path = "version"

    class Meta(ArchiveResource.Meta):
        model = Citation
        name = _("Citations")  # as the export page offers it
        import_id_fields = ["source"]
        fields = [*CITATION_COLUMNS, "version", "state"]

    def get_queryset(self) -> QuerySet[Citation]:
        return Citation.objects.select_related("version__incident", "source", "estimate")

    def before_import_row(self, row: dict[str, Any], **kwargs: Any) -> None:
        row["_incident"] = self.incident_for(row)
        key = "|".join(cell(row.get(c)) for c in ("incident", "source", "locator", "estimate"))
        self.key_seen(key, "source", kwargs["row_number"])

    def _match(self, version: IncidentVersion, row: dict[str, Any]) -> QuerySet[Citation]:
        ref = cell(row.get("estimate"))
        same_claim = {"estimate__ref": ref} if ref else {"estimate__isnull": True}
        return version.citations.filter(
            source__key=cell(row.get("source")), locator=cell(row.get("locator")), **same_claim
        )

    def get_instance(
        self, instance_loader: BaseInstanceLoader, row: dict[str, Any]
    ) -> Citation | None:
        return self._match(self.current_version(row["_incident"]), row).first()

    def init_instance(self, row: dict[str, Any] | None = None) -> Citation:
        assert row is not None  # the library always passes the row
        version = self.current_version(row["_incident"])
        ref = cell(row.get("estimate"))
        citation = Citation(version=version)
        if ref:
            citation.estimate = version.estimates.filter(ref=ref).first()
            if citation.estimate is None:
                raise ValidationError(
                    {
                        "estimate": gettext(
                            "'{ref}' is not an estimate ref of incident '{slug}'; import the "
                            "estimates first"
                        ).format(ref=ref, slug=version.incident.slug)
                    }
                )
        return citation

    def dehydrate_incident(self, citation: Citation) -> str:
        return citation.version.incident.slug

    def dehydrate_version(self, citation: Citation) -> str:
        return str(citation.version.number)

    def dehydrate_state(self, citation: Citation) -> str:
        return citation.version.state

    def dehydrate_estimate(self, citation: Citation) -> str:
        return citation.estimate.ref if citation.estimate else ""

    def save_instance(
        self, instance: Citation, is_create: bool, row: dict[str, Any], **kwargs: Any
    ) -> None:
        draft = self.editable_draft(instance.version)
        if is_create:
            instance.version = draft
            if instance.estimate_id:
                assert instance.estimate is not None  # the figure the row names
                instance.estimate = draft.estimates.get(ref=instance.estimate.ref)
        else:
            target = self._match(draft, row).get()
            become(instance, target, {"source", "locator", "quote", "note"})
        instance.save()
        if instance.estimate_id:  # a changed citation means the figure must be checked again
            services.estimates_unverify(estimates=draft.estimates.filter(pk=instance.estimate_id))
