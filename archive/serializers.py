"""Published content as plain data, for the JSON API and the open data files.

Field names are a public contract (docs/public-site-and-api.md, "JSON API"): add fields, never
rename them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from archive.columns import TRANSLATIONS_OUT_OF_DATE
from archive.estimates import headlines
from archive.models import (
    ORIGINAL_LANGUAGE,
    TRANSLATED_FIELDS,
    Citation,
    Copies,
    Estimate,
    IncidentVersion,
    Place,
    Source,
    Verification,
    original_digest,
    source_copies,
    translation_languages,
)
from archive.shown import shown_text


def source_data(source: Source | None) -> dict[str, Any] | None:
    if source is None:
        return None
    return {
        "key": source.key,
        "kind": source.kind,
        "authors": source.authors,
        "title": source.title,
        "container": source.container,
        "year": source.year,
        "publisher": source.publisher,
        "place": source.place,
        "isbn": source.isbn,
        "doi": source.doi,
        "url": source.url,
        "archived_url": source.archived_url,
        "language": source.language,
    }


def place_data(place: Place) -> dict[str, Any]:
    return {
        "name": place.name,
        "slug": place.slug,
        "alternative_names": place.alternative_name_list(),
        "country": place.country,
        "region": place.region,
        "latitude": float(place.latitude) if place.latitude is not None else None,
        "longitude": float(place.longitude) if place.longitude is not None else None,
        "coordinate_precision": place.coordinate_precision,
    }


def citation_data(citation: Citation) -> dict[str, Any]:
    return {
        "source": citation.source.key,
        "locator": citation.locator,
        "quote": citation.quote,
        "note": citation.note,
    }


# The editorial roles (Django groups, created by editorial's migrations) a verifier is named
# by in a figure's provenance, most telling first: the public learns the role, never the name.
ROLES = (("Reviewers", "reviewer"), ("Publishers", "publisher"), ("Contributors", "contributor"))


def verifier_role(estimate: Estimate) -> str | None:
    """``estimate`` comes from ``with_page_content()`` (its verifier's groups prefetched)."""
    user = estimate.verified_by
    if user is None:
        return None
    groups = {group.name for group in user.groups.all()}
    for group, role in ROLES:
        if group in groups:
            return role
    return "administrator" if user.is_superuser else "editor"


def provenance_data(estimate: Estimate, copies: Copies, base_url: str) -> dict[str, Any]:
    """The chain from a figure to its evidence: the citation it rests on, the archived copy of
    that source (or null), and who verified it, by role, and when."""
    source = estimate.source
    copy = copies.newest.get(source.pk) if source is not None else None
    verified = estimate.verification == Verification.VERIFIED and estimate.verified_at
    return {
        "citation": {"source": source.key, "locator": estimate.locator, "quote": estimate.quote}
        if source is not None
        else None,
        "snapshot": {
            "url": base_url + copy.get_absolute_url(),
            "sha256": copy.sha256,
            "captured_at": copy.captured_at.isoformat(),
        }
        if copy is not None
        else None,
        "verified": {"at": estimate.verified_at.isoformat(), "by_role": verifier_role(estimate)}
        if verified and estimate.verified_at
        else None,
    }


def estimate_data(estimate: Estimate, copies: Copies, base_url: str) -> dict[str, Any]:
    return {
        "ref": estimate.ref,
        "measure": estimate.measure,
        "low": estimate.low,
        "best": estimate.best,
        "high": estimate.high,
        "qualifier": estimate.qualifier,
        "as_written": estimate.as_written,
        "claimant": estimate.claimant,
        "claimant_position": estimate.claimant_position,
        "claim_year": estimate.claim_year,
        "assessment": estimate.assessment,
        "assessment_reason": estimate.assessment_reason,
        "verified": estimate.verification == Verification.VERIFIED,
        "source": estimate.source.key if estimate.source else None,
        "locator": estimate.locator,
        "quote": estimate.quote,
        "citations": [citation_data(c) for c in estimate.citations.all()],
        "scope": estimate.scope,
        "part_of": estimate.part_of or None,
        "share_low": _percent(estimate.share_low),
        "share_high": _percent(estimate.share_high),
        "share_of": estimate.share_of or None,
        "per": estimate.per or None,
        "provenance": provenance_data(estimate, copies, base_url),
    }


def _percent(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def headline_data(estimates: list[Estimate]) -> list[dict[str, Any]]:
    return [
        {
            "measure": h.measure,
            "low": h.low,
            "high": h.high,
            "low_open": h.low_open,
            "high_open": h.high_open,
            "text": h.text,
        }
        for h in headlines(estimates)
    ]


def incident_summary(
    version: IncidentVersion, base_url: str, language: str = ORIGINAL_LANGUAGE
) -> dict[str, Any]:
    """``language``: the text in that language where a published translation gives it
    (``version`` joined with ``translated()``); ``languages`` says which one each field is in."""
    slug = version.incident.slug
    text = shown_text(version, language)
    return {
        "slug": slug,
        "url": f"{base_url}{version.get_absolute_url()}",
        "api_url": f"{base_url}/api/incidents/{slug}/",
        "title": text.title.text,
        "summary": text.summary.text,
        "date": version.date,
        "date_text": text.date_text.text,
        "date_earliest": version.date_earliest.isoformat(),
        "date_latest": version.date_latest.isoformat(),
        "places": [place.name for place in version.places.all()],
        "countries": sorted({p.country for p in version.places.all() if p.country}),
        "categories": [category.name for category in version.categories.all()],
        "perpetrators": [actor.name for actor in version.perpetrators.all()],
        "context": version.context.name if version.context else None,
        "conflicting_estimates": version.has_conflict,
        "version": version.number,
        "published_at": version.published_at.isoformat() if version.published_at else None,
        "languages": {name: getattr(text, name).language for name in TRANSLATED_FIELDS},
        "translation": {"language": text.language, "out_of_date": text.out_of_date}
        if text.translated
        else None,
    }


def incident_detail(
    version: IncidentVersion,
    base_url: str,
    copies: Copies | None = None,
    language: str = ORIGINAL_LANGUAGE,
) -> dict[str, Any]:
    """Everything about a published incident; ``version`` comes from ``with_page_content``.
    ``copies``: its sources' archived copies (read here when not given). ``language``: as for
    ``incident_summary``; figures, names of sources and quotes are never translated."""
    if copies is None:
        copies = source_copies(version.cited_source_ids())
    estimates = list(version.estimates.all())
    sources = {e.source.key: e.source for e in estimates if e.source}
    for estimate in estimates:
        sources |= {c.source.key: c.source for c in estimate.citations.all()}
    sources |= {c.source.key: c.source for c in version.incident_citations}
    summary = incident_summary(version, base_url, language)
    return {
        **summary,
        "description": shown_text(version, language).description.text,
        "places": [place_data(place) for place in version.places.all()],
        "perpetrators": [
            {"name": a.name, "slug": a.slug, "parent": a.parent.name if a.parent else None}
            for a in version.perpetrators.all()
        ],
        "victim_groups": [group.name for group in version.victim_groups.all()],
        "headline": headline_data(estimates),
        "estimates": [estimate_data(estimate, copies, base_url) for estimate in estimates],
        "citations": [citation_data(citation) for citation in version.incident_citations],
        "sources": [source_data(source) for _, source in sorted(sources.items())],
        "proceedings": [
            {
                "slug": p.slug,
                "title": p.title,
                "court": p.court,
                "date": p.date,
                "date_text": p.date_text,
                "defendants": [d for d in p.defendants.splitlines() if d.strip()],
                "outcome": p.outcome,
                "in_absentia": p.in_absentia,
                "appeal": p.appeal,
            }
            for p in version.incident.proceedings.all()
        ],
        "related": sorted(incident.slug for incident in version.published_related),
        "corrections": [
            {"kind": c.kind, "note": c.note, "date": c.created_at.isoformat()}
            for c in version.incident.corrections.all()
        ],
    }


def translation_cells(version: IncidentVersion) -> dict[str, str]:
    """The open data's translation columns of one incident (``archive.columns``): each
    published translation's fields, empty where there is none, and the languages whose
    translation the original has changed since. ``version.incident.published_translations``
    comes from ``api.with_published_translations``."""
    by_language = {t.language: t for t in version.incident.published_translations}
    cells = {}
    for code, _name in translation_languages():
        translation = by_language.get(code)
        for name in TRANSLATED_FIELDS:
            cells[f"{name}_{code}"] = getattr(translation, name) if translation else ""
    digest = original_digest(version)
    cells[TRANSLATIONS_OUT_OF_DATE] = "|".join(
        code
        for code, translation in sorted(by_language.items())
        if translation.original_digest != digest
    )
    return cells
