"""What a long import keeps of every row, in flat memory: the keys the file has given (a key
must be unique in the whole file, though the file is read in chunks) and the drafts it wrote
to (each gets one history entry at the end).

Each is a map of integers. The latest few thousand entries are held in a dict; the others go
into a private SQLite table in a temporary file, deleted as soon as it is opened, so nothing is
left behind whatever happens.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
from collections.abc import Iterator

IN_MEMORY = 10_000  # entries held in a dict before they are written to the table


def digest_of(key: str) -> int:
    """A signed 64-bit digest of ``key`` (SQLite's integers are signed 64-bit)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), signed=True)


class SpillingMap:
    """A map of integers to integers that keeps the first value given for a key and gives its
    entries back in the order their keys were first given."""

    def __init__(self) -> None:
        self.recent: dict[int, int] = {}
        self.table: sqlite3.Connection | None = None
        self.written = 0

    def get(self, key: int) -> int | None:
        if key in self.recent:
            return self.recent[key]
        if self.table is None:
            return None
        found = self.table.execute("SELECT value FROM map WHERE key = ?", (key,)).fetchone()
        return found[0] if found else None

    def __getitem__(self, key: int) -> int:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, int) and self.get(key) is not None

    def add(self, key: int, value: int) -> None:
        if self.get(key) is not None:
            return
        self.recent[key] = value
        if len(self.recent) >= IN_MEMORY:
            self.flush()

    def __len__(self) -> int:
        return self.written + len(self.recent)

    def items(self) -> Iterator[tuple[int, int]]:
        if self.table is not None:
            yield from self.table.execute("SELECT key, value FROM map ORDER BY rowid")
        yield from list(self.recent.items())

    def __iter__(self) -> Iterator[int]:
        return (key for key, _ in self.items())

    def flush(self) -> None:
        if self.table is None:
            handle, path = tempfile.mkstemp(prefix="archive-import-", suffix=".sqlite3")
            os.close(handle)
            self.table = sqlite3.connect(path)
            os.unlink(path)  # the open connection keeps the file until it is closed
            self.table.executescript(
                "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
                "CREATE TABLE map (key INTEGER NOT NULL UNIQUE, value INTEGER NOT NULL);"
            )
        self.table.executemany("INSERT INTO map VALUES (?, ?)", self.recent.items())
        self.written += len(self.recent)
        self.recent.clear()

    def close(self) -> None:
        self.recent.clear()
        self.written = 0
        if self.table is not None:
            self.table.close()
            self.table = None


class SeenKeys:
    """The keys a file has given so far, as 64-bit digests, each with the row that gave it."""

    def __init__(self) -> None:
        self.rows = SpillingMap()

    def row_of(self, key: str) -> int | None:
        """The row that gave ``key`` first, or None."""
        return self.rows.get(digest_of(key))

    def add(self, key: str, row: int) -> None:
        self.rows.add(digest_of(key), row)

    def close(self) -> None:
        self.rows.close()
