"""Request bodies refused by their declared size before anything reads them."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext

from archive.sizes import size_text


def declared_length(request: HttpRequest) -> int:
    """The body's length as the request declares it; Django reads no more than this, and
    nothing at all when it is missing or not a number."""
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


class RequestBodyLimitMiddleware:
    """Answers 413 to a request whose body is larger than its sender may send: a visitor who
    is not signed in at most ``ANONYMOUS_MAX_BODY_BYTES`` (the login form is far smaller), a
    signed-in user at most ``MAX_BODY_BYTES`` (an import file and its form). It runs before
    the CSRF check, which reads the whole body, spooling uploads to disk, to find its token."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = declared_length(request)
        if length > settings.ANONYMOUS_MAX_BODY_BYTES:
            signed_in = request.user.is_authenticated
            limit = settings.MAX_BODY_BYTES if signed_in else settings.ANONYMOUS_MAX_BODY_BYTES
            if length > limit:
                return too_large(length, limit, signed_in=signed_in)
        return self.get_response(request)


def too_large(length: int, limit: int, *, signed_in: bool) -> HttpResponse:
    if signed_in:
        text = gettext("This request's body is {size}; the limit is {limit}.")
    else:
        text = gettext(
            "This request's body is {size}; the limit for a visitor who is not signed in is "
            "{limit}."
        )
    return HttpResponse(
        text.format(size=size_text(length), limit=size_text(limit)) + "\n",
        status=413,
        content_type="text/plain; charset=utf-8",
    )
