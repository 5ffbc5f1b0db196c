"""The archived copies of sources, as the public reads them: only copies of sources that a
published incident cites; every other snapshot stays private."""

from __future__ import annotations

import base64
import hashlib

from django.core.files.storage import storages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from archive.models import Snapshot
from archive.warc import final_payload

# A copy is someone else's page served from the archive's address: it runs no script, loads
# nothing, cannot submit or navigate, and is an origin of its own (sandbox without
# allow-same-origin), so it can neither read nor act on the archive's pages or cookies.
COPY_POLICY = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def _published_snapshot(key: str, pk: int) -> tuple[Snapshot, bytes]:
    snapshot = get_object_or_404(
        Snapshot.objects.published().select_related("source"), source__key=key, pk=pk
    )
    try:
        with storages["snapshots"].open(snapshot.warc_file) as warc:
            return snapshot, warc.read()
    except FileNotFoundError:
        raise Http404("The stored file of this copy is missing.") from None


def _facts(response: HttpResponse, snapshot: Snapshot) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, noarchive"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=86400, immutable"  # a snapshot never changes
    response["Link"] = f'<{snapshot.url}>; rel="original"'
    response["Memento-Datetime"] = snapshot.captured_at.strftime("%a, %d %b %Y %H:%M:%S GMT")
    return response


def copy_response(snapshot: Snapshot, data: bytes) -> HttpResponse:
    """The body of the answer as it was captured, with its original type; its SHA-256 is the
    snapshot's (the Repr-Digest header carries it too)."""
    payload = final_payload(data)
    if payload is None:
        raise Http404("This copy holds no answer.")
    response = HttpResponse(payload.body, content_type=snapshot.content_type or "text/plain")
    response["Content-Security-Policy"] = COPY_POLICY
    digest = base64.b64encode(hashlib.sha256(payload.body).digest()).decode()
    response["Repr-Digest"] = f"sha-256=:{digest}:"
    return _facts(response, snapshot)


@require_safe
def snapshot(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    return copy_response(*_published_snapshot(key, pk))


@require_safe
def snapshot_warc(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    """The WARC file as stored (its SHA-256 is the snapshot's warc_sha256)."""
    snapshot, data = _published_snapshot(key, pk)
    response = HttpResponse(data, content_type="application/warc")
    response["Content-Disposition"] = f'attachment; filename="{key}-{snapshot.pk}.warc.gz"'
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return _facts(response, snapshot)
