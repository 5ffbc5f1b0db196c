"""Sizes in bytes as people read them, in the page's language."""

from __future__ import annotations

from django.utils.translation import gettext, ngettext

MIB = 1024 * 1024


def size_text(size: int) -> str:
    """A byte count as people read it: 20 MB, 1.5 MB, 64 KB, 100 bytes."""
    if size >= MIB:
        # Translators: a file's size in megabytes. (The English says "bytes" for one byte too.)
        return gettext("{size} MB").format(size=f"{size / MIB:,.1f}".removesuffix(".0"))
    if size >= 1024:
        # Translators: a file's size in kilobytes.
        return gettext("{size} KB").format(size=f"{size / 1024:,.0f}")
    return ngettext("{size} bytes", "{size} bytes", size).format(size=f"{size:,}")
