"""schema.org JSON-LD for an incident page: the entry as a ``Dataset`` about an ``Event``,
with the sources it cites, so that search engines and dataset catalogues can read it.

Addresses are relative to the page (JSON-LD resolves them against it): the stored page is
the same whatever host serves it. Only what the page itself shows goes in.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from archive.models import IncidentVersion, Source

# Inside <script>, "</script>" or "<!--" in a title would end the element or change how it
# is parsed: these characters are written as JSON escapes, which read back the same.
ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def creative_work(source: Source) -> dict[str, Any]:
    work: dict[str, Any] = {"@type": "CreativeWork", "name": source.title}
    if source.authors:
        work["author"] = [
            {"@type": "Person", "name": name.strip()}
            for name in source.authors.split(" and ")
            if name.strip()
        ]
    if source.container:
        work["isPartOf"] = {"@type": "CreativeWork", "name": source.container}
    if source.year:
        work["datePublished"] = str(source.year)
    if source.publisher:
        work["publisher"] = {"@type": "Organization", "name": source.publisher}
    if source.url.lower().startswith(("http://", "https://")):
        work["url"] = source.url
    if source.doi:
        work["identifier"] = f"https://doi.org/{source.doi}"
    copy = getattr(source, "archived", None)  # set on the sources an incident page shows
    if copy is not None:
        # The archive's own copy, with its capture time and hash: the chain from each claim
        # to preserved evidence (the API's provenance says the same per figure).
        work["archivedAt"] = {
            "@type": "WebPage",
            "url": copy.get_absolute_url(),
            "dateCreated": copy.captured_at.isoformat(),
            "identifier": {"@type": "PropertyValue", "propertyID": "SHA-256", "value": copy.sha256},
        }
    return work


def incident_dataset(version: IncidentVersion, sources: list[Source]) -> dict[str, Any]:
    """``version`` comes from ``with_page_content()``; ``sources`` in footnote order."""
    slug = version.incident.slug
    page = reverse("archive:incident", args=[slug])
    places = []
    for place in version.places.all():
        item: dict[str, Any] = {"@type": "Place", "name": place.name}
        if place.country:
            item["address"] = {"@type": "PostalAddress", "addressCountry": place.country}
        if place.latitude is not None and place.longitude is not None:
            item["geo"] = {
                "@type": "GeoCoordinates",
                "latitude": float(place.latitude),
                "longitude": float(place.longitude),
            }
        places.append(item)
    span = f"{version.date_earliest.isoformat()}/{version.date_latest.isoformat()}"
    event: dict[str, Any] = {
        "@type": "Event",
        "name": version.title,
        "description": version.summary,
        "startDate": version.date_earliest.isoformat(),
        "endDate": version.date_latest.isoformat(),
    }
    if places:
        event["location"] = places
    dataset: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": page,
        "url": page,
        "name": version.title,
        "description": version.summary,
        "version": str(version.number),
        "temporalCoverage": span,
        "license": settings.DATA_LICENCE_URL,
        "isAccessibleForFree": True,
        "publisher": {"@type": "Organization", "name": "Incident Archive"},
        "about": event,
        "keywords": [category.name for category in version.categories.all()],
        "distribution": [
            {
                "@type": "DataDownload",
                "encodingFormat": "application/json",
                "contentUrl": reverse("archive:api_incident", args=[slug]),
            }
        ],
        "citation": [creative_work(source) for source in sources],
    }
    if version.published_at:
        dataset["datePublished"] = version.published_at.date().isoformat()
    return dataset


def json_ld_element(data: dict[str, Any]) -> SafeString:
    """The ``<script type="application/ld+json">`` element for ``data``, safe in HTML."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True).translate(ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')
