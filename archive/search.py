"""Search that ignores letter case and diacritics: `fantana alba` finds Fântâna Albă.

Published versions are indexed when they are published (they never change afterwards):
a folded plain-text document for every database, and on PostgreSQL a weighted tsvector
(title A, summary B, description and places C) with a GIN index, ranked with ts_rank.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, Func, QuerySet, TextField, Value
from django.db.models.functions import Lower, Replace

from archive.models.translations import Translation

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler, _AsSqlType

    from archive.models import IncidentVersion, Place

# Letters that Unicode does not decompose into a base letter and a mark.
EXTRA_FOLDS = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i", "þ": "th"}
)
MAX_QUERY_LENGTH = 200
MAX_TERMS = 10


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold().translate(EXTRA_FOLDS))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _database_folds() -> tuple[str, str, list[tuple[str, str]]]:
    """fold() as a database can apply it to lower-case text: letters that fold to one letter
    (translated), marks that fold to nothing (deleted), letters that fold to several (replaced).
    Covers the Latin, Greek and Cyrillic letters an archive of Europe's wars is written in."""
    singles: dict[str, str] = {}
    dropped: list[str] = []
    multiple: list[tuple[str, str]] = []
    ranges = [(0x00C0, 0x0250), (0x0300, 0x0370), (0x0370, 0x0530), (0x1E00, 0x1F00)]
    for start, end in ranges:
        for code in range(start, end):
            letter = chr(code).lower()
            folded = fold(letter)
            if len(letter) != 1 or folded == letter or letter in singles:
                continue
            if not folded:
                dropped.append(letter)
            elif len(folded) == 1:
                singles[letter] = folded
            elif (letter, folded) not in multiple:
                multiple.append((letter, folded))
    return "".join(singles) + "".join(dropped), "".join(singles.values()), multiple


FOLD_FROM, FOLD_TO, FOLD_MULTIPLE = _database_folds()
SQLITE_FOLD = "archive_fold"


def add_fold_function(
    sender: type[BaseDatabaseWrapper], connection: BaseDatabaseWrapper, **kwargs: object
) -> None:
    """Give each new SQLite connection fold() as a function (connection_created receiver)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FOLD, 1, fold, deterministic=True)


class Fold(Func):
    """Text folded in the database as fold() folds it in Python: on SQLite by fold() itself,
    on PostgreSQL by lower(), replace() and translate(), which need no extension."""

    arity = 1
    output_field = TextField()

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> _AsSqlType:
        return self.as_sql(compiler, connection, function=SQLITE_FOLD, **extra)

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> _AsSqlType:
        folded: Func = Lower(self.get_source_expressions()[0])
        for letter, replacement in FOLD_MULTIPLE:
            folded = Replace(folded, Value(letter), Value(replacement))
        translated = Func(
            folded,
            Value(FOLD_FROM),
            Value(FOLD_TO),
            function="translate",
            output_field=TextField(),
        )
        return compiler.compile(translated)


def query_terms(text: str) -> list[str]:
    """The folded words of a query, bounded so no query can be made arbitrarily expensive."""
    words = fold(text[:MAX_QUERY_LENGTH]).split()
    cleaned = ["".join(ch for ch in word if ch.isalnum()) for word in words]
    return [word for word in cleaned if word][:MAX_TERMS]


def search_texts(version: IncidentVersion, places: Iterable[Place]) -> tuple[str, str, str]:
    """What a version is found by, folded: its title (weight A), its summary (B), and its
    description, its places with their other names and its date as written (C)."""
    names = " ".join(f"{place.name} {' '.join(place.alternative_name_list())}" for place in places)
    title, summary = fold(version.title), fold(version.summary)
    return title, summary, fold(f"{version.description} {names} {version.date_text}")


def with_translations(
    texts: tuple[str, str, str], translations: Iterable[Translation]
) -> tuple[str, str, str]:
    """``texts`` with the folded words of the incident's published translations added, each
    field at the weight of the field it translates: a reader finds the incident in any of the
    languages it is published in."""
    title, summary, body = texts
    for translation in translations:
        title += f" {fold(translation.title)}"
        summary += f" {fold(translation.summary)}"
        body += f" {fold(translation.description)} {fold(translation.date_text)}"
    return title, summary, body


def index_version(version: IncidentVersion) -> None:
    """Store the search document of a version about to be published, or of the published one
    when a translation of it is published or replaced. Only published translations count: a
    draft's words never find anything."""
    translations = Translation.objects.published().filter(incident_id=version.incident_id)
    texts = search_texts(version, version.places.all())
    title, summary, body = with_translations(texts, translations)
    version.search_document = f"{title} {summary} {body}"
    type(version).objects.filter(pk=version.pk).update(search_document=version.search_document)
    if connection.vendor == "postgresql":
        type(version).objects.filter(pk=version.pk).update(
            search_vector=SearchVector(Value(title), weight="A", config="simple")
            + SearchVector(Value(summary), weight="B", config="simple")
            + SearchVector(Value(body), weight="C", config="simple")
        )


def search(queryset: QuerySet[IncidentVersion], text: str) -> QuerySet[IncidentVersion]:
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
