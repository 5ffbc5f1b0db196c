"""The spreadsheet columns of the archive: the import format, the admin export and the public
open data files all use these names, in this order. A public contract (docs/import-export.md):
columns may be added at the end, never renamed or removed."""

from __future__ import annotations

INCIDENT_COLUMNS = [
    "slug",
    "title",
    "summary",
    "description",
    "date",
    "date_text",
    "places",
    "categories",
    "perpetrators",
    "victim_groups",
    "context",
    "related",
]
ESTIMATE_COLUMNS = [
    "ref",
    "incident",
    "measure",
    "low",
    "best",
    "high",
    "qualifier",
    "as_written",
    "claimant",
    "claim_year",
    "assessment",
    "assessment_reason",
    "source",
    "locator",
    "quote",
    "claimant_position",
    "scope",
    "part_of",
    "share_low",
    "share_high",
    "share_of",
    "per",
]
SOURCE_COLUMNS = [
    "key",
    "kind",
    "authors",
    "title",
    "container",
    "year",
    "publisher",
    "place",
    "isbn",
    "doi",
    "url",
    "archived_url",
    "language",
]
CITATION_COLUMNS = ["incident", "source", "locator", "quote", "note", "estimate"]


# After the open data's incident columns: each published translation's text, one column per
# translated field and language of the site (title_de, summary_de, …, date_text_uk), empty
# where there is none; and the languages whose translation is out of date (``de|pl``).
TRANSLATIONS_OUT_OF_DATE = "translations_out_of_date"


def translation_columns() -> list[str]:
    """``title_de`` … ``date_text_uk``: read from the site's languages when asked."""
    # Imported here: the column names are read before Django is set up (the benchmark tools).
    from archive.models.translations import TRANSLATED_FIELDS, translation_languages

    return [
        f"{field}_{code}" for code, _name in translation_languages() for field in TRANSLATED_FIELDS
    ]
