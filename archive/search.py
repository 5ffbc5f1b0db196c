"""Search that ignores letter case and diacritics: `fantana alba` finds Fântâna Albă.

Published versions are indexed when they are published (they never change afterwards):
a folded plain-text document for every database, and on PostgreSQL a weighted tsvector
(title A, summary B, description and places C) with a GIN index, ranked with ts_rank.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, QuerySet, Value

# Letters that Unicode does not decompose into a base letter and a mark.
EXTRA_FOLDS = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i", "þ": "th"}
)
MAX_QUERY_LENGTH = 200
MAX_TERMS = 10


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold().translate(EXTRA_FOLDS))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def query_terms(text: str) -> list[str]:
    """The folded words of a query, bounded so no query can be made arbitrarily expensive."""
    words = fold(text[:MAX_QUERY_LENGTH]).split()
    cleaned = ["".join(ch for ch in word if ch.isalnum()) for word in words]
    return [word for word in cleaned if word][:MAX_TERMS]


def search_texts(version, places: Iterable) -> tuple[str, str, str]:
    """What a version is found by, folded: its title (weight A), its summary (B), and its
    description, its places with their other names and its date as written (C)."""
    names = " ".join(f"{place.name} {' '.join(place.alternative_name_list())}" for place in places)
    title, summary = fold(version.title), fold(version.summary)
    return title, summary, fold(f"{version.description} {names} {version.date_text}")


def index_version(version) -> None:
    """Store the search document of a version about to be published."""
    title, summary, body = search_texts(version, version.places.all())
    version.search_document = f"{title} {summary} {body}"
    type(version).objects.filter(pk=version.pk).update(search_document=version.search_document)
    if connection.vendor == "postgresql":
        type(version).objects.filter(pk=version.pk).update(
            search_vector=SearchVector(Value(title), weight="A", config="simple")
            + SearchVector(Value(summary), weight="B", config="simple")
            + SearchVector(Value(body), weight="C", config="simple")
        )


def search(queryset: QuerySet, text: str) -> QuerySet:
    terms = query_terms(text)
    if not terms:
        return queryset
    if connection.vendor == "postgresql":
        query = SearchQuery(
            " & ".join(f"{term}:*" for term in terms), config="simple", search_type="raw"
        )
        return (
            queryset.filter(search_vector=query)
            .annotate(rank=SearchRank(F("search_vector"), query))
            .order_by("-rank", "date_earliest", "pk")
        )
    # SQLite: every word must appear in the folded document; no ranking.
    for term in terms:
        queryset = queryset.filter(search_document__contains=term)
    return queryset
