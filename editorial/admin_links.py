"""Many-to-many fields whose links are explicit models, edited in the admin as plain lists.

A version's places, categories, perpetrators and victim groups, and a proceeding's incidents,
go through link models of their own (``archive.models.VersionPlace``…) so that a record they
name cannot be deleted. The links carry nothing but the two keys, so ``.set()`` saves them as
it saves Django's own; the admin, though, shows no field for an explicit link model. This
mixin gives those fields the widget the admin would give a plain many-to-many field.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.admin import widgets
from django.db import models
from django.http import HttpRequest

from editorial.admin_base import RelationsMixin
from editorial.admin_widgets import AutocompleteSelectMultiple


def plain_link(field: models.ManyToManyField[Any, Any]) -> bool:
    """The field's link model holds nothing besides its two keys."""
    through = field.remote_field.through
    assert through is not None  # set on every many-to-many field once its model is ready
    return not through._meta.auto_created and all(
        f.primary_key or f.is_relation for f in through._meta.concrete_fields
    )


class PlainLinksAdminMixin(RelationsMixin):
    def formfield_for_manytomany(
        self, db_field: models.ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelMultipleChoiceField | None:
        if not plain_link(db_field):
            return super().formfield_for_manytomany(db_field, request, **kwargs)
        using = kwargs.get("using")
        if "widget" not in kwargs:
            if db_field.name in self.get_autocomplete_fields(request):
                kwargs["widget"] = AutocompleteSelectMultiple(
                    db_field, self.admin_site, using=using
                )
            elif db_field.name in self.raw_id_fields:
                kwargs["widget"] = widgets.ManyToManyRawIdWidget(
                    db_field.remote_field, self.admin_site, using=using
                )
            elif db_field.name in [*self.filter_vertical, *self.filter_horizontal]:
                kwargs["widget"] = widgets.FilteredSelectMultiple(
                    db_field.verbose_name, db_field.name in self.filter_vertical
                )
        if "queryset" not in kwargs:
            queryset = self.get_field_queryset(using, db_field, request)
            if queryset is not None:
                kwargs["queryset"] = queryset
        # A many-to-many field's form field; django-stubs types it as any form field.
        return cast(forms.ModelMultipleChoiceField | None, db_field.formfield(**kwargs))
