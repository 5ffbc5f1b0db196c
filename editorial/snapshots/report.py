"""What the snapshot commands print: one result per source, as text or as JSON."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from archive.models import Outcome, Snapshot


def result(snapshot: Snapshot) -> dict[str, Any]:
    """The contract of `archive_sources --json` and `check_links --json`, for one source."""
    return {
        "key": snapshot.source.key,
        "url": snapshot.url,
        "status": snapshot.outcome,
        "sha256": snapshot.sha256 or None,
        "captured_at": snapshot.captured_at.isoformat(),
        "error": snapshot.error or None,
    }


def as_json(snapshots: Sequence[Snapshot]) -> str:
    return json.dumps([result(snapshot) for snapshot in snapshots], indent=2)


def as_lines(snapshots: Sequence[Snapshot]) -> list[str]:
    lines = []
    for snapshot in snapshots:
        detail = snapshot.sha256 if snapshot.outcome == Outcome.CAPTURED else snapshot.error
        lines.append(f"{snapshot.source.key}: {snapshot.outcome} {snapshot.url} {detail}")
    counts = Counter(snapshot.outcome for snapshot in snapshots)
    lines.append(", ".join(f"{counts[outcome]} {outcome}" for outcome in Outcome.values) + ".")
    return lines
