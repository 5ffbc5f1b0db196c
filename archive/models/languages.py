"""The languages of the archive's content: the original, and the codes of the others."""

from __future__ import annotations

# The language the archive's content is written in; translations are into the others.
ORIGINAL_LANGUAGE = "en"


def base_language(code: str | None) -> str:
    """``en-gb`` → ``en``: the content's languages are languages, not regional variants."""
    return (code or ORIGINAL_LANGUAGE).split("-")[0].lower()
