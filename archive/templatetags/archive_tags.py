from __future__ import annotations

import datetime
from typing import NamedTuple

from django import template
from django.template import Context
from django.template.defaultfilters import date
from django.utils.html import conditional_escape, escape
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import pgettext

from archive import locale
from archive.caching import KNOWN_PARAMETERS
from archive.locale import has_languages

register = template.Library()


@register.filter
def http_url(value: str) -> str:
    """The URL if it is a web address, else nothing: no other scheme becomes a link."""
    text = (value or "").strip()
    return text if text.lower().startswith(("http://", "https://")) else ""


class LanguageLink(NamedTuple):
    code: str
    name: str
    url: str  # the page in this language: path and query, for the switcher
    href: SafeString  # the same, absolute, for <link rel="alternate" hreflang>
    current: bool


@register.simple_tag(takes_context=True)
def page_languages(context: Context) -> list[LanguageLink]:
    """The page being rendered in every language, for the switcher and the hreflang links
    (with the query parameters the public views read);
    none for an address that exists in one form only. A page rendered without a request (an
    incident's page, stored when published) names its path as ``page_path`` and its origin
    as ``origin`` (the marker each request fills in)."""
    request = context.get("request")
    if not has_languages(request):
        return []
    if request is not None:
        # The query's filters, page and order are kept; anything else the address carries (a
        # submission's reference, junk) is not repeated into the page.
        query = urlencode(
            [
                (name, value)
                for name in request.GET
                if name in KNOWN_PARAMETERS
                for value in request.GET.getlist(name)
            ]
        )
        path = request.path + (f"?{query}" if query else "")
        origin = escape(f"{request.scheme}://{request.get_host()}")
    else:
        path, origin = context.get("page_path", ""), conditional_escape(context.get("origin") or "")
    return [
        LanguageLink(
            code=language.code,
            name=language.name,
            url=language.url,
            href=mark_safe(f"{origin}{escape(language.url)}"),  # both parts escaped
            current=language.current,
        )
        for language in locale.page_languages(path)
    ]


@register.filter
def long_date(value: datetime.date | datetime.datetime | None) -> str:
    """A day as the reader's language writes it in full ("7 April 1940" in English)."""
    # Translators: how a day is written in full on the public pages, in Django's date format
    # syntax (docs.djangoproject.com/en/stable/ref/templates/builtins/#date): "j F Y" writes
    # "7 April 1940". Use E for the month's name in the genitive where the language needs it
    # after a day: "j E Y" writes "7 kwietnia 1940", "7 апреля 1940".
    return date(value, pgettext("date format", "j F Y"))


@register.filter
def short_date(value: datetime.date | datetime.datetime | None) -> str:
    """A day with the month's name abbreviated ("7 Apr 1940" in English)."""
    # Translators: a day with the month abbreviated, in Django's date format syntax: "j M Y"
    # writes "7 Apr 1940"; "j. M Y" for German, "j N Y" where the abbreviations differ.
    return date(value, pgettext("date format", "j M Y"))
