"""Captures run by the worker (`manage.py db_worker`), never in a web request.

A capture that got no answer, or a 5xx or 429 answer, is tried again later: the failed attempt
stays recorded as its own snapshot, and the next is queued SNAPSHOT_RETRY_DELAY seconds after
it, then twice as long, four times... until SNAPSHOT_MAX_ATTEMPTS attempts were made.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.tasks import task

from archive.models import Snapshot, Source, Trigger
from editorial.snapshots.capture import source_capture
from editorial.snapshots.wayback import wayback_allowed, wayback_submit


def retry_delay(attempt: int) -> datetime.timedelta:
    """How long to wait after failed attempt number ``attempt`` (1, 2, ...)."""
    return datetime.timedelta(seconds=settings.SNAPSHOT_RETRY_DELAY * 2 ** (attempt - 1))


def source_capture_or_retry(*, source: Source, trigger: str, attempt: int = 1) -> Snapshot:
    """Capture now; after a failure worth another try, queue the next attempt."""
    capture = source_capture(source=source, trigger=trigger, attempt=attempt)
    if capture.retryable and attempt < settings.SNAPSHOT_MAX_ATTEMPTS:
        run_after = capture.snapshot.captured_at + retry_delay(attempt)
        capture_source.using(run_after=run_after).enqueue(source.pk, str(trigger), attempt + 1)
    return capture.snapshot


@task
def capture_source(source_id: int, trigger: str, attempt: int = 1) -> str:
    """Capture a source's URL; returns the outcome (or "skipped" when it has no URL now)."""
    source = Source.objects.filter(pk=source_id).first()
    if source is None or not source.url:
        return "skipped"
    return source_capture_or_retry(source=source, trigger=trigger, attempt=attempt).outcome


def capture_queue(*, source: Source, trigger: str = Trigger.SAVED) -> None:
    """Queue a capture of ``source`` once the current transaction commits (none if it rolls
    back, as an import's dry run does), and its submission to the Internet Archive when the
    operator turned that on and the source allows it."""
    if source.url:
        source_id = source.pk
        transaction.on_commit(lambda: capture_source.enqueue(source_id, str(trigger)))
    if wayback_allowed(source):
        transaction.on_commit(lambda: wayback_submit.enqueue(source.pk))
