"""The cells of an import file: widgets that read each column and say what is wrong with a
value in words, and the helpers they share."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.validators import (
    MaxLengthValidator,
    ProhibitNullCharactersValidator,
    validate_slug,
)
from django.db import models
from django.db.models import TextChoices
from django.db.models.functions import Lower
from django.utils.functional import Promise
from django.utils.text import slugify
from django.utils.translation import gettext
from import_export import fields, widgets

from archive.models import (
    Category,
    Proceeding,
)
from archive.spreadsheet import neutralise, restore

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

    def bind(self, model_field: models.Field[Any, Any]) -> bool:
        """Take ``model_field``'s limits; True when they are all that field checks."""
        self.required, self.max_length = not model_field.blank, model_field.max_length
        # allow_unicode: set by SlugField.__init__, absent from django-stubs
        self.slug = isinstance(model_field, models.SlugField) and not model_field.allow_unicode  # type: ignore[attr-defined]
        return not model_field.choices and all(
            isinstance(check, (MaxLengthValidator, ProhibitNullCharactersValidator))
            or (self.slug and check is validate_slug)
            for check in model_field.validators
        )

    def clean(self, value: Any, row: Mapping[str, Any] | None = None, **kwargs: Any) -> str:
        text = restore("" if value is None else str(value))
        if not text:
            if self.required:
                raise ValueError(gettext("This field cannot be blank."))
        elif self.max_length is not None and len(text) > self.max_length:
            raise ValueError(
                gettext(
                    "this text has {count} characters and the column holds at most "
                    "{limit}; shorten it"
                ).format(count=f"{len(text):,}", limit=f"{self.max_length:,}")
            )
        elif self.slug and not SLUG.fullmatch(text):
            raise ValueError(
                gettext(
                    "'{text}' is not a valid key; use letters, digits, hyphens and "
                    "underscores, e.g. '{example}'"
                ).format(text=text, example=slugify(text) or "key-1")
            )
        elif "\x00" in text:
            raise ValueError(
                gettext("this text holds a NUL character (\\x00), which cannot be stored")
            )
        return text

    def render(self, value: Any, obj: models.Model | None = None, **kwargs: Any) -> str:
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
    if (value := _whole(text)) is not None:
        # Translators: the words in `backticks` are the file's column names and stay as they
        # are; so do the qualifiers (about, over, at_least...), values of the file.
        return gettext("put {value} in `{column}` and '{text}' in `as_written`").format(
            value=value, column=column, text=text
        )
    for words, qualifier in QUALIFIER_WORDS:
        rest = re.fullmatch(rf"(?:{words})\s+(.+)", text, re.IGNORECASE)
        if rest and (value := _whole(rest[1])) is not None:
            return gettext(
                "put {value} in `{column}`, {qualifier} in `qualifier` and '{text}' in `as_written`"
            ).format(value=value, column=column, qualifier=qualifier, text=text)
    ends = re.fullmatch(r"(.+?)\s*(?:–|—|-|to)\s*(.+)", text)
    if ends and (low := _whole(ends[1])) is not None and (high := _whole(ends[2])) is not None:
        return gettext(
            "for a range put {low} in `low` and {high} in `high`, and '{text}' in `as_written`"
        ).format(low=low, high=high, text=text)
    return gettext(
        "enter the figure in digits only (a qualifier such as about or over goes in "
        "`qualifier`) and '{text}' in `as_written`"
    ).format(text=text)


class WholeNumberWidget(widgets.Widget):
    """A count of people: digits only, blank for none."""

    def __init__(self, column: str) -> None:
        super().__init__()
        self.column = column

    def clean(self, value: Any, row: Mapping[str, Any] | None = None, **kwargs: Any) -> int | None:
        text = cell(value)
        if not text:
            return None
        if len(text) <= 15 and text.isdecimal():  # any script's digits, as int() reads them
            return int(text)
        if re.fullmatch(r"-\d+", text):
            raise ValueError(
                gettext("'{text}' is negative; figures count people, so enter 0 or more").format(
                    text=text
                )
            )
        raise ValueError(
            gettext("'{text}' is not a whole number; {hint}").format(
                text=text, hint=number_hint(text, self.column)
            )
        )

    def render(self, value: Any, obj: models.Model | None = None, **kwargs: Any) -> str:
        return "" if value is None else str(value)


class PercentWidget(widgets.Widget):
    """A share in percent, 0 to 100 with up to two decimals (one third is 33.33)."""

    def __init__(self, column: str) -> None:
        super().__init__()
        self.column = column

    def clean(
        self, value: Any, row: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> Decimal | None:
        text = cell(value).removesuffix("%").strip().replace(",", ".")
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or number != number.quantize(Decimal("0.01")):
            raise ValueError(
                gettext(
                    "'{cell}' is not a percentage; write a number from 0 to 100 with at most "
                    "two decimals, e.g. 33.33 for one third"
                ).format(cell=cell(value))
            )
        if not 0 <= number <= 100:
            raise ValueError(
                # xgettext:no-python-format ("% is" is text here, not a %-directive)
                gettext("{number} % is not a share; enter a percentage from 0 to 100").format(
                    number=number
                )
            )
        return number

    def render(self, value: Any, obj: models.Model | None = None, **kwargs: Any) -> str:
        return "" if value is None else f"{value:f}".rstrip("0").rstrip(".")


class YearWidget(WholeNumberWidget):
    def clean(self, value: Any, row: Mapping[str, Any] | None = None, **kwargs: Any) -> int | None:
        text = cell(value)
        if text and not re.fullmatch(r"\d{3,4}", text):
            raise ValueError(
                gettext("'{text}' is not a year; write four digits, e.g. 1995").format(text=text)
            )
        return int(text) if text else None


class ChoiceWidget(widgets.Widget):
    """A stored vocabulary value; labels and any letter case are accepted too."""

    def __init__(self, choices: type[TextChoices], default: str | None = None) -> None:
        super().__init__()
        self.choices, self.default = choices, default
        self.values = frozenset(choices.values)
        self.lookup = {value: value for value in choices.values}
        self.lookup |= {str(label).lower(): value for value, label in choices.choices}

    def clean(self, value: Any, row: Mapping[str, Any] | None = None, **kwargs: Any) -> str:
        if value in self.values:  # as exported: the stored value itself
            return value
        text = cell(value).lower().replace(" ", "_")
        if not text and self.default is not None:
            return self.default
        found = self.lookup.get(text) or self.lookup.get(text.replace("_", " "))
        if found is None:
            shown = cell(value)
            raise ValueError(
                gettext("'{text}' is not one of {values}").format(
                    text=shown, values=", ".join(self.choices.values)
                )
                if shown
                else gettext("this column is required; use one of {values}").format(
                    values=", ".join(self.choices.values)
                )
            )
        return found

    def render(self, value: Any, obj: models.Model | None = None, **kwargs: Any) -> str:
        return value or ""


class NamesWidget(widgets.ManyToManyWidget):
    """``|``-separated names; new names create records unless the list is controlled."""

    model: type[models.Model]  # a model class (types-django-import-export says an instance)

    def __init__(
        self, model: type[models.Model], *, create: bool = True, field: str = "name"
    ) -> None:
        super().__init__(model, separator="|", field=field)
        self.create = create

    def clean(
        self, value: Any, row: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> list[models.Model]:
        names = [name.strip() for name in cell(value).split("|") if name.strip()]
        lowered = [name.lower() for name in names]
        matches = self.model._default_manager.annotate(_key=Lower(self.field)).filter(
            _key__in=lowered
        )
        found = {getattr(obj, self.field).lower(): obj for obj in matches} if names else {}
        objects = []
        for name in names:
            obj = found.get(name.lower())
            if obj is None and not self.create:
                # Translators: a kind of record and the column naming it, as "place name".
                what = gettext("{record} {field}").format(
                    record=self.model._meta.verbose_name, field=self.field
                )
                if self.model is Category:  # a short controlled list: say what it holds
                    known = ", ".join(
                        self.model._default_manager.values_list(self.field, flat=True)
                    )
                    raise ValueError(
                        gettext("'{name}' is not a known category; use one of: {known}").format(
                            name=name, known=known
                        )
                    )
                raise ValueError(
                    gettext("'{name}' is not a known {what}; import it first").format(
                        name=name, what=what
                    )
                )
            if obj is None:
                obj = self.model._default_manager.create(
                    **{self.field: name, "slug": _unique_slug(self.model, name)}
                )
                found[name.lower()] = obj
            objects.append(obj)
        return objects

    def render(self, value: Any, obj: models.Model | None = None, **kwargs: Any) -> str:
        if value is None:
            return ""
        return neutralise("|".join(sorted(getattr(item, self.field) for item in value.all())))


def _unique_slug(model: type[models.Model], name: str) -> str:
    base = slugify(name)[:180] or "item"
    slug, n = base, 1
    while model._default_manager.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


class NamedForeignKeyWidget(widgets.ForeignKeyWidget):
    """A record by its natural key, with an error that says which value was not found."""

    def __init__(
        self,
        model: type[models.Model],
        field: str,
        *,
        create: bool = False,
        what: str | Promise = "",
    ) -> None:
        super().__init__(model, field=field)
        self.create, self.what = create, what or model._meta.verbose_name
        self.known: dict[str, models.Model] = {}  # one lookup per distinct value in an import

    def clean(
        self, value: Any, row: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> models.Model | None:
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
                gettext(
                    "'{text}' is not a known {what}; add it first or check the spelling"
                ).format(text=text, what=self.what)
            )
        return obj

    def render(self, value: Any, obj: models.Model | None = None, **kwargs: Any) -> str:
        return neutralise(getattr(value, self.field)) if value else ""


def key_cell(value: str | None) -> str:
    return neutralise(value or "")


def text_field(column: str, attribute: str | None = None) -> fields.Field:
    return fields.Field(attribute=attribute or column, column_name=column, widget=TextWidget())


class AlternativeNamesWidget(TextWidget):
    def clean(self, value: Any, row: Mapping[str, Any] | None = None, **kwargs: Any) -> str:
        return "\n".join(name.strip() for name in cell(value).split("|") if name.strip())

    def render(self, value: Any, obj: models.Model | None = None, **kwargs: Any) -> str:
        return neutralise("|".join(name for name in (value or "").splitlines() if name.strip()))


class DecimalWidget(widgets.Widget):
    def clean(
        self, value: Any, row: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> Decimal | None:
        text = cell(value)
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(
                gettext("'{text}' is not a decimal number such as 52.2297").format(text=text)
            ) from None
        if not number.is_finite() or abs(number) > 180:
            raise ValueError(gettext("'{text}' is outside -180 to 180").format(text=text))
        return number

    def render(self, value: Any, obj: models.Model | None = None, **kwargs: Any) -> str:
        return "" if value is None else str(value)


class InAbsentiaWidget(ChoiceWidget):
    def __init__(self) -> None:
        super().__init__(Proceeding.InAbsentia, "")
