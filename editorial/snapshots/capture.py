"""A capture of a source's URL, recorded as a Snapshot row and a WARC file."""

from __future__ import annotations

import hashlib
import platform
import uuid
from dataclasses import dataclass
from importlib.metadata import version

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.utils import timezone

from archive.caching import publication_changed
from archive.models import Outcome, Snapshot, Source
from archive.pages import forget_pages_with
from archive.warc import warc_bytes
from editorial.snapshots.fetch import fetch

# The capturing software, as each snapshot and its WARC file name it. Raise CAPTURE_VERSION
# when what a capture stores changes.
CAPTURE_VERSION = "1"


def software() -> str:
    return (
        f"incident-archive-snapshots/{CAPTURE_VERSION} warcio/{version('warcio')} "
        f"python/{platform.python_version()}"
    )


def snapshot_storage() -> Storage:
    return storages["snapshots"]


@dataclass(frozen=True)
class Capture:
    snapshot: Snapshot
    # Worth another try later: no answer at all, or a 5xx or 429 answer.
    retryable: bool


def source_capture(*, source: Source, trigger: str, attempt: int = 1) -> Capture:
    """Fetch ``source.url`` now and record what happened as a new Snapshot (never changing an
    old one). Called by the worker and the commands, never in a web request."""
    captured_at = timezone.now()
    fetched = fetch(source.url)
    snapshot = Snapshot(
        source=source,
        url=source.url,
        captured_at=captured_at,
        software=software(),
        outcome=fetched.outcome,
        error=fetched.error,
        trigger=trigger,
        attempt=attempt,
        redirects=[{"url": hop.url, "status": hop.status} for hop in fetched.hops[:-1]],
    )
    final = fetched.final
    if final is not None and fetched.outcome != Outcome.REFUSED:
        snapshot.final_url = final.url
        snapshot.http_status = final.status
        snapshot.content_type = dict((k.lower(), v) for k, v in final.headers).get(
            "content-type", ""
        )[:200]
        snapshot.size = len(final.body)
        snapshot.sha256 = fetched.sha256
        name = f"{source.key}/{captured_at:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:12]}.warc.gz"
        data = warc_bytes(
            hops=fetched.hops, software=snapshot.software, captured_at=captured_at, name=name
        )
        snapshot.warc_file = snapshot_storage().save(name, ContentFile(data))
        snapshot.warc_sha256 = hashlib.sha256(data).hexdigest()
    elif fetched.hops:
        # Refused on a redirect: the hops before it are recorded, nothing is stored.
        snapshot.redirects = [{"url": hop.url, "status": hop.status} for hop in fetched.hops]
    snapshot_record(snapshot)
    retryable = fetched.outcome == Outcome.FAILED and fetched.retryable
    return Capture(snapshot=snapshot, retryable=retryable)


@transaction.atomic
def snapshot_record(snapshot: Snapshot) -> Snapshot:
    """Save a new snapshot; the published pages that cite its source show its newest copy and
    whether the original is gone, so they are rendered again."""
    snapshot.save()
    if Source.objects.published().filter(pk=snapshot.source_id).exists():
        publication_changed()
        forget_pages_with(snapshot.source)
    return snapshot
