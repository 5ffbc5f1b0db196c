"""django-import-export resources: the documented spreadsheet format of the archive.

Rows match by natural key (slug, key, ref, name), so importing a file twice changes nothing
the second time. Incident content always lands in a draft: a row that changes a published
incident opens (or reuses) its draft, and the public keeps the published version. Any
invalid row rolls the whole import back; every error names its row, column, value and what
is expected.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import re
from decimal import Decimal, InvalidOperation
from typing import Any

import tablib
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxLengthValidator,
    ProhibitNullCharactersValidator,
    validate_slug,
)
from django.db import models
from django.db.models import NOT_PROVIDED, TextChoices
from django.db.models.functions import Lower
from django.utils.text import slugify
from import_export import fields, resources, widgets

from archive.columns import (
    CITATION_COLUMNS,
    ESTIMATE_COLUMNS,
    INCIDENT_COLUMNS,
    SOURCE_COLUMNS,
)
from archive.estimates import relation_errors
from archive.models import (
    OPEN_STATES,
    Actor,
    Assessment,
    Category,
    Citation,
    ClaimantPosition,
    Context,
    Estimate,
    Incident,
    IncidentVersion,
    Measure,
    Per,
    Place,
    Proceeding,
    Qualifier,
    Source,
    State,
    VictimGroup,
)
from archive.spreadsheet import neutralise, restore
from editorial import records, services
from editorial.models import Channel, RecordChange

SLUG = re.compile(r"[-a-zA-Z0-9_]+")  # what Django's ``validate_slug`` accepts
# What ``slugify`` leaves as it is: lowercase ASCII words joined by single hyphens.
SLUGIFIED = re.compile(r"(?![_])[a-z0-9_]+(?:-[a-z0-9_]+)*(?<![_])")


def cell(value: Any) -> str:
    if type(value) is not str:
        value = "" if value is None else str(value)
    return restore(value).strip()


class TextWidget(widgets.CharWidget):
    """Text kept to its exact characters, so export → import changes nothing. Bound to its
    model field (``bind``), it also checks what that field would — not blank when required,
    at most ``max_length`` characters, a slug where the field wants one — and refuses a NUL
    character, which PostgreSQL cannot store."""

    required = False
    max_length: int | None = None
    slug = False

    def bind(self, model_field: models.Field) -> bool:
        """Take ``model_field``'s limits; True when they are all that field checks."""
        self.required, self.max_length = not model_field.blank, model_field.max_length
        self.slug = isinstance(model_field, models.SlugField) and not model_field.allow_unicode
        return not model_field.choices and all(
            isinstance(check, (MaxLengthValidator, ProhibitNullCharactersValidator))
            or (self.slug and check is validate_slug)
            for check in model_field.validators
        )

    def clean(self, value, row=None, **kwargs) -> str:
        text = restore("" if value is None else str(value))
        if not text:
            if self.required:
                raise ValueError("This field cannot be blank.")
        elif self.max_length is not None and len(text) > self.max_length:
            raise ValueError(
                f"this text has {len(text):,} characters and the column holds at most "
                f"{self.max_length:,}; shorten it"
            )
        elif self.slug and not SLUG.fullmatch(text):
            raise ValueError(
                f"'{text}' is not a valid key; use letters, digits, hyphens and underscores, "
                f"e.g. '{slugify(text) or 'key-1'}'"
            )
        elif "\x00" in text:
            raise ValueError("this text holds a NUL character (\\x00), which cannot be stored")
        return text

    def render(self, value, obj=None, **kwargs) -> str:
        return neutralise("" if value is None else str(value))


GROUPED = r"\d{1,3}(?:[,\u00a0\u202f ]\d{3})+|\d{1,15}"  # 20,000 · 20 000 · 20000
SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9}
QUALIFIER_WORDS = [
    ("about|around|approximately|some|ca\\.?|circa", "about"),
    ("over|more than", "over"),
    ("at least", "at_least"),
    ("at most", "at_most"),
    ("up to", "up_to"),
    ("nearly|almost", "almost"),
]


def _whole(text: str) -> int | None:
    """The number a plainly written count stands for, or None when it is not one."""
    text = text.strip()
    if re.fullmatch(GROUPED, text):
        return int(re.sub(r"\D", "", text))
    scaled = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(thousand|million|billion)", text, re.IGNORECASE)
    if scaled:
        value = Decimal(scaled[1]) * SCALES[scaled[2].lower()]
        return int(value) if value == value.to_integral_value() else None
    return None


def number_hint(text: str, column: str) -> str:
    """Advice only where the number is certain: "20,000", "2.5 million", a range "44–3,000".
    Anything else (12.5, "about 1000") is left to the editor, never guessed."""
    written = f"'{text}' in `as_written`"
    if (value := _whole(text)) is not None:
        return f"put {value} in `{column}` and {written}"
    for words, qualifier in QUALIFIER_WORDS:
        rest = re.fullmatch(rf"(?:{words})\s+(.+)", text, re.IGNORECASE)
        if rest and (value := _whole(rest[1])) is not None:
            return f"put {value} in `{column}`, {qualifier} in `qualifier` and {written}"
    ends = re.fullmatch(r"(.+?)\s*(?:–|—|-|to)\s*(.+)", text)
    if ends and (low := _whole(ends[1])) is not None and (high := _whole(ends[2])) is not None:
        return f"for a range put {low} in `low` and {high} in `high`, and {written}"
    return (
        f"enter the figure in digits only (a qualifier such as about or over goes in "
        f"`qualifier`) and {written}"
    )


class WholeNumberWidget(widgets.Widget):
    """A count of people: digits only, blank for none."""

    def __init__(self, column: str) -> None:
        super().__init__()
        self.column = column

    def clean(self, value, row=None, **kwargs) -> int | None:
        text = cell(value)
        if not text:
            return None
        if len(text) <= 15 and text.isdecimal():  # any script's digits, as int() reads them
            return int(text)
        if re.fullmatch(r"-\d+", text):
            raise ValueError(f"'{text}' is negative; figures count people, so enter 0 or more")
        raise ValueError(f"'{text}' is not a whole number; {number_hint(text, self.column)}")

    def render(self, value, obj=None, **kwargs) -> str:
        return "" if value is None else str(value)


class PercentWidget(widgets.Widget):
    """A share in percent, 0 to 100 with up to two decimals (one third is 33.33)."""

    def __init__(self, column: str) -> None:
        super().__init__()
        self.column = column

    def clean(self, value, row=None, **kwargs) -> Decimal | None:
        text = cell(value).removesuffix("%").strip().replace(",", ".")
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or number != number.quantize(Decimal("0.01")):
            raise ValueError(
                f"'{cell(value)}' is not a percentage; write a number from 0 to 100 with at "
                "most two decimals, e.g. 33.33 for one third"
            )
        if not 0 <= number <= 100:
            raise ValueError(f"{number} % is not a share; enter a percentage from 0 to 100")
        return number

    def render(self, value, obj=None, **kwargs) -> str:
        return "" if value is None else f"{value:f}".rstrip("0").rstrip(".")


class YearWidget(WholeNumberWidget):
    def clean(self, value, row=None, **kwargs) -> int | None:
        text = cell(value)
        if text and not re.fullmatch(r"\d{3,4}", text):
            raise ValueError(f"'{text}' is not a year; write four digits, e.g. 1995")
        return int(text) if text else None


class ChoiceWidget(widgets.Widget):
    """A stored vocabulary value; labels and any letter case are accepted too."""

    def __init__(self, choices: type[TextChoices], default: str | None = None) -> None:
        super().__init__()
        self.choices, self.default = choices, default
        self.values = frozenset(choices.values)
        self.lookup = {value: value for value in choices.values}
        self.lookup |= {str(label).lower(): value for value, label in choices.choices}

    def clean(self, value, row=None, **kwargs) -> str:
        if value in self.values:  # as exported: the stored value itself
            return value
        text = cell(value).lower().replace(" ", "_")
        if not text and self.default is not None:
            return self.default
        found = self.lookup.get(text) or self.lookup.get(text.replace("_", " "))
        if found is None:
            shown = cell(value)
            raise ValueError(
                f"'{shown}' is not one of {', '.join(self.choices.values)}"
                if shown
                else f"this column is required; use one of {', '.join(self.choices.values)}"
            )
        return found

    def render(self, value, obj=None, **kwargs) -> str:
        return value or ""


class NamesWidget(widgets.ManyToManyWidget):
    """``|``-separated names; new names create records unless the list is controlled."""

    def __init__(self, model, *, create: bool = True, field: str = "name") -> None:
        super().__init__(model, separator="|", field=field)
        self.create = create

    def clean(self, value, row=None, **kwargs):
        names = [name.strip() for name in cell(value).split("|") if name.strip()]
        lowered = [name.lower() for name in names]
        matches = self.model.objects.annotate(_key=Lower(self.field)).filter(_key__in=lowered)
        found = {getattr(obj, self.field).lower(): obj for obj in matches} if names else {}
        objects = []
        for name in names:
            obj = found.get(name.lower())
            if obj is None and not self.create:
                what = f"{self.model._meta.verbose_name} {self.field}"
                if self.model is Category:  # a short controlled list: say what it holds
                    known = ", ".join(self.model.objects.values_list(self.field, flat=True))
                    raise ValueError(f"'{name}' is not a known category; use one of: {known}")
                raise ValueError(f"'{name}' is not a known {what}; import it first")
            if obj is None:
                obj = self.model.objects.create(
                    **{self.field: name, "slug": _unique_slug(self.model, name)}
                )
                found[name.lower()] = obj
            objects.append(obj)
        return objects

    def render(self, value, obj=None, **kwargs) -> str:
        if value is None:
            return ""
        return neutralise("|".join(sorted(getattr(item, self.field) for item in value.all())))


def _unique_slug(model, name: str) -> str:
    base = slugify(name)[:180] or "item"
    slug, n = base, 1
    while model.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


class NamedForeignKeyWidget(widgets.ForeignKeyWidget):
    """A record by its natural key, with an error that says which value was not found."""

    def __init__(self, model, field: str, *, create: bool = False, what: str = "") -> None:
        super().__init__(model, field=field)
        self.create, self.what = create, what or model._meta.verbose_name
        self.known: dict[str, object] = {}  # one lookup per distinct value in an import

    def clean(self, value, row=None, **kwargs):
        text = cell(value)
        if not text:
            return None
        obj = self.known.get(text) or self.model.objects.filter(**{self.field: text}).first()
        if obj is None and self.create:
            obj = self.model.objects.create(
                **{self.field: text, "slug": _unique_slug(self.model, text)}
            )
        if obj is not None:
            self.known[text] = obj
        if obj is None:
            raise ValueError(
                f"'{text}' is not a known {self.what}; add it first or check the spelling"
            )
        return obj

    def render(self, value, obj=None, **kwargs) -> str:
        return neutralise(getattr(value, self.field)) if value else ""


def key_cell(value: str | None) -> str:
    return neutralise(value or "")


def text_field(column: str, attribute: str | None = None) -> fields.Field:
    return fields.Field(attribute=attribute or column, column_name=column, widget=TextWidget())


PRELOAD_CHUNK = 2000
logger = logging.getLogger("editorial.imports")


class ImportRefused(Exception):
    """Raised after the rows are read when any row was invalid: the import writes nothing."""


class ArchiveResource(resources.ModelResource):
    """Shared behaviour: all-or-nothing, exact headers, errors as sentences, history rows."""

    required_columns: tuple[str, ...] = ()
    not_validated: tuple[str, ...] = ()  # set when the row is saved, not read from the file

    class Meta:
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True

    # Columns whose value is a related record's key: column → lookup. A resource that sets
    # this exports plain values instead of model instances (``export``).
    export_lookups: dict[str, str] | None = None

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.user = None
        self.channel: Channel | None = None
        self.touched: dict[int, int] = {}  # version → incident, of every version written to
        self.drafts: dict[int, IncidentVersion] = {}
        self.incidents: dict[str, Incident] = {}
        self.versions: dict[int, IncidentVersion] = {}
        self.estimates: dict[tuple[int, str], Estimate] = {}
        self.preloaded_versions: set[int] = set()
        self._import_fields: list[fields.Field] | None = None
        # A long file is imported in chunks (the ``import`` command): the rows before this
        # chunk, so that errors name the file's rows and a key is unique in the whole file.
        self.row_offset = 0
        self.in_chunks = False
        self.seen_keys: dict[int, int] = {}
        self._checked_by_widgets: dict[str, str | None] = {}
        self._not_checked_here: list[str] = []
        self._cells: list[tuple] = []  # per column: name, clean, attribute path, default…
        self._lists: list[fields.Field] = []  # the list columns (``|``-separated names)

    def import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=None,
        collect_failed_rows=False,
        rollback_on_validation_errors=False,
        **kwargs,
    ):
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

    def before_import(self, dataset, **kwargs) -> None:
        headers = [cell(header) for header in dataset.headers or []]
        dataset.headers = headers
        expected = [field.column_name for field in self.get_import_fields()]
        unknown = [header for header in headers if header not in expected]
        missing = [column for column in self.required_columns if column not in headers]
        if unknown or missing:
            parts = []
            if unknown:
                parts.append("unknown column " + ", ".join(f"`{c}`" for c in unknown))
            if missing:
                parts.append("missing column " + ", ".join(f"`{c}`" for c in missing))
            raise ImportRefused(
                f"The header row does not match: {'; '.join(parts)}. "
                f"Expected the columns: {', '.join(expected)}."
            )
        self.leave_checks_to_widgets(headers)
        if not self.row_offset:
            self.seen_keys: dict[int, int] = {}
        else:  # a later chunk: let the earlier chunks' records go (the database has them)
            self.incidents, self.versions, self.drafts = {}, {}, {}

    def get_import_fields(self) -> list[fields.Field]:
        # Asked for several times per row; the fields do not change during an import.
        if self._import_fields is None:
            self._import_fields = super().get_import_fields()
            self._checked_by_widgets = self.bind_widgets(self._import_fields)
            self._cells = [
                (
                    f.column_name,
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

    def get_instance(self, instance_loader, row):
        # A key the widget refuses is that column's error, like any other cell's.
        for name in self.get_import_id_fields():
            field = self.fields[name]
            if field.column_name in row:
                try:
                    field.clean(row)
                except ValueError as error:
                    raise ValidationError({field.attribute: str(error)}) from None
        return super().get_instance(instance_loader, row)

    def bind_widgets(self, import_fields: list[fields.Field]) -> dict[str, str | None]:
        """Give text widgets their model fields' limits, and name the fields whose widget
        checks everything the model field would: a vocabulary value, a year, a whole number
        of at most 15 digits in a 64-bit column, text within its field's limits. Checking
        them again in ``full_clean`` was most of its cost per row. Field → the column the
        file must have for that to hold (a required text column left out of the file keeps
        the model's blank default, which only ``full_clean`` would see), or None."""
        model_fields = {f.name: f for f in self._meta.model._meta.get_fields()}
        checked: dict[str, str | None] = {}
        for field in import_fields:
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

    def import_instance(self, instance, row, **kwargs) -> None:
        """What the library's ``import_instance`` does (each column's widget cleans its cell;
        a ValueError is that column's error), in one plain loop over what was worked out
        once per import: per cell, the library's three layers of calls cost more than the
        widget itself."""
        self.get_import_fields()
        errors = {}
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
                target = instance
                for step in path[:-1]:  # a related record's attribute
                    target = getattr(target, step, None)
                setattr(target, path[-1], value)
        # Check list columns now, so a bad name is a row error rather than a crash later.
        for field in self._lists:
            if field.column_name in row:
                try:
                    field.clean(row)
                except ValueError as error:
                    errors[field.attribute] = [str(error)]
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
        imported = {f.attribute for f in self._import_fields} - checked
        self._not_checked_here = [
            f.name for f in self._meta.model._meta.concrete_fields if f.name not in imported
        ]

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
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

    def after_import(self, dataset, result, **kwargs) -> None:
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
        self, file_name: str, totals, rows: int, *, dry_run: bool, channel: Channel | None = None
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
        services.history_record_import(
            versions=self.touched.items(),
            user=self.user,
            channel=channel,
            changes={"resource": type(self).__name__, "file": file_name},
        )

    def export(self, queryset=None, **kwargs) -> tablib.Dataset:
        """The same file as the library's export, from ``values_list`` rows rather than model
        instances (several times faster on big tables): each cell is the column's widget's
        rendering of the same value, and key columns are neutralised like text."""
        if self.export_lookups is None:
            return super().export(queryset, **kwargs)
        self.before_export(queryset, **kwargs)
        if queryset is None:
            queryset = self.get_queryset()
        queryset = self.filter_export(queryset, **kwargs)
        if not queryset.query.order_by:
            queryset = queryset.order_by("pk")
        columns = self.get_export_fields(selected_fields=kwargs.get("export_fields"))
        lookups = [self.export_lookups.get(f.column_name, f.attribute) for f in columns]
        renders = [
            key_cell if f.column_name in self.export_lookups else f.widget.render for f in columns
        ]
        rows = queryset.values_list(*lookups).iterator(chunk_size=self.get_chunk_size())
        dataset = tablib.Dataset(
            *([render(value) for render, value in zip(renders, row, strict=True)] for row in rows),
            headers=[f.column_name for f in columns],
        )
        self.after_export(queryset, dataset, **kwargs)
        return dataset

    def error_lines(self, result) -> list[str]:
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
        """Refuse a natural key given twice in one file. The keys are kept as 64-bit digests,
        the one thing that grows with the length of a file read in chunks."""
        digest = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest())
        if digest in self.seen_keys:
            raise ValidationError(
                {
                    column: (
                        f"'{key}' appears twice in this file (rows {self.seen_keys[digest] + 1} "
                        f"and {self.row_offset + row_number + 1}); each row needs its own {column}"
                    )
                }
            )
        self.seen_keys[digest] = self.row_offset + row_number

    # Versioned content --------------------------------------------------------------------

    def preload(self, dataset, column: str = "incident") -> None:
        """Fetch the incidents a file names, their current versions and those versions'
        estimates in a few queries, instead of several per row."""
        if column not in (dataset.headers or []):
            return
        slugs = sorted({cell(value) for value in dataset[column] if cell(value)})
        named: dict[str, Incident] = {}
        for start in range(0, len(slugs), PRELOAD_CHUNK):
            chunk = slugs[start : start + PRELOAD_CHUNK]
            named |= {i.slug: i for i in Incident.objects.filter(slug__in=chunk)}
        self.incidents |= named
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

    def preload_keys(self, dataset) -> None:
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
        """The version an import edits: the open draft, else the published one (copied into
        a draft only if the row changes something)."""
        if incident.pk in self.drafts:
            return self.drafts[incident.pk]
        version = self.versions.get(incident.pk)
        if version is not None:
            if not IncidentVersion.incident.is_cached(version):
                version.incident = incident
            if version.state in OPEN_STATES and not version.is_editable:
                raise ValidationError(
                    {
                        "__all__": (
                            f"incident '{incident.slug}' is {version.get_state_display()}; it "
                            "cannot change until a reviewer sends it back"
                        )
                    }
                )
            return version
        open_version = incident.versions.open().first()
        if open_version is not None:
            if not open_version.is_editable:
                raise ValidationError(
                    {
                        "__all__": (
                            f"incident '{incident.slug}' is {open_version.get_state_display()}; it "
                            "cannot change until a reviewer sends it back"
                        )
                    }
                )
            return open_version
        version = incident.versions.published().first() or incident.versions.first()
        if version is None:
            raise ValidationError({"__all__": f"incident '{incident.slug}' has no content"})
        return version

    def editable_draft(self, version: IncidentVersion) -> IncidentVersion:
        """``version`` itself if it is a draft, else a new draft of its incident."""
        if version.is_editable:
            draft = version
        else:
            draft = services.version_start_draft(
                incident=version.incident, user=self.user, from_version=version, trusted=True
            )
            self.drafts[version.incident_id] = draft
        self.touched[draft.pk] = draft.incident_id
        return draft

    def incident_for(self, row, column: str = "incident") -> Incident:
        slug = cell(row.get(column))
        incident = self.incidents.get(slug)
        if incident is None and slug:
            incident = Incident.objects.filter(slug=slug).first()
            if incident is not None:
                self.incidents[slug] = incident
        if incident is None:
            raise ValidationError(
                {
                    column: (
                        f"'{slug}' is not a known incident slug; import the incident first "
                        "or check the spelling"
                        if slug
                        else "this column is required: give the incident's slug"
                    )
                }
            )
        return incident


def become(instance, target, keep: set[str]) -> None:
    """Point ``instance`` at ``target``'s row, keeping the imported values in ``keep``."""
    for model_field in type(instance)._meta.concrete_fields:
        if model_field.attname not in keep and model_field.name not in keep:
            setattr(instance, model_field.attname, getattr(target, model_field.attname))
    instance._state.adding = False


class ReviewedRecordResource(ArchiveResource):
    """A shared record's row changes it through ``records.record_change_submit``, as the
    admin's form does: at once while no published page shows the record, otherwise held for
    a second person's review (the row counts as updated; the record keeps its values)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.held: list[RecordChange] = []

    def save_instance(self, instance, is_create, row, **kwargs) -> None:
        model = type(instance)
        values = {
            field.name: field.value_from_object(instance)
            for field in records.editable_fields(model)
            if not field.many_to_many
        }
        for field in self._lists:
            if field.column_name in row:
                values[field.attribute] = field.clean(row)
        who = self.user if self.user is not None and self.user.is_authenticated else None
        change = records.record_change_submit(
            model=model,
            pk=None if is_create else instance.pk,
            values=values,
            user=who,
            note=f"Imported from {kwargs.get('file_name') or 'a file'}.",
            channel=self.channel or (Channel.IMPORT if who else Channel.COMMAND),
            trusted=who is None,
        )
        if change is not None and change.status == RecordChange.Status.PENDING:
            self.held.append(change)
        elif change is not None:
            instance.pk = change.object_id

    def save_m2m(self, instance, row, **kwargs) -> None:
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

    def before_import_row(self, row, **kwargs) -> None:
        self.key_seen(cell(row.get("key")), "key", kwargs["row_number"])


class AlternativeNamesWidget(TextWidget):
    def clean(self, value, row=None, **kwargs) -> str:
        return "\n".join(name.strip() for name in cell(value).split("|") if name.strip())

    def render(self, value, obj=None, **kwargs) -> str:
        return neutralise("|".join(name for name in (value or "").splitlines() if name.strip()))


class DecimalWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        from decimal import Decimal, InvalidOperation

        text = cell(value)
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"'{text}' is not a decimal number such as 52.2297") from None
        if not number.is_finite() or abs(number) > 180:
            raise ValueError(f"'{text}' is outside -180 to 180")
        return number

    def render(self, value, obj=None, **kwargs) -> str:
        return "" if value is None else str(value)


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

    def before_import_row(self, row, **kwargs) -> None:
        self.key_seen(cell(row.get("name")), "name", kwargs["row_number"])

    def after_init_instance(self, instance, new, row, **kwargs) -> None:
        if new:
            instance.slug = _unique_slug(Place, cell(row.get("name")))


class ActorResource(ReviewedRecordResource):
    name = text_field("name")
    parent = fields.Field(
        "parent", "parent", widget=NamedForeignKeyWidget(Actor, "name", what="actor")
    )
    required_columns = ("name",)

    class Meta(ArchiveResource.Meta):
        model = Actor
        import_id_fields = ["name"]
        fields = ["name", "parent"]

    def before_import_row(self, row, **kwargs) -> None:
        self.key_seen(cell(row.get("name")), "name", kwargs["row_number"])

    def after_init_instance(self, instance, new, row, **kwargs) -> None:
        if new:
            instance.slug = _unique_slug(Actor, cell(row.get("name")))


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
    required_columns = ("slug", "title", "summary", "date", "date_text", "categories")
    not_validated = ("incident", "created_by")

    class Meta(ArchiveResource.Meta):
        model = IncidentVersion
        import_id_fields = ["slug"]
        fields = INCIDENT_COLUMNS

    def before_import(self, dataset, **kwargs) -> None:
        super().before_import(dataset, **kwargs)
        self.related_rows: list[tuple[IncidentVersion, list[str], int]] = []

    def get_queryset(self):
        return IncidentVersion.objects.select_related("incident", "context")

    def before_import_row(self, row, **kwargs) -> None:
        slug = cell(row.get("slug"))
        if not slug or slug != slugify(slug):
            raise ValidationError(
                {
                    "slug": (
                        f"'{slug}' is not a slug; use lowercase letters, digits and hyphens, "
                        f"e.g. '{slugify(slug) or 'katyn-massacre'}'"
                        if slug
                        else "this column is required: the incident's permanent address, "
                        "e.g. katyn-massacre"
                    )
                }
            )
        self.key_seen(slug, "slug", kwargs["row_number"])

    def get_instance(self, instance_loader, row):
        incident = Incident.objects.filter(slug=cell(row.get("slug"))).first()
        return None if incident is None else self.current_version(incident)

    def dehydrate_slug(self, version: IncidentVersion) -> str:
        return version.incident.slug

    def dehydrate_related(self, version: IncidentVersion) -> str:
        return "|".join(sorted(incident.slug for incident in version.related.all()))

    def skip_row(self, instance, original, row, import_validation_errors=None) -> bool:
        unchanged = super().skip_row(instance, original, row, import_validation_errors)
        if unchanged and original is not None and original.pk and "related" in row:
            wanted = sorted(s for s in cell(row["related"]).split("|") if s.strip())
            unchanged = (
                wanted == self.dehydrate_related(original).split("|")
                if wanted
                else (not original.related.exists())
            )
        return unchanged

    def save_instance(self, instance, is_create, row, **kwargs) -> None:
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
            self.touched[instance.pk] = instance.incident_id
        else:
            draft = self.editable_draft(instance)
            imported = {field.attribute for field in self.get_import_fields() if field.attribute}
            become(instance, draft, imported)
            instance.lock_version = draft.lock_version + 1  # an editor's open form is now stale
            instance.save()
        if "related" in row:
            slugs = [s.strip() for s in cell(row["related"]).split("|") if s.strip()]
            self.related_rows.append((instance, slugs, kwargs["row_number"]))

    def after_import(self, dataset, result, **kwargs) -> None:
        # Related incidents may come later in the same file, so they are linked at the end.
        if not result.has_validation_errors():
            for version, slugs, number in getattr(self, "related_rows", []):
                found = dict(Incident.objects.filter(slug__in=slugs).values_list("slug", "pk"))
                unknown = [slug for slug in slugs if slug not in found]
                if unknown:
                    raise ImportRefused(
                        f"row {number + 1}, column `related`: '{unknown[0]}' is not a known "
                        "incident slug"
                    )
                version.related.set(found.values())
        super().after_import(dataset, result, **kwargs)


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
        "source", "source", widget=NamedForeignKeyWidget(Source, "key", what="source key")
    )
    locator = text_field("locator")
    quote = text_field("quote")
    scope = text_field("scope")
    part_of = text_field("part_of")
    share_low = fields.Field("share_low", "share_low", widget=PercentWidget("share_low"))
    share_high = fields.Field("share_high", "share_high", widget=PercentWidget("share_high"))
    share_of = text_field("share_of")
    per = fields.Field("per", "per", widget=ChoiceWidget(Per, ""))
    required_columns = ("incident", "measure", "as_written", "claimant", "source")
    # The version is chosen when the row is saved; the source widget has found the source.
    not_validated = ("version", "source")
    export_lookups = {"incident": "version__incident__slug", "source": "source__key"}

    blank_estimate: list | None = None  # every field's default, in the model's order

    class Meta(ArchiveResource.Meta):
        model = Estimate
        import_id_fields = ["ref"]
        # Rows are written in batches: no per-row savepoint or INSERT.
        use_bulk = True
        batch_size = 1000
        skip_diff = True  # unchanged rows are found by comparing values (see skip_row)
        fields = ESTIMATE_COLUMNS

    def get_queryset(self):
        return Estimate.objects.select_related("version__incident", "source")

    def before_import_row(self, row, **kwargs) -> None:
        incident = self.incident_for(row)
        ref = cell(row.get("ref"))
        if not ref:
            # A stable ref from what identifies the claim, so re-importing finds the same row.
            digest = hashlib.blake2s(
                "|".join(
                    cell(row.get(c))
                    for c in ("measure", "claimant", "as_written", "source", "locator")
                ).encode()
            ).hexdigest()[:8]
            ref = row["ref"] = f"{incident.slug}-{cell(row.get('measure')) or 'figure'}-{digest}"
            ref = row["ref"] = ref[:100]
        if not SLUGIFIED.fullmatch(ref):  # what ``slugify`` would leave as it is
            raise ValidationError(
                {
                    "ref": (
                        f"'{ref}' is not a valid ref; use lowercase letters, "
                        f"digits and hyphens, e.g. '{slugify(ref)}'"
                    )
                }
            )
        self.key_seen(ref, "ref", kwargs["row_number"])
        row["_incident"], row["_ref"] = incident, ref
        row["_version"] = self.current_version(incident)
        if cell(row.get("part_of")) or cell(row.get("share_of")):
            self.related_rows[(incident.pk, ref)] = self.row_offset + kwargs["row_number"] + 1

    def before_import(self, dataset, **kwargs) -> None:
        super().before_import(dataset, **kwargs)
        self.preload(dataset)
        self.changed_estimates: list[int] = []
        if not hasattr(self, "related_rows"):  # kept across the chunks of one file
            self.related_rows: dict[tuple[int, str], int] = {}

    def after_import(self, dataset, result, **kwargs) -> None:
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

    def get_instance(self, instance_loader, row):
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

    def init_instance(self, row=None):
        if self.blank_estimate is None:
            self.blank_estimate = [f.get_default() for f in Estimate._meta.concrete_fields]
        # Django's positional constructor, as for rows read from the database: twice as
        # fast as keywords, which look up every field's default for every row. Every row
        # shares these defaults, so they must stay immutable values (a test checks).
        estimate = Estimate(*self.blank_estimate)
        estimate.version_id = row["_version"].pk
        return estimate

    def dehydrate_incident(self, estimate: Estimate) -> str:
        return estimate.version.incident.slug

    def save_instance(self, instance, is_create, row, **kwargs) -> None:
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

    def after_init_instance(self, instance, new, row, **kwargs) -> None:
        if not new:
            instance._stored = self.stored_values(instance)

    def after_import_row(self, row, row_result, **kwargs) -> None:
        # What the admin's preview shows for the row: the figure, and where it goes.
        row_result.object_repr = (
            f"{row['_incident'].slug} · {row['_ref']}: {row_result.object_repr}"
        )

    def stored_values(self, instance) -> tuple:
        return tuple(
            getattr(instance, instance._meta.get_field(f.attribute).attname)
            for f in self.get_import_fields()
            if f.attribute
        )

    def skip_row(self, instance, original, row, import_validation_errors=None) -> bool:
        if import_validation_errors or instance._state.adding:
            return False
        return getattr(instance, "_stored", None) == self.stored_values(instance)

    def get_bulk_update_fields(self) -> list[str]:
        imported = [f.attribute for f in self.get_import_fields() if f.attribute]
        return [*imported, "version"]


class CitationResource(ArchiveResource):
    incident = fields.Field(attribute=None, column_name="incident", widget=TextWidget())
    source = fields.Field(
        "source", "source", widget=NamedForeignKeyWidget(Source, "key", what="source key")
    )
    locator = text_field("locator")
    quote = text_field("quote")
    note = text_field("note")
    estimate = fields.Field(attribute=None, column_name="estimate", widget=TextWidget())
    required_columns = ("incident", "source")
    not_validated = ("version",)
    export_lookups = {
        "incident": "version__incident__slug",
        "source": "source__key",
        "estimate": "estimate__ref",
    }

    class Meta(ArchiveResource.Meta):
        model = Citation
        import_id_fields = ["source"]
        fields = CITATION_COLUMNS

    def get_queryset(self):
        return Citation.objects.select_related("version__incident", "source", "estimate")

    def before_import_row(self, row, **kwargs) -> None:
        row["_incident"] = self.incident_for(row)
        key = "|".join(cell(row.get(c)) for c in ("incident", "source", "locator", "estimate"))
        self.key_seen(key, "source", kwargs["row_number"])

    def _match(self, version, row):
        ref = cell(row.get("estimate"))
        same_claim = {"estimate__ref": ref} if ref else {"estimate__isnull": True}
        return version.citations.filter(
            source__key=cell(row.get("source")), locator=cell(row.get("locator")), **same_claim
        )

    def get_instance(self, instance_loader, row):
        return self._match(self.current_version(row["_incident"]), row).first()

    def init_instance(self, row=None):
        version = self.current_version(row["_incident"])
        ref = cell(row.get("estimate"))
        citation = Citation(version=version)
        if ref:
            citation.estimate = version.estimates.filter(ref=ref).first()
            if citation.estimate is None:
                raise ValidationError(
                    {
                        "estimate": (
                            f"'{ref}' is not an estimate ref of incident "
                            f"'{version.incident.slug}'; import the estimates first"
                        )
                    }
                )
        return citation

    def dehydrate_incident(self, citation: Citation) -> str:
        return citation.version.incident.slug

    def dehydrate_estimate(self, citation: Citation) -> str:
        return citation.estimate.ref if citation.estimate else ""

    def save_instance(self, instance, is_create, row, **kwargs) -> None:
        draft = self.editable_draft(instance.version)
        if is_create:
            instance.version = draft
            if instance.estimate_id:
                instance.estimate = draft.estimates.get(ref=instance.estimate.ref)
        else:
            target = self._match(draft, row).get()
            become(instance, target, {"source", "locator", "quote", "note"})
        instance.save()
        if instance.estimate_id:  # a changed citation means the figure must be checked again
            services.estimates_unverify(estimates=draft.estimates.filter(pk=instance.estimate_id))


class InAbsentiaWidget(ChoiceWidget):
    def __init__(self) -> None:
        super().__init__(Proceeding.InAbsentia, "")


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
        "source", "source", widget=NamedForeignKeyWidget(Source, "key", what="source key")
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

    def before_import_row(self, row, **kwargs) -> None:
        self.key_seen(cell(row.get("slug")), "slug", kwargs["row_number"])
