"""How to cite a published incident: BibTeX, RIS and CSL-JSON."""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from archive.models import IncidentVersion

FORMATS = {
    "bibtex": ("application/x-bibtex", "bib"),
    "ris": ("application/x-research-info-systems", "ris"),
    "csl-json": ("application/vnd.citationstyles.csl+json", "json"),
}


def _one_line(text: str) -> str:
    """Every kind of line break and control character folded to a space: in RIS a new line
    ends the field, so a multi-paragraph summary would end the record early or start a
    forged one."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def _bibtex_escape(text: str) -> str:
    text = _one_line(text)
    for char in "\\{}%&$#_^~":
        text = text.replace(char, "\\" + char)
    return text


@require_safe
def cite(request: HttpRequest, slug: str, style: str) -> HttpResponse:
    if style not in FORMATS:
        raise Http404("Unknown citation format.")
    version = (
        IncidentVersion.objects.published().with_incident().filter(incident__slug=slug).first()
    )
    if version is None:
        raise Http404("No published incident at this address.")
    url = request.build_absolute_uri(version.get_absolute_url())
    published = version.published_at or version.updated_at  # set by every publication
    accessed = published.date().isoformat()
    if style == "bibtex":
        body = (
            f"@misc{{incidentarchive-{slug},\n"
            f"  title = {{{_bibtex_escape(version.title)}}},\n"
            f"  author = {{{{Incident Archive}}}},\n"
            f"  year = {{{published.year}}},\n"
            f"  note = {{Version {version.number}}},\n"
            f"  howpublished = {{\\url{{{url}}}}},\n"
            f"  urldate = {{{accessed}}}\n}}\n"
        )
    elif style == "ris":
        body = "\r\n".join(
            [
                "TY  - ELEC",
                f"TI  - {_one_line(version.title)}",
                "AU  - Incident Archive",
                f"PY  - {published.year}",
                f"DA  - {published:%Y/%m/%d}",
                f"UR  - {url}",
                f"ET  - Version {version.number}",
                f"AB  - {_one_line(version.summary)}",
                "ER  - ",
                "",
            ]
        )
    else:
        body = json.dumps(
            [
                {
                    "id": f"incidentarchive-{slug}",
                    "type": "webpage",
                    "title": version.title,
                    "author": [{"literal": "Incident Archive"}],
                    "issued": {"date-parts": [[published.year, published.month, published.day]]},
                    "version": str(version.number),
                    "URL": url,
                    "abstract": version.summary,
                }
            ],
            ensure_ascii=False,
            indent=2,
        )
    content_type, extension = FORMATS[style]
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}.{extension}"'
    return response
