"""POST data for the incident version admin page, as the browser sends it, and the text an
admin page shows."""

from __future__ import annotations

import html
import re
from typing import Any

from archive.models import Category, IncidentVersion


def version_post(
    *,
    estimates: list[dict[str, Any]] = (),
    citations: list[dict[str, Any]] = (),
    version: IncidentVersion | None = None,
    **fields: Any,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Katyn massacre",
        "summary": "Polish officers and others were shot by the NKVD.",
        "description": "",
        "date": "1940-04/1940-05",
        "date_text": "April and May 1940",
        "categories": [Category.objects.get(slug="massacre").pk],
    }
    if version is None:
        data["slug"] = "katyn-massacre"
    else:
        data["seen_lock_version"] = version.lock_version
    data.update(fields)
    existing = list(version.estimates.all()) if version else []
    _formset(data, "estimates", estimates, existing)
    existing_citations = list(version.citations.all()) if version else []
    _formset(data, "citations", citations, existing_citations)
    return data


def _formset(data, prefix, rows, existing) -> None:
    data[f"{prefix}-TOTAL_FORMS"] = len(rows)
    data[f"{prefix}-INITIAL_FORMS"] = len(existing)
    data[f"{prefix}-MIN_NUM_FORMS"] = 0
    data[f"{prefix}-MAX_NUM_FORMS"] = 1000
    for index, row in enumerate(rows):
        if index < len(existing):
            data[f"{prefix}-{index}-id"] = existing[index].pk
            data[f"{prefix}-{index}-version"] = existing[index].version_id
        for key, value in row.items():
            data[f"{prefix}-{index}-{key}"] = "" if value is None else value


def estimate_row(**fields: Any) -> dict[str, Any]:
    return {
        "measure": "killed",
        "qualifier": "exact",
        "low": "",
        "best": "",
        "high": "",
        "as_written": "",
        "ref": "",
        "claimant": "Soviet archives",
        "claimant_position": "perpetrator_state",
        "claim_year": "",
        "assessment": "accepted",
        "assessment_reason": "",
        "source": "",
        "locator": "",
        "quote": "",
        **fields,
    }


def shown_text(response) -> str:
    """The page's text as a reader sees it: no tags, entities decoded, whitespace collapsed."""
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r"</?(?:a|b|strong|em|i|span|del|ins|code|abbr)\b[^>]*>", "", body)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())
