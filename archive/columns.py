"""The spreadsheet columns of the archive: the import format, the admin export and the public
open data files all use these names, in this order. A public contract (docs/import-export.md):
columns may be added at the end, never renamed or removed."""

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
