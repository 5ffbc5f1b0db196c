"""Asking the Internet Archive to save a source's URL too: opt-in, off by default.

Sending a URL to a third party tells it what the archive is looking at, so nothing is sent
unless the operator sets WAYBACK_SPN2 with their own keys, and never for a source marked
"never send to third parties". The documented Save Page Now 2 API is used with the operator's
keys; the anonymous endpoint is not.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings
from django.tasks import task

from archive.models import Source


def wayback_allowed(source: Source) -> bool:
    return bool(
        settings.WAYBACK_SPN2
        and settings.WAYBACK_ACCESS_KEY
        and settings.WAYBACK_SECRET_KEY
        and source.url
        and not source.never_third_parties
    )


@task
def wayback_submit(source_id: int) -> dict[str, Any]:
    """Submit the source's URL to Save Page Now 2; the answer (its job id) is the result."""
    source = Source.objects.get(pk=source_id)
    if not wayback_allowed(source):  # the flag may have been set since it was queued
        return {"submitted": False}
    request = urllib.request.Request(  # noqa: S310 (the operator's configured https endpoint)
        settings.WAYBACK_ENDPOINT,
        data=urllib.parse.urlencode({"url": source.url, "capture_outlinks": "0"}).encode(),
        headers={
            "Accept": "application/json",
            "Authorization": f"LOW {settings.WAYBACK_ACCESS_KEY}:{settings.WAYBACK_SECRET_KEY}",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=settings.SNAPSHOT_TIMEOUT) as response:  # noqa: S310
        answer = json.loads(response.read(64 * 1024) or b"{}")
    return {"submitted": True, "job_id": answer.get("job_id"), "url": answer.get("url")}
