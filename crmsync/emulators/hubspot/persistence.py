"""Where the account's data lives between restarts: nowhere (memory only) or a SQLite file.

The store keeps everything in dicts and writes each change through to this layer, so reads
never touch SQLite; a restart loads the whole file back into memory.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

AssociationRow = tuple[str, int, str, int, list[int]]


@dataclass(kw_only=True)
class Snapshot:
    """Everything a data file holds, as loaded at start."""

    records: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)
    associations: list[AssociationRow] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)


class Persistence(Protocol):
    """Write-through target for the in-memory store."""

    def save_records(self, object_type: str, rows: list[tuple[int, dict[str, Any]]]) -> None:
        """Insert or replace whole records."""

    def save_associations(self, rows: list[AssociationRow]) -> None:
        """Insert or replace association pairs; an empty type list deletes the pair."""

    def save_meta(self, key: str, value: Any) -> None:
        """Insert or replace one JSON document (properties, lists, counters, ...)."""

    def load(self) -> Snapshot:
        """Everything saved so far."""

    def clear(self) -> None:
        """Forget everything (the reset hook)."""


class MemoryPersistence:
    """Keeps nothing: data lives as long as the process."""

    def save_records(self, object_type: str, rows: list[tuple[int, dict[str, Any]]]) -> None:
        """Nothing to do."""

    def save_associations(self, rows: list[AssociationRow]) -> None:
        """Nothing to do."""

    def save_meta(self, key: str, value: Any) -> None:
        """Nothing to do."""

    def load(self) -> Snapshot:
        """Always empty."""
        return Snapshot()

    def clear(self) -> None:
        """Nothing to do."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    object_type TEXT NOT NULL, id INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (object_type, id));
CREATE TABLE IF NOT EXISTS associations (
    from_type TEXT NOT NULL, from_id INTEGER NOT NULL, to_type TEXT NOT NULL,
    to_id INTEGER NOT NULL, type_ids TEXT NOT NULL,
    PRIMARY KEY (from_type, from_id, to_type, to_id));
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, body TEXT NOT NULL);
"""


class SqlitePersistence:
    """One SQLite file; every call commits, so a crash loses nothing already answered."""

    def __init__(self, *, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        # WAL + NORMAL keeps a batch of 100 writes to one fsync-free commit.
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)

    def save_records(self, object_type: str, rows: list[tuple[int, dict[str, Any]]]) -> None:
        """Insert or replace whole records in one transaction."""
        with self._lock, self._conn:
            self._conn.executemany(
                "INSERT OR REPLACE INTO records (object_type, id, body) VALUES (?, ?, ?)",
                [(object_type, rid, json.dumps(body, separators=(",", ":"))) for rid, body in rows],
            )

    def save_associations(self, rows: list[AssociationRow]) -> None:
        """Insert, replace or (empty type list) delete association pairs."""
        keep = [(f, fi, t, ti, json.dumps(ids)) for f, fi, t, ti, ids in rows if ids]
        drop = [(f, fi, t, ti) for f, fi, t, ti, ids in rows if not ids]
        with self._lock, self._conn:
            if keep:
                self._conn.executemany(
                    "INSERT OR REPLACE INTO associations VALUES (?, ?, ?, ?, ?)", keep
                )
            if drop:
                self._conn.executemany(
                    "DELETE FROM associations WHERE from_type=? AND from_id=? AND to_type=? "
                    "AND to_id=?",
                    drop,
                )

    def save_meta(self, key: str, value: Any) -> None:
        """Insert or replace one JSON document."""
        with self._lock, self._conn:
            self._conn.execute(
                "INSERT OR REPLACE INTO meta (key, body) VALUES (?, ?)", (key, json.dumps(value))
            )

    def load(self) -> Snapshot:
        """Read the whole file."""
        snap = Snapshot()
        with self._lock:
            for object_type, rid, body in self._conn.execute(
                "SELECT object_type, id, body FROM records"
            ):
                snap.records.setdefault(object_type, {})[rid] = json.loads(body)
            for f, fi, t, ti, ids in self._conn.execute("SELECT * FROM associations"):
                snap.associations.append((f, fi, t, ti, json.loads(ids)))
            for key, body in self._conn.execute("SELECT key, body FROM meta"):
                snap.meta[key] = json.loads(body)
        return snap

    def clear(self) -> None:
        """Delete every row."""
        with self._lock, self._conn:
            for table in ("records", "associations", "meta"):
                self._conn.execute(f"DELETE FROM {table}")

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._conn.close()
