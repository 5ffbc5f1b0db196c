"""Public reads from a read replica; everything else from the primary.

Used only when DATABASE_REPLICA_URL is set (see settings). ``PublicReadsMiddleware`` marks a
GET or HEAD of a public page (a view of the ``archive`` URL namespace) as a public read, and
only such a request's reads go to the replica. Writes, the admin, management commands,
scripts, and reads while the primary is inside a transaction (which must see that
transaction's own writes) use the primary.

A replica may lag. Public pages are cached under the publication generation (archive.caching),
so a page rendered from a replica that has not yet caught up with the latest publication would
be kept under the new generation: before its first read a request compares the replica's
generation with the announced one, and reads from the primary if the replica is behind. The
generation changes in the transaction that changes what is published, and a standby replays
transactions in commit order, so a replica at the announced generation shows every change
announced. A replica that cannot be reached sends public reads to the primary for
``RETRY_SECONDS``, then is tried again; a public view whose read fails on the replica is
answered again from the primary. All three are logged (``archive.routers``). ``make
scaletest`` proves this against a real streaming standby (bench/scaletest.py).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import cast

from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.db.models import Model
from django.http import HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase

from archive.caching import current_generation
from archive.models import Publication

PRIMARY = "default"
REPLICA = "replica"
PUBLIC_NAMESPACE = "archive"
RETRY_SECONDS = 5.0

logger = logging.getLogger(__name__)
# When this process may try the replica again after failing to reach it (time.monotonic()).
_unavailable_until = [0.0]


@dataclass
class _Reads:
    """Where this request's reads go. Starts at the primary; a public view moves it."""

    alias: str = PRIMARY
    checked: bool = False
    # The public view and its arguments, to answer again from the primary should the replica
    # fail while the view reads from it.
    view: Callable[[], HttpResponseBase] | None = None


_reads: ContextVar[_Reads | None] = ContextVar("archive_reads", default=None)


class PublicReadsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        reads = _Reads()
        token = _reads.set(reads)
        try:
            response = self.get_response(request)
        finally:
            _reads.reset(token)
        if isinstance(response, StreamingHttpResponse) and not response.is_async:
            # The open-data downloads read while the server sends them, after this returns.
            # A response that is not async streams from a plain iterator.
            content = cast(Iterator[bytes], response.streaming_content)
            response.streaming_content = _reading_from(reads, content)
        return response

    def process_view(
        self,
        request: HttpRequest,
        view: Callable[..., HttpResponseBase],
        args: tuple[object, ...],
        kwargs: dict[str, object],
    ) -> None:
        match = request.resolver_match
        if request.method in ("GET", "HEAD") and match and match.namespace == PUBLIC_NAMESPACE:
            reads = _reads.get()
            if reads is not None:
                reads.alias = REPLICA
                reads.view = lambda: view(request, *args, **kwargs)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponseBase | None:
        """A public read that failed on the replica (the standby stopped or restarted under
        it, a query cancelled by a conflict with recovery) is answered again, once, from the
        primary: a public GET only reads, so doing it again changes nothing."""
        reads = _reads.get()
        if (
            reads is None
            or reads.alias != REPLICA
            or reads.view is None
            or not isinstance(exception, OperationalError | InterfaceError)
        ):
            return None
        answer_again, reads.view = reads.view, None
        reads.alias = PRIMARY
        with contextlib.suppress(DatabaseError):
            connections[REPLICA].close()
        logger.warning(
            "A public read failed on the replica (%s): answered again from the primary",
            _first_line(exception),
        )
        response = answer_again()
        render = getattr(response, "render", None)
        if callable(render) and not getattr(response, "is_rendered", True):
            response = render()
        return response


def _reading_from(reads: _Reads, content: Iterable[bytes]) -> Iterator[bytes]:
    # Set around each chunk only, so nothing else the server thread does meanwhile is routed.
    chunks = iter(content)
    while True:
        token = _reads.set(reads)
        try:
            chunk = next(chunks, None)
        finally:
            _reads.reset(token)
        if chunk is None:
            return
        yield chunk


def _replica_is_current() -> bool:
    announced, _ = current_generation()
    replica = Publication.objects.using(REPLICA).filter(pk=1).values_list("generation", flat=True)
    generation = replica.first()
    if generation is not None and generation >= announced:
        return True
    logger.info(
        "The replica is behind (publication generation %s, announced %s): "
        "this request reads from the primary",
        generation,
        announced,
    )
    return False


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _replica_is_usable() -> bool:
    """Reachable and current. Unreachable: the primary for ``RETRY_SECONDS``."""
    if time.monotonic() < _unavailable_until[0]:
        return False
    try:
        return _replica_is_current()
    except DatabaseError as error:
        _unavailable_until[0] = time.monotonic() + RETRY_SECONDS
        with contextlib.suppress(DatabaseError):
            connections[REPLICA].close()
        logger.warning(
            "The replica cannot be reached (%s): public reads go to the primary, "
            "trying it again in %s s",
            _first_line(error),
            RETRY_SECONDS,
        )
        return False


class PrimaryReplicaRouter:
    def db_for_read(self, model: type[Model], **hints: object) -> str:
        reads = _reads.get()
        if reads is None or reads.alias != REPLICA or connections[PRIMARY].in_atomic_block:
            return PRIMARY
        if not reads.checked:
            reads.checked = True
            if not _replica_is_usable():
                reads.alias = PRIMARY
                return PRIMARY
        return REPLICA

    def db_for_write(self, model: type[Model], **hints: object) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Model, obj2: Model, **hints: object) -> bool:
        return True  # one database, two ways in

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: object
    ) -> bool:
        return db == PRIMARY
