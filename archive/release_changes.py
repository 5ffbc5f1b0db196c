"""What changed between two releases, figure by figure: the rows of CHANGES.csv.

Both sides are read from the releases' own frozen incidents.json (one incident per line, as
``archive.api.stream_json`` writes it), so the list is exactly what readers of the two
releases saw. The two sides are loaded into a throw-away SQLite file and compared there, so
memory stays flat however many incidents there are.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import IO, Any

from archive.models import Correction, ReleaseChange

Kind = ReleaseChange.Kind

CHANGE_COLUMNS = ["incident", "estimate", "change", "field", "old", "new", "note"]

# What a figure says; a change to any of these is "figure changed".
FIGURE_FIELDS = {
    "measure",
    "low",
    "best",
    "high",
    "qualifier",
    "as_written",
    "scope",
    "part_of",
    "share_low",
    "share_high",
    "share_of",
    "per",
}
ASSESSMENT_FIELDS = {"assessment", "assessment_reason"}
# Compared elsewhere (estimates, version), derived from the figures (headline,
# conflicting_estimates), moving with every publication (published_at) or given in the note
# column (corrections).
INCIDENT_SKIPPED = {
    "estimates",
    "headline",
    "conflicting_estimates",
    "version",
    "published_at",
    "corrections",
}


# Derived from the citation, the archived copy and the verification: a new capture or a
# re-verification is no change to the figure itself.
ESTIMATE_SKIPPED = {"provenance"}


@dataclass(frozen=True)
class Change:
    incident: str
    estimate: str
    change: str
    field: str
    old: str
    new: str
    note: str


def cell(value: Any) -> str:
    """A value as one CSV cell: text as it is, lists and objects as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def read_incidents(lines: IO[str]) -> Iterator[dict[str, Any]]:
    """The incidents of an incidents.json written one per line between "[" and "]"."""
    for line in lines:
        text = line.strip().removesuffix(",")
        if text in ("", "[", "]"):
            continue
        yield json.loads(text)


class Comparison:
    """Two releases' incidents side by side in a temporary SQLite file."""

    OLD, NEW = 0, 1

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path)
        self.db.executescript(
            """
            CREATE TABLE incident (side INTEGER, slug TEXT, version INTEGER, data TEXT,
                                   figures TEXT, PRIMARY KEY (side, slug));
            CREATE TABLE estimate (side INTEGER, slug TEXT, ref TEXT, data TEXT,
                                   PRIMARY KEY (side, slug, ref));
            CREATE TABLE note (slug TEXT, position INTEGER, note TEXT);
            CREATE INDEX note_slug ON note (slug, position);
            """
        )

    def load(self, side: int, incidents: Iterable[dict[str, Any]]) -> None:
        for incident in incidents:
            slug = incident["slug"]
            estimates = incident.get("estimates") or []
            rows = [
                (side, slug, estimate["ref"], json.dumps(estimate, sort_keys=True))
                for estimate in estimates
            ]
            figures = hashlib.sha256("\n".join(row[3] for row in rows).encode()).hexdigest()
            own = {k: v for k, v in incident.items() if k not in INCIDENT_SKIPPED}
            self.db.execute(
                "INSERT INTO incident VALUES (?, ?, ?, ?, ?)",
                (side, slug, incident.get("version"), json.dumps(own), figures),
            )
            self.db.executemany("INSERT INTO estimate VALUES (?, ?, ?, ?)", rows)
        self.db.commit()

    def load_notes(self, since: datetime.datetime) -> None:
        """The public corrections log's entries made since the previous release's content.

        No upper bound: a withdrawal's entry is written just after the publication counter
        moves, and an entry written while the release is built moves the counter, which
        makes the build refuse to finish."""
        entries = (
            Correction.objects.filter(created_at__gt=since)
            .order_by("created_at", "pk")
            .values_list("incident__slug", "note")
            .iterator()
        )
        self.db.executemany(
            "INSERT INTO note VALUES (?, ?, ?)",
            ((slug, position, note) for position, (slug, note) in enumerate(entries)),
        )
        self.db.commit()

    def notes(self, slug: str) -> str:
        rows = self.db.execute("SELECT note FROM note WHERE slug = ? ORDER BY position", (slug,))
        return " / ".join(note for (note,) in rows)

    def changes(self) -> Iterator[Change]:
        rows = self.db.execute(
            """
            SELECT s.slug, o.version, o.data, o.figures, n.version, n.data, n.figures
            FROM (SELECT slug FROM incident GROUP BY slug) AS s
            LEFT JOIN incident AS o ON o.side = 0 AND o.slug = s.slug
            LEFT JOIN incident AS n ON n.side = 1 AND n.slug = s.slug
            ORDER BY s.slug
            """
        )
        for slug, old_version, old_data, old_figures, new_version, new_data, new_figures in rows:
            if old_data is None:
                yield Change(slug, "", Kind.INCIDENT_ADDED, "version", "", cell(new_version), "")
                continue
            if new_data is None:
                note = self.notes(slug)
                yield Change(
                    slug, "", Kind.INCIDENT_WITHDRAWN, "version", cell(old_version), "", note
                )
                continue
            if old_version == new_version and old_data == new_data and old_figures == new_figures:
                continue
            note = self.notes(slug)
            if old_version != new_version:
                yield Change(
                    slug,
                    "",
                    Kind.INCIDENT_CORRECTED,
                    "version",
                    cell(old_version),
                    cell(new_version),
                    note,
                )
            for field, old, new in differences(json.loads(old_data), json.loads(new_data)):
                yield Change(slug, "", Kind.INCIDENT_CORRECTED, field, old, new, note)
            if old_figures != new_figures:
                yield from self.figure_changes(slug, note)

    def figure_changes(self, slug: str, note: str) -> Iterator[Change]:
        rows = self.db.execute(
            """
            SELECT r.ref, o.data, n.data
            FROM (SELECT ref FROM estimate WHERE side IN (0, 1) AND slug = ? GROUP BY ref) AS r
            LEFT JOIN estimate AS o ON o.side = 0 AND o.slug = ? AND o.ref = r.ref
            LEFT JOIN estimate AS n ON n.side = 1 AND n.slug = ? AND n.ref = r.ref
            ORDER BY r.ref
            """,
            (slug, slug, slug),
        ).fetchall()
        for ref, old_data, new_data in rows:
            if old_data is None:
                new = figure_text(json.loads(new_data))
                yield Change(slug, ref, Kind.ESTIMATE_ADDED, "", "", new, note)
            elif new_data is None:
                old = figure_text(json.loads(old_data))
                yield Change(slug, ref, Kind.ESTIMATE_REMOVED, "", old, "", note)
            elif old_data != new_data:
                for field, old, new in differences(json.loads(old_data), json.loads(new_data)):
                    if field not in ESTIMATE_SKIPPED:
                        yield Change(slug, ref, estimate_change(field), field, old, new, note)

    def close(self) -> None:
        self.db.close()


def differences(old: dict[str, Any], new: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(field, old, new) for every field that differs, in the order the record has them
    (alphabetical for a figure, which the comparison stores with sorted keys)."""
    fields = [*new, *(field for field in old if field not in new)]
    for field in fields:
        if old.get(field) != new.get(field):
            yield field, cell(old.get(field)), cell(new.get(field))


def estimate_change(field: str) -> str:
    if field in FIGURE_FIELDS:
        return Kind.FIGURE_CHANGED
    if field in ASSESSMENT_FIELDS:
        return Kind.ESTIMATE_REASSESSED
    return Kind.ESTIMATE_CORRECTED


def figure_text(estimate: dict[str, Any]) -> str:
    text = f"{estimate.get('measure')}: {estimate.get('as_written')}"
    return f"{text} ({estimate['claimant']})" if estimate.get("claimant") else text


def as_row(change: Change) -> list[str]:
    return list(astuple(change))
