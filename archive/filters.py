"""The public incident filters, shared by the list page and the JSON API."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django import forms
from django.contrib.postgres.fields import DateRangeField
from django.core.validators import EMPTY_VALUES
from django.db import connection
from django.db.backends.postgresql.psycopg_any import DateRange
from django.db.models import Exists, F, Func, OuterRef, Q, QuerySet, Value
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from archive.models import IncidentVersion
from archive.search import search


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, min_value=1, max_value=9999, **kwargs)


class LinkedFilter(django_filters.CharFilter):
    """Versions linked through ``relation`` (a many-to-many field) to a record whose field,
    one of ``lookups``, has the value. It asks whether such a link exists rather than joining
    the links: no row is repeated (so no DISTINCT), and the database can walk the list in its
    order and stop at a page's worth, which a join followed by a sort of every match cannot."""

    def __init__(self, relation: str, *lookups: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.relation, self.lookups = relation, lookups

    def filter(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        if value in EMPTY_VALUES:
            return qs
        either = Q()
        for lookup in self.lookups:
            either |= Q(**{lookup: value})
        return qs.filter(linked(self.relation, either))


class StableOrderingFilter(django_filters.OrderingFilter):
    """The order a reader chose, then the key: rows that tie (a year-only date, a repeated
    title) keep one order, so paging never shows one twice or skips one."""

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        ordered = super().filter(qs, value)
        return ordered.order_by(*ordered.query.order_by, "pk") if value else ordered


class IncidentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"), max_length=200)
    country = LinkedFilter("places", "place__country__iexact", label=_("Country"), max_length=100)
    category = LinkedFilter("categories", "category__slug", label=_("Category"), max_length=100)
    # A parent organisation's page includes what its units did.
    perpetrator = LinkedFilter(
        "perpetrators",
        "actor__slug",
        "actor__parent__slug",
        label=_("Perpetrator"),
        max_length=200,
    )
    victim_group = LinkedFilter(
        "victim_groups", "victimgroup__slug", label=_("Victim group"), max_length=200
    )
    context = django_filters.CharFilter(
        field_name="context__slug", label=_("Context"), max_length=200
    )
    year_from = YearFilter(field_name="date_latest__year", lookup_expr="gte", label=_("From year"))
    year_to = YearFilter(field_name="date_earliest__year", lookup_expr="lte", label=_("To year"))
    conflicting = django_filters.BooleanFilter(
        field_name="has_conflict",
        label=_("Estimates disagree"),
        widget=forms.Select(
            choices=[("", pgettext_lazy("filter", "any")), ("true", _("yes")), ("false", _("no"))]
        ),
    )
    ordering = StableOrderingFilter(
        fields=[("date_earliest", "date"), ("title", "title"), ("published_at", "published")],
        field_labels={
            "date_earliest": _("Date"),
            "title": _("Title"),
            "published_at": _("Published"),
        },
        label=_("Order by"),
    )

    class Meta:
        model = IncidentVersion
        fields: list[str] = []

    def runs(self) -> list[QuerySet[IncidentVersion]]:
        """The filtered list as runs read one after another, each in the list's order. From a
        year on, in date order, these are the incidents going on as the year begins, then
        those beginning in it or later: each run is read from an index (on PostgreSQL), where
        one query would walk the list from the archive's first day past every incident that
        ended before the year (half of a million synthetic ones) before it had a page."""
        versions = self.qs
        year = self.form.cleaned_data.get("year_from")
        first = str(versions.query.order_by[0]) if versions.query.order_by else ""
        if not year or year < 2 or first.lstrip("-") != "date_earliest":
            return [versions]
        day = datetime.date(year, 1, 1)
        going_on = versions.filter(date_earliest__lt=day)
        if connection.vendor == "postgresql":  # as the GiST index of spans answers it
            eve = DateRange(day - datetime.timedelta(days=1), day, "[]")
            going_on = going_on.alias(span=Span()).filter(span__contains=eve)
        later = versions.filter(date_earliest__gte=day)
        return [going_on, later] if first == "date_earliest" else [later, going_on]

    def filter_q(
        self, queryset: QuerySet[IncidentVersion], name: str, value: str
    ) -> QuerySet[IncidentVersion]:
        return search(queryset, value)


class Span(Func):
    """A version's dates as one range, both ends included: on PostgreSQL the expression of
    the partial GiST index ``version_span`` (migration 0027), which finds the versions whose
    dates take in a given day without walking the list."""

    function = "daterange"
    output_field = DateRangeField()

    def __init__(self) -> None:
        super().__init__(F("date_earliest"), F("date_latest"), Value("[]"))


def linked(relation: str, *conditions: Q, **lookups: object) -> Exists:
    """Whether the version is linked through ``relation`` (a many-to-many field) to a record
    meeting the conditions."""
    links = getattr(IncidentVersion, relation).through.objects
    return Exists(links.filter(*conditions, incidentversion_id=OuterRef("pk"), **lookups))
