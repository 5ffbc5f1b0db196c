"""The shared base of the import resources: all-or-nothing imports with exact headers, errors
as sentences and history rows, and the speed work.

Written against django-import-export 4.4.3 (the version pinned in requirements.lock). For speed
it replaces parts of the library's generic path: ``import_instance`` and ``get_import_fields``
(each cell read by its widget once, with the model checks the widgets already made left out of
``validate_instance``), ``get_instance`` (rows found in preloaded batches, not a query per row)
and ``export`` (``values_list`` rows, not model instances). Check these against the library
when upgrading it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import tablib
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import NOT_PROVIDED, QuerySet
from django.utils.translation import gettext
from import_export import fields, resources, widgets
from import_export.instance_loaders import BaseInstanceLoader
from import_export.resources import Diff
from import_export.results import Result, RowResult

from archive.models import (
    OPEN_STATES,
    Estimate,
    Incident,
    IncidentVersion,
    State,
)
from editorial import services
from editorial.import_widgets import (
    ChoiceWidget,
    NamedForeignKeyWidget,
    TextWidget,
    WholeNumberWidget,
    YearWidget,
    cell,
    key_cell,
)
from editorial.models import Channel
from editorial.seen_keys import SeenKeys, SpillingMap

PRELOAD_CHUNK = 2000
logger = logging.getLogger("editorial.imports")


def column_of(field: fields.Field) -> str:
    """An import field's column: every field of these resources names its column."""
    assert field.column_name is not None
    return field.column_name


def attribute_of(field: fields.Field) -> str:
    """An import field's model attribute: every field of these resources writes one."""
    assert field.attribute is not None
    return field.attribute


class ImportRefused(Exception):
    """Raised after the rows are read when any row was invalid: the import writes nothing."""


# A changed cell as the preview shows it: column, the value before, the value the file gives.
Change = tuple[str, str, str]


class ChangesDiff(Diff):
    """The library's comparison of a row's record before and after the import, kept as the
    cells that differ (old → new) for the preview instead of as styled HTML."""

    def compare_with(  # type: ignore[override]  # the library's is generic in the model
        self, resource: ArchiveResource, instance: models.Model | None, dry_run: bool = False
    ) -> None:
        super().compare_with(resource, instance)
        if self.new or instance is None:
            return
        columns = [column_of(field) for field in resource.get_import_fields()]
        resource.last_changes = [
            (column, str(old), str(new))
            for column, old, new in zip(columns, self.left, self.right, strict=True)
            if old != new
        ]


class ArchiveResource(resources.ModelResource):
    """Shared behaviour: all-or-nothing, exact headers, errors as sentences, history rows."""

    required_columns: tuple[str, ...] = ()
    not_validated: tuple[str, ...] = ()  # set when the row is saved, not read from the file
    # Columns the export adds to say where a row comes from; an import accepts and ignores
    # them, so that an export imports back unchanged.
    export_only: tuple[str, ...] = ()
    # The columns the public open data adds (archive.api): read and ignored, so a download
    # from /data/ can be edited and imported again.
    open_data_only: tuple[str, ...] = ()
    # The lookup from an exported record to its incident version ("" when it is one), for
    # resources of versioned content; None for shared records.
    version_path: str | None = None

    class Meta:
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True
        skip_html_diff = True  # the preview shows ``ChangesDiff``'s cells instead

    # Columns whose value is a related record's key: column → lookup. A resource that sets
    # this exports plain values instead of model instances (``export``).
    export_lookups: dict[str, str] | None = None

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.user: AbstractBaseUser | None = None
        self.channel: Channel | None = None
        # version → incident, of every version written to (flat memory: editorial.seen_keys)
        self.touched = SpillingMap()
        self.drafts: dict[int, IncidentVersion] = {}
        self.incidents_by_slug: dict[str, Incident] = {}
        self.versions: dict[int, IncidentVersion] = {}
        self.estimates: dict[tuple[int, str], Estimate] = {}
        self.preloaded_versions: set[int] = set()
        self._import_fields: list[fields.Field] | None = None
        # A long file is imported in chunks (the ``import`` command): the rows before this
        # chunk, so that errors name the file's rows and a key is unique in the whole file.
        self.row_offset = 0
        self.in_chunks = False
        self.seen_keys = SeenKeys()
        self._checked_by_widgets: dict[str, str | None] = {}
        self._not_checked_here: list[str] = []
        # Per column: name, clean, attribute path, default, whether it saves None.
        self._cells: list[tuple[str, Callable[..., Any], list[str], Any, bool]] = []
        self._lists: list[fields.Field] = []  # the list columns (``|``-separated names)
        self.last_changes: list[Change] = []  # the row being imported's changed cells

    def import_data(
        self,
        dataset: tablib.Dataset,
        dry_run: bool = False,
        raise_errors: bool = False,
        use_transactions: bool | None = None,
        collect_failed_rows: bool = False,
        rollback_on_validation_errors: bool = False,
        **kwargs: Any,
    ) -> Result:
        # Nothing is half-written: any invalid row rolls the whole import back.
        self.user = kwargs.get("user")
        self.channel = kwargs.get("channel")  # who imports: the admin, a command, the seed
        return super().import_data(
            dataset,
            dry_run=dry_run,
            raise_errors=raise_errors,
            use_transactions=True,
            collect_failed_rows=collect_failed_rows,
            rollback_on_validation_errors=True,
            **kwargs,
        )

    def before_import(self, dataset: tablib.Dataset, **kwargs: Any) -> None:
        headers = [cell(header) for header in dataset.headers or []]
        dataset.headers = headers
        expected = [column_of(field) for field in self.get_import_fields()]
        ignored = (*self.export_only, *self.open_data_only)
        unknown = [h for h in headers if h not in expected and h not in ignored]
        missing = [column for column in self.required_columns if column not in headers]
        if unknown or missing:
            parts = []
            if unknown:
                parts.append(
                    gettext("unknown column {columns}").format(
                        columns=", ".join(f"`{c}`" for c in unknown)
                    )
                )
            if missing:
                parts.append(
                    gettext("missing column {columns}").format(
                        columns=", ".join(f"`{c}`" for c in missing)
                    )
                )
            raise ImportRefused(
                gettext(
                    "The header row does not match: {problems}. Expected the columns: {expected}."
                ).format(problems="; ".join(parts), expected=", ".join(expected))
            )
        for column in ignored:
            if column in headers:
                del dataset[column]
        headers = list(dataset.headers or [])
        self.leave_checks_to_widgets(headers)
        if not self.row_offset:
            self.seen_keys.close()
            self.seen_keys = SeenKeys()
        else:  # a later chunk: let the earlier chunks' records go (the database has them)
            self.incidents_by_slug, self.versions, self.drafts = {}, {}, {}

    def get_import_fields(self) -> list[fields.Field]:
        # Asked for several times per row; the fields do not change during an import.
        if self._import_fields is None:
            self._import_fields = [
                f for f in super().get_import_fields() if f.column_name not in self.export_only
            ]
            self._checked_by_widgets = self.bind_widgets(self._import_fields)
            self._cells = [
                (
                    column_of(f),
                    f.widget.clean,
                    f.attribute.split("__"),
                    f.default,
                    f.saves_null_values,
                )
                for f in self._import_fields
                if f.attribute
                and not f.readonly
                and not isinstance(f.widget, widgets.ManyToManyWidget)
            ]
            self._lists = [
                f for f in self._import_fields if isinstance(f.widget, widgets.ManyToManyWidget)
            ]
        return self._import_fields

    def get_instance(
        self, instance_loader: BaseInstanceLoader, row: dict[str, Any]
    ) -> models.Model | None:
        # A key the widget refuses is that column's error, like any other cell's.
        for name in self.get_import_id_fields():
            field = self.fields[name]
            if field.column_name in row:
                try:
                    field.clean(row)
                except ValueError as error:
                    raise ValidationError({attribute_of(field): str(error)}) from None
        return super().get_instance(instance_loader, row)

    @classmethod
    def get_diff_class(cls) -> type[Diff]:
        return ChangesDiff

    def after_import_row(self, row: dict[str, Any], row_result: RowResult, **kwargs: Any) -> None:
        row_result.changes = self.last_changes  # type: ignore[attr-defined]  # for the preview
        self.last_changes = []

    def filter_export(self, queryset: QuerySet[Any], **kwargs: Any) -> QuerySet[Any]:
        """Versioned content: one row per record of each incident's current version (its
        open draft, else its published version), as an import edits it; with
        ``published_only``, of its published version."""
        queryset = super().filter_export(queryset, **kwargs)
        if self.version_path is None:
            return queryset
        versions = IncidentVersion.objects.all()
        versions = versions.published() if kwargs.get("published_only") else versions.current()
        return queryset.filter(**{f"{self.version_path or 'pk'}__in": versions.values("pk")})

    def bind_widgets(self, import_fields: list[fields.Field]) -> dict[str, str | None]:
        """Give text widgets their model fields' limits, and name the fields whose widget
        checks everything the model field would: a vocabulary value, a year, a whole number
        of at most 15 digits in a 64-bit column, text within its field's limits. Checking
        them again in ``full_clean`` was most of its cost per row. Field → the column the
        file must have for that to hold (a required text column left out of the file keeps
        the model's blank default, which only ``full_clean`` would see), or None."""
        model = self._meta.model
        assert not isinstance(model, str)  # Meta names the model class
        model_fields = {f.name: f for f in model._meta.get_fields()}
        checked: dict[str, str | None] = {}
        for field in import_fields:
            if field.attribute is None:
                continue  # nothing to check: the field writes no attribute
            widget, model_field = field.widget, model_fields.get(field.attribute)
            if type(widget) is TextWidget and isinstance(
                model_field, (models.CharField, models.TextField)
            ):
                if widget.bind(model_field):
                    checked[field.attribute] = None if model_field.blank else field.column_name
            elif isinstance(widget, (ChoiceWidget, YearWidget)) or (
                isinstance(widget, WholeNumberWidget)
                and isinstance(model_field, models.BigIntegerField)
            ):
                checked[field.attribute] = None
        return checked

    def import_instance(self, instance: models.Model, row: dict[str, Any], **kwargs: Any) -> None:
        """What the library's ``import_instance`` does (each column's widget cleans its cell;
        a ValueError is that column's error), in one plain loop over what was worked out
        once per import: per cell, the library's three layers of calls cost more than the
        widget itself."""
        self.get_import_fields()
        errors: dict[str, ValidationError | list[str]] = {}
        for column, clean, path, default, saves_null in self._cells:
            if column not in row:
                continue
            try:
                value = clean(row[column], row)
            except ValueError as error:
                errors["__".join(path)] = ValidationError(str(error), code="invalid")
                continue
            if default is not NOT_PROVIDED and value in fields.Field.empty_values:
                value = default() if callable(default) else default
            if value is not None or saves_null:
                target: object = instance
                for step in path[:-1]:  # a related record's attribute
                    target = getattr(target, step, None)
                setattr(target, path[-1], value)
        # Check list columns now, so a bad name is a row error rather than a crash later.
        for field in self._lists:
            if field.column_name in row:
                try:
                    field.clean(row)
                except ValueError as error:
                    errors[attribute_of(field)] = [str(error)]
        if errors:
            raise ValidationError(errors)

    def leave_checks_to_widgets(self, headers: list[str]) -> None:
        """Work out the model fields ``validate_instance`` leaves to others: those the file
        does not set (our own code sets them, and the database's constraints hold them),
        those set when the row is saved, and those their widgets check completely."""
        self.get_import_fields()
        checked = {*self.not_validated}
        checked |= {
            attribute
            for attribute, column in self._checked_by_widgets.items()
            if column is None or column in headers
        }
        imported = {f.attribute for f in self._import_fields or []} - checked
        model = self._meta.model
        assert not isinstance(model, str)
        self._not_checked_here = [
            f.name for f in model._meta.concrete_fields if f.name not in imported
        ]

    def validate_instance(
        self,
        instance: models.Model,
        import_validation_errors: dict[str, Any] | None = None,
        validate_unique: bool = True,
    ) -> None:
        # Field checks and clean() say what is wrong in words; the database's constraints
        # still refuse anything that slips past, so no per-row constraint queries are run.
        errors = dict(import_validation_errors or {})
        try:
            instance.full_clean(
                exclude=[*errors, *self._not_checked_here],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def after_import(self, dataset: tablib.Dataset, result: Result, **kwargs: Any) -> None:
        super().after_import(dataset, result, **kwargs)
        if result.has_validation_errors():
            raise ImportRefused("\n".join(self.error_lines(result)))
        if not self.in_chunks:  # a file read in chunks is recorded once, by the command
            self.record_import(
                kwargs.get("file_name", ""),
                result.totals,
                result.total_rows,
                dry_run=bool(kwargs.get("dry_run", False)),
                channel=self.channel,
            )

    def record_import(
        self,
        file_name: str,
        totals: Mapping[Any, int],  # the library's result totals, or a Counter of them
        rows: int,
        *,
        dry_run: bool,
        channel: Channel | None = None,
    ) -> None:
        """The import's log line, and a history row for every version it changed."""
        logger.info(
            "import resource=%s file=%r new=%d updated=%d unchanged=%d user=%s",
            type(self).__name__,
            file_name,
            totals["new"],
            totals["update"],
            totals["skip"],
            self.user.get_username() if self.user else "-",
            extra={
                "event": "import",
                "resource": type(self).__name__,
                "file": file_name,
                "rows": rows,
                "new": totals["new"],
                "updated": totals["update"],
                "unchanged": totals["skip"],
                "user": self.user.get_username() if self.user else None,
                "dry_run": dry_run,
            },
        )
        if dry_run:  # the preview's writes are rolled back: so would its history be
            return
        services.versions_record_import(
            versions=self.touched.items(),
            user=self.user,
            channel=channel,
            changes={"resource": type(self).__name__, "file": file_name},
        )

    def export(self, queryset: models.QuerySet[Any] | None = None, **kwargs: Any) -> tablib.Dataset:
        """The same file as the library's export, from ``values_list`` rows rather than model
        instances (several times faster on big tables): each cell is the column's widget's
        rendering of the same value, and key columns are neutralised like text."""
        if self.export_lookups is None:
            return super().export(queryset, **kwargs)
        self.before_export(queryset, **kwargs)  # type: ignore[arg-type]  # None, as the library's export passes it
        if queryset is None:
            queryset = self.get_queryset()
        queryset = self.filter_export(queryset, **kwargs)
        if not queryset.query.order_by:
            queryset = queryset.order_by("pk")
        columns = self.get_export_fields(selected_fields=kwargs.get("export_fields"))
        lookups = [
            self.export_lookups[column_of(f)]
            if column_of(f) in self.export_lookups
            else attribute_of(f)  # a plain column reads its own attribute
            for f in columns
        ]
        renders = [
            plain_cell
            if f.column_name in self.export_only
            else key_cell
            if f.column_name in self.export_lookups
            else f.widget.render
            for f in columns
        ]
        rows = queryset.values_list(*lookups).iterator(chunk_size=self.get_chunk_size())
        dataset = tablib.Dataset(
            *([render(value) for render, value in zip(renders, row, strict=True)] for row in rows),
            headers=[f.column_name for f in columns],
        )
        self.after_export(queryset, dataset, **kwargs)
        return dataset

    def error_lines(self, result: Result) -> list[str]:
        columns = {field.attribute: field.column_name for field in self.get_import_fields()}
        lines = []
        for invalid in result.invalid_rows:
            line = self.row_offset + invalid.number + 1  # the header is row 1
            for attribute, messages in invalid.error_dict.items():
                column = columns.get(attribute, attribute)
                for message in messages:
                    where = (
                        f"row {line}" if column == "__all__" else f"row {line}, column `{column}`"
                    )
                    lines.append(f"{where}: {message}")
        return lines

    def key_seen(self, key: str, column: str, row_number: int) -> None:
        """Refuse a natural key given twice in one file (``editorial.seen_keys``: flat memory
        however long the file)."""
        first = self.seen_keys.row_of(key)
        if first is not None:
            raise ValidationError(
                {
                    column: gettext(
                        "'{key}' appears twice in this file (rows {first} and {second}); each "
                        "row needs its own {column}"
                    ).format(
                        key=key,
                        first=first + 1,
                        second=self.row_offset + row_number + 1,
                        column=column,
                    )
                }
            )
        self.seen_keys.add(key, self.row_offset + row_number)

    # Versioned content --------------------------------------------------------------------

    def preload(self, dataset: tablib.Dataset, column: str = "incident") -> None:
        """Fetch the incidents a file names, their current versions and those versions'
        estimates in a few queries, instead of several per row."""
        if column not in (dataset.headers or []):
            return
        slugs = sorted({cell(value) for value in dataset[column] if cell(value)})
        named: dict[str, Incident] = {}
        for start in range(0, len(slugs), PRELOAD_CHUNK):
            chunk = slugs[start : start + PRELOAD_CHUNK]
            named |= {i.slug: i for i in Incident.objects.filter(slug__in=chunk)}
        self.incidents_by_slug |= named
        ids = [incident.pk for incident in named.values() if incident.pk not in self.versions]
        # The open and published versions, named by the states they are not: asked for the
        # states they are, SQLite walks the state index through every version in the archive.
        closed = [state for state in State.values if state not in (*OPEN_STATES, State.PUBLISHED)]
        for start in range(0, len(ids), PRELOAD_CHUNK):
            versions = IncidentVersion.objects.filter(
                incident_id__in=ids[start : start + PRELOAD_CHUNK]
            ).exclude(state__in=closed)
            for version in versions.order_by("number"):
                current = self.versions.get(version.incident_id)
                if current is None or version.state in OPEN_STATES:
                    self.versions[version.incident_id] = version
        self.preload_keys(dataset)
        # Only this file's (or chunk's) versions: earlier chunks' estimates are let go.
        version_ids = [self.versions[i.pk].pk for i in named.values() if i.pk in self.versions]
        self.preloaded_versions = set(version_ids)
        self.estimates = {}
        for start in range(0, len(version_ids), PRELOAD_CHUNK):
            for estimate in (
                Estimate.objects.filter(version_id__in=version_ids[start : start + PRELOAD_CHUNK])
                .select_related("source")
                .order_by()  # the default order joins versions and incidents
            ):
                self.estimates[(estimate.version_id, estimate.ref)] = estimate

    def preload_keys(self, dataset: tablib.Dataset) -> None:
        """The records that key columns (``source``…) name, in one query per column and
        chunk, so that each widget looks nothing up row by row."""
        for field in self.get_import_fields():
            widget = field.widget
            if not isinstance(widget, NamedForeignKeyWidget) or field.column_name not in (
                dataset.headers or []
            ):
                continue
            keys = sorted({cell(value) for value in dataset[field.column_name] if cell(value)})
            for start in range(0, len(keys), PRELOAD_CHUNK):
                lookup = {f"{widget.field}__in": keys[start : start + PRELOAD_CHUNK]}
                for record in widget.model.objects.filter(**lookup):
                    widget.known[getattr(record, widget.field)] = record

    def current_version(self, incident: Incident) -> IncidentVersion:
        """The version an import edits: the open version, else the published one (copied into
        a draft only if the row changes something). A row that leaves a version in review or
        approved as it is counts as unchanged; one that changes it is refused on saving."""
        if incident.pk in self.drafts:
            return self.drafts[incident.pk]
        version = self.versions.get(incident.pk)
        if version is None:
            version = (
                incident.versions.open().first()
                or incident.versions.published().first()
                or incident.versions.first()
            )
        if version is None:
            raise ValidationError(
                {"__all__": gettext("incident '{slug}' has no content").format(slug=incident.slug)}
            )
        if not IncidentVersion.incident.is_cached(version):
            version.incident = incident
        return version

    def editable_draft(self, version: IncidentVersion) -> IncidentVersion:
        """``version`` itself if it is a draft, else a new draft of its incident; a version
        in review or approved refuses every change until a reviewer sends it back."""
        if version.is_editable:
            draft = version
        elif version.state in OPEN_STATES:
            raise ValidationError(
                {
                    "__all__": gettext(
                        "incident '{slug}' is {state}; it cannot change until a reviewer sends "
                        "it back"
                    ).format(slug=version.incident.slug, state=version.get_state_display())
                }
            )
        else:
            draft = services.version_start_draft(
                incident=version.incident, user=self.user, from_version=version, trusted=True
            )
            self.drafts[version.incident_id] = draft
        self.touched.add(draft.pk, draft.incident_id)
        return draft

    def incident_for(self, row: Mapping[str, Any], column: str = "incident") -> Incident:
        slug = cell(row.get(column))
        incident = self.incidents_by_slug.get(slug)
        if incident is None and slug:
            incident = Incident.objects.filter(slug=slug).first()
            if incident is not None:
                self.incidents_by_slug[slug] = incident
        if incident is None:
            raise ValidationError(
                {
                    column: (
                        gettext(
                            "'{slug}' is not a known incident slug; import the incident first "
                            "or check the spelling"
                        ).format(slug=slug)
                        if slug
                        else gettext("this column is required: give the incident's slug")
                    )
                }
            )
        return incident


def plain_cell(value: object) -> str:
    return "" if value is None else str(value)


def become(instance: models.Model, target: models.Model, keep: set[str]) -> None:
    """Point ``instance`` at ``target``'s row, keeping the imported values in ``keep``."""
    for model_field in type(instance)._meta.concrete_fields:
        if model_field.attname not in keep and model_field.name not in keep:
            setattr(instance, model_field.attname, getattr(target, model_field.attname))
    instance._state.adding = False
