"""``{% with text=version|shown %}``: a published version's text in the reader's language
(``archive.shown``), for templates; ``incident|shown_related_title``: a related incident's title."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from archive.models import Incident, IncidentVersion
from archive.shown import ShownField, ShownText, shown_text, shown_title

register = template.Library()


@register.filter
def shown(version: IncidentVersion) -> ShownText:
    return shown_text(version, get_language())


@register.filter
def shown_related_title(incident: Incident) -> ShownField:
    return shown_title(incident, get_language())
