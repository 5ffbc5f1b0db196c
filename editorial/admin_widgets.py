"""Relation fields of the admin that answer a bad value with a message instead of failing,
and name themselves to a screen reader.

The admin's autocomplete widgets look the submitted values up to show them as chosen; a value
that is not a key at all ("abc" for a place) made that lookup raise, so the page answered 500
instead of showing the field's own error ("“abc” is not a valid value"); a number too large
for a database key reached the database and failed there.

Their select2 boxes had no accessible name (the label names the hidden <select>):
editorial/select2-labels.js, their media, gives each its field's name. A tabular inline's
cells have no <label> at all: LabelledCellsMixin names each input by its column."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.admin import widgets
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.text import capfirst

from editorial.admin_base import InlineMixin, RelationsMixin

if TYPE_CHECKING:
    _Autocomplete = widgets.AutocompleteMixin
else:
    _Autocomplete = object

BIGGEST_KEY = 2**63 - 1  # what a database's 64-bit integer key can hold


def is_key(field: models.Field[Any, Any], value: object) -> bool:
    """Whether ``value`` could be a value of the key ``field`` at all: "abc" and a number
    too large for the database are not, and are never sent to the database."""
    try:
        value = field.to_python(value)
    except (ValidationError, TypeError, ValueError):
        return False
    return not isinstance(value, int) or -BIGGEST_KEY <= value <= BIGGEST_KEY


def key_field(model: type[models.Model], name: str | None) -> models.Field[Any, Any]:
    """The field whose values a relation holds: the field ``name``, else the primary key."""
    field = model._meta.get_field(name) if name else model._meta.pk
    assert isinstance(field, models.Field)  # a column of ``model``, never a reverse relation
    return field


class KeyedChoiceField(forms.ModelChoiceField):
    def to_python(self, value: Any) -> models.Model | None:
        if value not in self.empty_values and not is_key(self._key(), value):
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return super().to_python(value)

    def _key(self) -> models.Field[Any, Any]:
        assert self.queryset is not None  # a relation field's choices, set by its model field
        return key_field(self.queryset.model, self.to_field_name)


class KeyedMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value: Sequence[object]) -> models.QuerySet[Any]:
        assert self.queryset is not None  # as above
        key = key_field(self.queryset.model, self.to_field_name)
        for item in value:
            if not is_key(key, item):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": item},
                )
        return super()._check_values(value)  # type: ignore[misc]  # private, absent from django-stubs


class ValidKeysOnly(_Autocomplete):
    def optgroups(
        self, name: str, value: Sequence[str], attr: dict[str, Any] | None = None
    ) -> list[tuple[str | None, list[dict[str, Any]], int | None]]:
        to_field = getattr(self.field.remote_field, "field_name", None)
        key = key_field(self.choices.queryset.model, to_field)
        return super().optgroups(name, [item for item in value if is_key(key, item)], attr)


class NamedBoxes(_Autocomplete):
    @property
    def media(self) -> forms.Media:
        # Listed after autocomplete.js, so that the merged media keep that order.
        labels = forms.Media(js=["admin/js/autocomplete.js", "editorial/select2-labels.js"])
        return super().media + labels


class AutocompleteSelect(NamedBoxes, ValidKeysOnly, widgets.AutocompleteSelect):
    pass


class AutocompleteSelectMultiple(NamedBoxes, ValidKeysOnly, widgets.AutocompleteSelectMultiple):
    pass


class LabelledCellsMixin(InlineMixin):
    """For a tabular inline: each input is named (aria-label) by its column's heading."""

    def get_formset(
        self, request: HttpRequest, obj: models.Model | None = None, **kwargs: Any
    ) -> type[BaseInlineFormSet[Any, Any, Any]]:
        formset = super().get_formset(request, obj, **kwargs)
        for field in formset.form.base_fields.values():
            field.widget.attrs.setdefault("aria-label", capfirst(field.label))
        return formset


class SafeRelationsMixin(RelationsMixin):
    """For a ModelAdmin or an inline: its relation fields refuse values that are no key, and
    its autocomplete fields use the widgets above."""

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField | None:
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = AutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        kwargs.setdefault("form_class", KeyedChoiceField)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(
        self, db_field: models.ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelMultipleChoiceField | None:
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = AutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        kwargs.setdefault("form_class", KeyedMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)
