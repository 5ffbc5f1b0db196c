"""The text a reader reads in their language: each field of a published version in its
published translation when there is one, else in the original, marked as the original.

Reads the ``translated_*`` columns that ``IncidentVersionQuerySet.translated()`` joins: no
query. Figures, names of sources and quotes are never translated and never pass through here.
"""

from __future__ import annotations

from dataclasses import dataclass

from archive.models import (
    ORIGINAL_LANGUAGE,
    TRANSLATED_FIELDS,
    Incident,
    IncidentVersion,
    base_language,
    original_digest,
)


@dataclass(frozen=True)
class ShownField:
    text: str
    language: str  # the language the text is in
    fallback: bool  # the reader reads another language, and this is the original's text

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class ShownText:
    language: str  # the reader's
    title: ShownField
    summary: ShownField
    description: ShownField
    date_text: ShownField
    translated: bool  # a published translation into the reader's language exists
    out_of_date: bool  # it translated a text that a later version corrected

    @property
    def fallbacks(self) -> list[str]:
        """The names of the fields shown in the original (those with any text)."""
        return [
            name
            for name in TRANSLATED_FIELDS
            if getattr(self, name).fallback and getattr(self, name).text
        ]


def shown_text(version: IncidentVersion, language: str) -> ShownText:
    language = base_language(language)
    original = language == ORIGINAL_LANGUAGE
    digest = getattr(version, "translated_digest", None)
    translated = not original and digest is not None
    fields: dict[str, ShownField] = {}
    for name in TRANSLATED_FIELDS:
        text = getattr(version, f"translated_{name}", None) if translated else None
        if text:
            fields[name] = ShownField(text, language, fallback=False)
        else:
            fields[name] = ShownField(getattr(version, name), ORIGINAL_LANGUAGE, not original)
    return ShownText(
        language=language,
        translated=translated,
        out_of_date=translated and digest != original_digest(version),
        **fields,
    )


def shown_title(incident: Incident, language: str) -> ShownField:
    """A related incident's title (``IncidentVersionQuerySet.with_page_content(language=…)``
    joins its published translation's): translated when there is one, else the original's,
    marked as the original."""
    language = base_language(language)
    original = language == ORIGINAL_LANGUAGE
    translated = None if original else getattr(incident, "translated_title", None)
    if translated:
        return ShownField(translated, language, fallback=False)
    return ShownField(getattr(incident, "title", ""), ORIGINAL_LANGUAGE, not original)
