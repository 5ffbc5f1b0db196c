"""Incident pages rendered once, when their version is published, and served as stored.

A published version never changes, so rendering its page on every request repeats the same
work. ``version_publish`` renders the page in the publishing transaction and stores it in
``IncidentPage``; the detail view then answers with one indexed read. A stored page is deleted
when something it shows changes: a reference record (``receivers.reference_changed``), an
incident it lists as related being published, withdrawn or renamed (``forget_pages_showing``),
or the code and templates that render it (the ``build`` stamp). The next reader renders a
missing page again and stores it, unless content was published meanwhile (``store_rendered``).

The reader's own address goes into the citation line, so the stored page carries a marker
where it goes (``ORIGIN``), filled in per request.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any, NamedTuple

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Model, Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, override

from archive.estimates import summarise
from archive.models import (
    Copies,
    Correction,
    IncidentPage,
    IncidentVersion,
    Publication,
    Source,
    attach_copies,
    source_copies,
)
from archive.shown import shown_text
from archive.structured_data import incident_dataset, json_ld_element
from archive.text import render_markdown

logger = logging.getLogger("archive.pages")

# Where the reader's origin goes, filled in per request. An HTML comment: escaped text
# cannot contain one and nh3 removes them from Markdown, so no editor can type it.
ORIGIN = "<!--origin:7f3c-->"
TEMPLATE = "archive/incident_detail.html"


@cache
def build() -> str:
    """A stamp of everything besides the data that shapes a page: templates, the archive's
    code, the translations and the stylesheet's address. A deployment that changes any of them
    makes every stored page outdated, and each is rendered again when it is next read."""
    digest = hashlib.blake2s(digest_size=8)
    root = Path(settings.BASE_DIR)
    sources = ["templates/**/*.html", "archive/**/*.py", "locale/*/LC_MESSAGES/*.po"]
    for path in sorted(path for pattern in sources for path in root.glob(pattern)):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    digest.update(static("css/site.css").encode())
    for package in ("django", "markdown", "nh3"):  # the HTML they produce is part of a page
        digest.update(f"{package} {metadata.version(package)}".encode())
    return digest.hexdigest()


def origin(request: HttpRequest) -> str:
    return escape(f"{request.scheme}://{request.get_host()}")


def stored_page(slug: str) -> str | None:
    """The stored page of the incident's published version in the active language, if it is
    there and current."""
    return (
        IncidentPage.objects.published()
        .filter(version__incident__slug=slug, language=get_language(), build=build())
        .values_list("html", flat=True)
        .first()
    )


class Footnote(NamedTuple):
    source: Source
    locator: str
    quote: str
    note: str = ""


def incident_context(version: IncidentVersion, copies: Copies | None = None) -> dict[str, Any]:
    """The incident page's content: estimates per measure, numbered footnotes, proceedings.
    ``version`` comes from ``with_page_content()``; ``copies`` are its sources' archived
    copies (read here when not given)."""
    footnotes: list[Footnote] = []
    numbers: dict[Footnote, int] = {}

    def number(note: Footnote) -> int:
        if note not in numbers:
            footnotes.append(note)
            numbers[note] = len(footnotes)
        return numbers[note]

    estimates = list(version.estimates.all())
    for estimate in estimates:
        notes = (
            [Footnote(estimate.source, estimate.locator, estimate.quote)] if estimate.source else []
        )
        notes += [Footnote(c.source, c.locator, c.quote, c.note) for c in estimate.citations.all()]
        estimate.footnotes = [number(note) for note in notes]
    for citation in version.incident_citations:
        number(Footnote(citation.source, citation.locator, citation.quote, citation.note))
    attach_copies((note.source for note in footnotes), copies)
    text = shown_text(version, get_language())
    return {
        "version": version,
        "text": text,
        "description_html": render_markdown(text.description.text),
        "measures": summarise(estimates),
        "footnotes": footnotes,
        "proceedings": version.incident.proceedings.all(),
        "corrections": [
            c for c in version.incident.corrections.all() if c.kind == Correction.Kind.CORRECTION
        ],
        "sexual_violence": any(c.slug == "sexual-violence" for c in version.categories.all()),
        "json_ld": json_ld_element(
            incident_dataset(version, list(dict.fromkeys(note.source for note in footnotes)))
        ),
    }


def render_page(version: IncidentVersion, copies: Copies | None = None) -> str:
    """The page in the active language. ``version`` comes from ``with_page_content()``."""
    context = incident_context(version, copies)
    return render_to_string(
        TEMPLATE,
        {**context, "origin": mark_safe(ORIGIN), "page_path": version.get_absolute_url()},
    )


def generation() -> int:
    return Publication.objects.values_list("generation", flat=True).filter(pk=1).first() or 0


def store_rendered(version: IncidentVersion, html: str, seen_generation: int) -> None:
    """Keep a page a reader rendered, unless anything was published or changed since the
    reader began (``seen_generation``): the page might show what was true before. The lock on
    the publication row orders this after any publication that is committing."""
    try:
        with not_waiting_for_writers(), transaction.atomic():
            current = (
                # nowait: a reader never queues behind a long import or publication.
                Publication.objects.select_for_update(nowait=True)
                .filter(pk=1)
                .values_list("generation", flat=True)
                .first()
            )
            if (current or 0) == seen_generation:
                _save([(version.pk, html)], get_language())
    except DatabaseError:  # a writer got there first (SQLite): the next reader tries again
        pass


@contextmanager
def not_waiting_for_writers() -> Iterator[None]:
    """SQLite ignores ``nowait``: there a write waits out the busy timeout (5 s) behind any
    other writer. A reader's store is optional, so it does not wait there either."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        (waits,) = cursor.fetchone()
        cursor.execute("PRAGMA busy_timeout = 0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {int(waits)}")


def render_published(version_ids: list[int]) -> int:
    """Render and store the pages of these (just published) versions in the original
    language, in the caller's transaction so that they appear together with the publication.
    The other languages' pages are rendered by their first reader."""
    published = IncidentVersion.objects.published().with_incident().with_page_content()
    rendered = 0
    for start in range(0, len(version_ids), 200):
        chunk = version_ids[start : start + 200]
        pages = []
        versions = list(published.filter(pk__in=chunk))
        # The archived copies of every source they cite, read once for the chunk.
        copies = source_copies(set().union(*(v.cited_source_ids() for v in versions)))
        for version in versions:
            try:  # the content is loaded: rendering runs no query
                with override(settings.LANGUAGE_CODE):
                    pages.append((version.pk, render_page(version, copies)))
            except Exception:  # the publication stands; the first reader renders the page
                logger.exception(
                    "page of version %s not rendered at publication",
                    version.pk,
                    extra={"event": "page_not_rendered", "version": version.pk},
                )
        _save(pages, settings.LANGUAGE_CODE)
        rendered += len(pages)
    return rendered


def _save(pages: list[tuple[int, str]], language: str) -> None:
    IncidentPage.objects.bulk_create(
        [
            IncidentPage(version_id=pk, language=language, html=html, build=build())
            for pk, html in pages
        ],
        update_conflicts=True,
        unique_fields=["version", "language"],
        update_fields=["html", "build", "rendered_at"],
    )


def forget_pages_showing(incident_ids: list[int]) -> None:
    """Delete the stored pages that show these incidents: their own and those that list one
    of them as related (a related incident's title and address appear on the page)."""
    IncidentPage.objects.filter(version__incident_id__in=incident_ids).delete()
    IncidentPage.objects.filter(version__related__in=incident_ids).delete()


# How a published version shows each kind of reference record.
SHOWN_THROUGH = {
    "source": ("estimates__source", "citations__source"),
    "place": ("places",),
    "actor": ("perpetrators",),
    "victimgroup": ("victim_groups",),
    "context": ("context",),
    "category": ("categories",),
    "proceeding": ("incident__proceedings",),
}


def forget_pages_of_versions(version_ids: Iterable[int]) -> None:
    IncidentPage.objects.filter(version_id__in=version_ids).delete()


def forget_pages_with(record: Model | None) -> None:
    """Delete the stored pages that show this reference record (all, for other records)."""
    lookups = SHOWN_THROUGH.get(record._meta.model_name or "") if record is not None else None
    if record is None or not lookups or record.pk is None:
        IncidentPage.objects.all().delete()
        return
    showing = Q()
    for lookup in lookups:
        showing |= Q(**{lookup: record.pk})
    versions = IncidentVersion.objects.filter(showing).values("pk")
    IncidentPage.objects.filter(version_id__in=versions).delete()
