"""Published pages change only when something is published, withdrawn or corrected.

A publication generation counter says when that last happened. Public responses are cached
under a key that includes it, and carry an ETag and Last-Modified from it, so a changed
archive is never served stale and an unchanged one answers conditional requests with 304.
The counter lives in the database and is read on every request (one primary-key lookup),
so each worker may keep pages in its own memory (the default) or share them through Redis
or Memcached (CACHE_URL) without ever serving a page from before the last change.
"""

from __future__ import annotations

import hashlib
from functools import wraps

from django.core.cache import cache
from django.db.models import F
from django.http import HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import http_date, quote_etag

from archive.models import Publication

PAGE_TIMEOUT = 60 * 60 * 24


def current_generation() -> tuple[int, float]:
    """The counter and the time of the last change, read from the database on every request:
    one primary-key lookup, and no worker can ever serve a page older than the last publish."""
    row = Publication.objects.values_list("generation", "changed_at").filter(pk=1).first()
    if row is None:
        state = Publication.objects.get_or_create(pk=1)[0]
        row = (state.generation, state.changed_at)
    return row[0], row[1].timestamp()


def memoised(name: str, compute, *parts: object):
    """``compute()`` once per publication generation (and ``parts``), then from the cache."""
    generation, _ = current_generation()
    digest = hashlib.blake2s(repr(parts).encode(), digest_size=12).hexdigest()
    key = f"archive:{name}:{generation}:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, PAGE_TIMEOUT)
    return value


def publication_changed() -> None:
    """Call inside the transaction that publishes, withdraws or corrects."""
    Publication.objects.get_or_create(pk=1)
    Publication.objects.filter(pk=1).update(
        generation=F("generation") + 1, changed_at=timezone.now()
    )


def cached_public(view):
    """Serve from the cache for the current generation; answer If-None-Match with 304."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        generation, changed_at = current_generation()
        address = f"{request.get_host()}{request.get_full_path()}"
        digest = hashlib.blake2s(address.encode(), digest_size=12).hexdigest()
        etag = quote_etag(f"{generation}-{digest}")
        if etag in request.headers.get("If-None-Match", ""):
            return not_modified(etag, changed_at)
        key = f"archive:page:{generation}:{digest}"
        response = cache.get(key)
        if response is None:
            response = view(request, *args, **kwargs)
            if response.status_code in (200, 404, 410) and not response.streaming:
                if hasattr(response, "render"):
                    response = response.render()
                cache.set(key, response, PAGE_TIMEOUT)
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


def reference_changed(sender, **kwargs) -> None:
    publication_changed()
