"""Admin search that finds what an editor remembers, however it is spelt.

The public search folds case and accents (``archive.search.fold``): "lodz" finds Łódź. The
admin's own search did neither, and looked only at a version's own columns. Here every word
of the query must appear, folded, in one of the admin's ``search_fields``, which may follow
relations (a version's places, its figures' claimants, its sources). A path through a
many-valued relation is matched in a subquery, so each row is listed once, without the
DISTINCT over a wide join that Django's search adds, and the list costs the same number of
queries however many rows match. The admin's autocomplete boxes search the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Any

from django.contrib.admin import AllValuesFieldListFilter
from django.contrib.admin.utils import lookup_spawns_duplicates
from django.contrib.admin.views.main import ChangeList
from django.db.models import F, Q, QuerySet
from django.db.models.lookups import Contains
from django.http import HttpRequest
from django.utils.text import smart_split, unescape_string_literal

from archive.search import MAX_QUERY_LENGTH, MAX_TERMS, Fold, fold
from editorial.admin_base import AdminMixin

if TYPE_CHECKING:
    from django.contrib.admin.filters import _ListFilterChoices


def search_words(search_term: str) -> list[str]:
    """The folded words of an admin search; "quoted phrases" stay one word, as in Django's."""
    words = []
    for word in smart_split(search_term[:MAX_QUERY_LENGTH]):
        if word[0] in "\"'" and len(word) > 1 and word[0] == word[-1]:
            word = unescape_string_literal(word)
        if folded := fold(word).strip():
            words.append(folded)
    return words[:MAX_TERMS]


class FoldedSearchMixin(AdminMixin):
    """For a ModelAdmin: its ``search_fields`` (plain paths, no ^ = @ prefixes) matched with
    case and accents ignored."""

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        words = search_words(search_term)
        paths = list(self.get_search_fields(request))
        if not words or not paths:
            return queryset, False
        for word in words:
            queryset = queryset.filter(reduce(or_, (self._word_in(path, word) for path in paths)))
        return queryset, False

    def _word_in(self, path: str, word: str) -> Q:
        match = Contains(Fold(F(path)), word)
        if lookup_spawns_duplicates(self.opts, path):
            return Q(pk__in=self.model._default_manager.filter(match).values("pk"))
        return Q(match)


class NamedValuesFilter(AllValuesFieldListFilter):
    """A list filter over a column's values in which the empty value has a name: its link had
    no text, so a screen reader announced an unnamed link."""

    def choices(self, changelist: ChangeList) -> Iterator[_ListFilterChoices]:
        for choice in super().choices(changelist):
            if choice["display"] == "":
                choice["display"] = "(empty)"
            yield choice
