"""The keys a long import file has given so far, each with its row, in flat memory.

A file is read in chunks so that its length does not decide the import's memory, but a key
must be unique in the whole file. The keys are kept as 64-bit digests; past a few thousand,
they go into a private SQLite table in a temporary file (deleted as soon as it is opened, so
nothing is left behind whatever happens), and memory holds only the latest few thousand.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile

IN_MEMORY = 10_000  # digests held in a dict before they are written to the table


def digest_of(key: str) -> int:
    """A signed 64-bit digest of ``key`` (SQLite's integers are signed 64-bit)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), signed=True)


class SeenKeys:
    def __init__(self) -> None:
        self.recent: dict[int, int] = {}
        self.table: sqlite3.Connection | None = None

    def row_of(self, key: str) -> int | None:
        """The row that gave ``key`` first, or None."""
        digest = digest_of(key)
        if digest in self.recent:
            return self.recent[digest]
        if self.table is None:
            return None
        found = self.table.execute("SELECT row FROM seen WHERE digest = ?", (digest,)).fetchone()
        return found[0] if found else None

    def add(self, key: str, row: int) -> None:
        self.recent[digest_of(key)] = row
        if len(self.recent) >= IN_MEMORY:
            self.flush()

    def flush(self) -> None:
        if self.table is None:
            handle, path = tempfile.mkstemp(prefix="archive-import-keys-", suffix=".sqlite3")
            os.close(handle)
            self.table = sqlite3.connect(path)
            os.unlink(path)  # the open connection keeps the file until it is closed
            self.table.executescript(
                "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
                "CREATE TABLE seen (digest INTEGER PRIMARY KEY, row INTEGER NOT NULL);"
            )
        self.table.executemany("INSERT INTO seen VALUES (?, ?)", self.recent.items())
        self.recent.clear()

    def close(self) -> None:
        self.recent.clear()
        if self.table is not None:
            self.table.close()
            self.table = None
