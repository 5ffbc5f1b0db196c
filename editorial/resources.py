"""django-import-export resources: the documented spreadsheet format of the archive.

Rows match by natural key (slug, key, ref, name), so importing a file twice changes nothing
the second time. Incident content always lands in a draft: a row that changes a published
incident opens (or reuses) its draft, and the public keeps the published version. Any
invalid row rolls the whole import back; every error names its row, column, value and what
is expected.
"""

from editorial.figure_resources import CitationResource, EstimateResource
from editorial.incident_resources import IncidentResource
from editorial.record_resources import (
    ActorResource,
    PlaceResource,
    ProceedingResource,
    SourceResource,
)

__all__ = [
    "ActorResource",
    "CitationResource",
    "EstimateResource",
    "IncidentResource",
    "PlaceResource",
    "ProceedingResource",
    "SourceResource",
]
