"""The language of a request, read from its address.

The public pages answer in every language of ``settings.LANGUAGES``: English, the original,
at the bare address (/incidents/katyn/), the others under their prefix (/de/incidents/katyn/).
The machine addresses (API, open data, feed, sitemap, robots, snapshots) have no prefix and
are always English: a program reading them gets the same bytes whatever it asks for.

Django's ``i18n_patterns`` does this for a root URLconf only, and would have put the pages and
the machine addresses into two namespaces; ``LanguagePrefix`` is the same pattern inside the
one ``archive`` namespace, so ``{% url 'archive:feed' %}`` on a German page still points at
/feed/ and ``{% url 'archive:home' %}`` at /de/.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any, NamedTuple

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import get_script_prefix
from django.utils import translation
from django.utils.cache import patch_vary_headers


def language_prefix() -> str:
    """The active language's part of an address: "" for English, "de/" for German."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    return "" if language == settings.LANGUAGE_CODE else f"{language}/"


class LanguagePrefix:
    """``django.urls.LocalePrefixPattern`` with ``prefix_default_language=False``, usable in
    an included URLconf. Resolving and reversing both follow the active language."""

    converters: dict[str, Any] = {}

    @property
    def regex(self) -> re.Pattern[str]:
        # Only reverse() reads it, once per language (its reverse dict is per language).
        return re.compile(re.escape(language_prefix()))

    def match(self, path: str) -> tuple[str, tuple[()], dict[str, Any]] | None:
        prefix = language_prefix()
        return (path.removeprefix(prefix), (), {}) if path.startswith(prefix) else None

    def check(self) -> list[Any]:
        return []

    def describe(self) -> str:
        return f"'{self}'"

    def __str__(self) -> str:
        return language_prefix()


class PathLanguageMiddleware:
    """Activates the language the address names, else English (``LANGUAGE_CODE``).

    A public page's language depends on its address only, never on the browser's
    Accept-Language or a cookie, so a cached page is the same for every reader and nothing
    varies on those headers. The admin, which no cache shares, follows the browser's
    language (Accept-Language) where a catalogue exists.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        in_admin = request.path_info.startswith("/admin/")
        language = translation.get_language_from_path(request.path_info)
        if language is None:
            language = (
                translation.get_language_from_request(request)
                if in_admin
                else settings.LANGUAGE_CODE
            )
        # The caller's language comes back afterwards: a German request leaves no German behind
        # for whatever the thread (a test, a worker) does next.
        previous = translation.get_language()
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        try:
            response = self.get_response(request)
        finally:
            if previous:
                translation.activate(previous)
            else:
                translation.deactivate_all()
        if in_admin:
            patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class PageLanguage(NamedTuple):
    """One language of the page being read: its code, its name in itself, the page's address
    in it (path and query) and whether it is the page's own."""

    code: str
    name: str
    url: str
    current: bool


@cache
def page_names() -> frozenset[str]:
    """The names of the addresses that exist in every language."""
    from archive.public_urls import pages

    return frozenset(pattern.name for pattern in pages if pattern.name)


def page_languages(path: str) -> list[PageLanguage]:
    """The page at ``path`` (with its query) in every language, the active one marked.

    ``path`` is an address of the active language; the others are the same address under
    their prefix, English without one."""
    script, active = get_script_prefix(), translation.get_language() or settings.LANGUAGE_CODE
    # Leading slashes dropped: "/de//example.org/" (a 404 page) must not link "//example.org/",
    # which a browser reads as another site.
    rest = path.removeprefix(script).removeprefix(language_prefix()).lstrip("/")
    return [
        PageLanguage(
            code=code,
            name=name,
            url=f"{script}{'' if code == settings.LANGUAGE_CODE else code + '/'}{rest}",
            current=code == active,
        )
        for code, name in settings.LANGUAGES
    ]


def has_languages(request: HttpRequest | None) -> bool:
    """Whether the request's page exists in every language: a public page, or an address
    that matched none (a 404 page reads the same in every language)."""
    if request is None:
        return True
    match = getattr(request, "resolver_match", None)
    return match is None or (match.namespace == "archive" and match.url_name in page_names())
