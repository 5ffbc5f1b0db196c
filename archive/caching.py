"""Published pages change only when something is published, withdrawn or corrected.

A publication generation counter says when that last happened. Public responses are cached
under a key that includes it, and carry an ETag and Last-Modified from it, so a changed
archive is never served stale and an unchanged one answers conditional requests with 304.
The counter lives in the database; every worker reads a copy from the "shared" cache (a
small file cache on one machine, Redis or Memcached through CACHE_URL on several), set only
after the change has committed. Pages themselves may live in each worker's own memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from functools import wraps
from typing import Concatenate, cast, overload

from django.core.cache import cache, caches
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponseNotAllowed, HttpResponseNotModified
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import http_date, parse_etags, quote_etag, urlencode
from django.utils.translation import get_language

from archive.filters import IncidentFilter
from archive.models import IncidentVersion, IncidentVersionQuerySet, Publication

PAGE_TIMEOUT = 60 * 60 * 24


GENERATION_KEY = "archive:publication-generation"
READER_TIMEOUT = 5


def current_generation() -> tuple[int, float]:
    """The counter and the time of the last change. Every worker reads it from the shared
    cache (a file on one machine, Redis or Memcached on several), else from the database."""
    shared = caches["shared"]
    value = shared.get(GENERATION_KEY)
    if value is None:
        state = Publication.objects.get_or_create(pk=1)[0]
        value = (state.generation, state.changed_at.timestamp())
        # add, not set: a publication that committed meanwhile has already set a newer value.
        # The file cache's add is not atomic, so a reader that read the database just before
        # a publication committed could still overwrite the newer value: what a reader adds
        # lasts seconds only; what a publication announces lasts until the next one.
        shared.add(GENERATION_KEY, value, READER_TIMEOUT)
    return value


def memoised[T](name: str, compute: Callable[[], T], *parts: object) -> T:
    """``compute()`` once per publication generation (and ``parts``), then from the cache."""
    generation, _ = current_generation()
    digest = hashlib.blake2s(repr(parts).encode(), digest_size=12).hexdigest()
    key = f"archive:{name}:{generation}:{digest}"
    value: T | None = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, PAGE_TIMEOUT)
    return value


def filter_key(filterset: IncidentFilter) -> list[tuple[str, str]]:
    """What a filtered list's counts depend on: its filters, not its order, page or language."""
    return sorted((k, str(v)) for k, v in filterset.form.cleaned_data.items() if k != "ordering")


def kept_count(versions: QuerySet[IncidentVersion]) -> int:
    """How many versions the query finds, worked out once per publication generation: at a
    million incidents, counting the matches on every request costs more than reading a page.
    Keyed by the query itself (its order aside), so no two lists can share a count."""
    return memoised("count", versions.count, str(versions.order_by().query))


class Runs(Sequence[int]):
    """The keys of a list made of runs read one after another (IncidentFilter.runs), read as
    one list of ``count`` keys: a slice asks each run only for its keys that fall in it, from
    the counts kept of the runs before. Neither it nor the list is ever counted per request."""

    def __init__(self, runs: list[QuerySet[IncidentVersion]], count: int) -> None:
        self.runs = [run.values_list("pk", flat=True) for run in runs]
        self.sizes = [kept_count(run) for run in runs[:-1]]
        self.count_of_all = count

    def __len__(self) -> int:
        return self.count_of_all

    @overload
    def __getitem__(self, index: int) -> int: ...
    @overload
    def __getitem__(self, index: slice) -> list[int]: ...
    def __getitem__(self, index: int | slice) -> int | list[int]:
        if isinstance(index, int):
            if not -len(self) <= index < len(self):
                raise IndexError(index)
            position = index % len(self)
            return self[position : position + 1][0]
        start, stop = index.start or 0, len(self) if index.stop is None else index.stop
        keys: list[int] = []
        for run, size in zip(self.runs, [*self.sizes, None], strict=True):
            end = stop if size is None else min(stop, size)
            if max(start, 0) < end:
                keys += run[max(start, 0) : end]
            if size is not None:
                start, stop = start - size, stop - size
        return keys


def page_with_kept_count(
    versions: IncidentVersionQuerySet,
    per_page: int,
    number: str | None,
    language: str,
    runs: list[QuerySet[IncidentVersion]] | None = None,
) -> Page[IncidentVersion]:
    """A page of a list of published versions, in ``language``, counted once per publication
    generation and query (kept_count). ``runs``: the list as IncidentFilter.runs reads it."""
    # The page's keys first, from the list's index alone (no translation joined), then its
    # rows whole: a deep page no longer reads every earlier row in full only to skip it.
    keys = Paginator(Runs(runs or [versions], kept_count(versions)), per_page)
    numbered = keys.get_page(number)
    chosen = list(numbered.object_list)
    whole = versions.translated(language=language).order_by().filter(pk__in=chosen)
    rows = {row.pk: row for row in whole}
    # The page's paginator numbers and counts the pages; that its list is of keys is its own.
    paginator = cast("Paginator[IncidentVersion]", keys)
    return Page([rows[pk] for pk in chosen if pk in rows], numbered.number, paginator)


def publication_changed() -> None:
    """Call inside the transaction that publishes, withdraws or corrects."""
    Publication.objects.get_or_create(pk=1)
    Publication.objects.filter(pk=1).update(
        generation=F("generation") + 1, changed_at=timezone.now()
    )
    # Announce the new generation only once it is committed, so nobody renders the old
    # content under the new generation's key.
    transaction.on_commit(_announce_generation)
    caches["shared"].delete(GENERATION_KEY)


def _announce_generation() -> None:
    state = Publication.objects.get(pk=1)
    caches["shared"].set(GENERATION_KEY, (state.generation, state.changed_at.timestamp()), None)


# The query parameters the public views read. A request with any other is answered but not
# cached: junk parameters cannot fill a worker's memory with copies of one page.
KNOWN_PARAMETERS = frozenset(
    {*IncidentFilter.base_filters, "page", "p", "ordering", "since", "cursor", "lang"}
)


def cache_address(request: HttpRequest) -> str | None:
    """The request as the cache knows it: known parameters in a canonical order (the values
    of a repeated parameter keep theirs), or None when it carries any other parameter."""
    names = set(request.GET)
    if not names <= KNOWN_PARAMETERS:
        return None
    query = urlencode(
        [(name, value) for name in sorted(names) for value in request.GET.getlist(name)]
    )
    return f"{request.scheme}://{request.get_host()}{request.path}?{query}"


def etag_matches(header: str, etag: str) -> bool:
    """If-None-Match as RFC 9110 reads it: ``*`` or a list of tags, compared weakly."""
    tags = parse_etags(header)
    return tags == ["*"] or any(tag.removeprefix("W/") == etag for tag in tags)


def cached_public[**P](
    view: Callable[Concatenate[HttpRequest, P], HttpResponseBase],
) -> Callable[Concatenate[HttpRequest, P], HttpResponseBase]:
    """Serve GET and HEAD from the cache for the current generation; answer If-None-Match
    with 304; refuse every other method with 405 (these pages only read)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        generation, changed_at = current_generation()
        canonical = cache_address(request)
        address = canonical or f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
        # The address names the language already (/de/…); the key says it too, so that no
        # page is ever kept under another language's key whatever an address resolves to.
        address = f"{get_language()} {address}"
        digest = hashlib.blake2s(address.encode(), digest_size=12).hexdigest()
        etag = quote_etag(f"{generation}-{digest}")
        wanted = request.headers.get("If-None-Match", "")
        if wanted and wanted.strip() != "*" and etag_matches(wanted, etag):
            return not_modified(etag, changed_at)
        key = f"archive:page:{generation}:{digest}"
        response = cache.get(key) if canonical else None
        if response is None:
            response = view(request, *args, **kwargs)
            if response.status_code in (200, 404, 410) and not response.streaming:
                if hasattr(response, "render"):
                    response = response.render()
                if canonical:
                    cache.set(key, response, PAGE_TIMEOUT)
        if wanted.strip() == "*" and response.status_code == 200:
            return not_modified(etag, changed_at)  # "*": any current representation
        response["ETag"] = etag
        response["Last-Modified"] = http_date(changed_at)
        patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
        return response

    return wrapper


def not_modified(etag: str, changed_at: float) -> HttpResponseNotModified:
    response = HttpResponseNotModified()
    response["ETag"] = etag
    response["Last-Modified"] = http_date(changed_at)
    return response
