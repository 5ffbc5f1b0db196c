"""``{% with text=version|shown %}``: a published version's text in the reader's language
(``archive.shown``), for templates."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from archive.models import IncidentVersion
from archive.shown import ShownText, shown_text

register = template.Library()


@register.filter
def shown(version: IncidentVersion) -> ShownText:
    return shown_text(version, get_language())
