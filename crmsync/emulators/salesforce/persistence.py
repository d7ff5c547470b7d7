"""Write-through persistence of the emulator's orgs in one SQLite file.

The working set stays in memory; each committed unit of work writes its changed rows in
one SQLite transaction, so a restart with the same ``--data`` file finds every record,
custom field and setting again. API usage, jobs, query cursors and the clock are not
kept (they are short-lived by nature).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from crmsync.emulators.salesforce.store import Row

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    org TEXT NOT NULL, sobject TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (org, id));
CREATE TABLE IF NOT EXISTS org_state (
    org TEXT NOT NULL, key TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (org, key));
"""


class DataFile:
    """One SQLite file holding every org's rows and state."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # The emulator serves from one event-loop thread, which may not be the thread
        # that opened the file, so the same-thread check is off; access stays serial.
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def write_rows(self, org: str, changes: list[tuple[str, str, Row | None]]) -> None:
        """Store (or erase, for None) each changed row, in one transaction."""
        upserts = [
            (org, sobject, record_id, json.dumps(row, separators=(",", ":")))
            for sobject, record_id, row in changes
            if row is not None
        ]
        deletes = [(org, record_id) for _sobject, record_id, row in changes if row is None]
        with self._transaction():
            if upserts:
                self._db.executemany(
                    "INSERT OR REPLACE INTO records (org, sobject, id, body) VALUES (?,?,?,?)",
                    upserts,
                )
            if deletes:
                self._db.executemany("DELETE FROM records WHERE org = ? AND id = ?", deletes)

    def read_rows(self, org: str) -> Iterator[tuple[str, Row]]:
        """Every stored ``(object, row)`` of ``org`` in insertion order."""
        cursor = self._db.execute(
            "SELECT sobject, body FROM records WHERE org = ? ORDER BY rowid", (org,)
        )
        for sobject, body in cursor:
            yield sobject, json.loads(body)

    def write_state(self, org: str, key: str, value: Any) -> None:
        """Store one JSON value of an org's state (settings, custom fields, id counter)."""
        self._db.execute(
            "INSERT OR REPLACE INTO org_state (org, key, body) VALUES (?,?,?)",
            (org, key, json.dumps(value)),
        )

    def read_state(self, org: str, key: str) -> Any:
        """A stored state value, or None."""
        found = self._db.execute(
            "SELECT body FROM org_state WHERE org = ? AND key = ?", (org, key)
        ).fetchone()
        return json.loads(found[0]) if found else None

    def clear(self, org: str) -> None:
        """Forget everything about ``org``."""
        with self._transaction():
            self._db.execute("DELETE FROM records WHERE org = ?", (org,))
            self._db.execute("DELETE FROM org_state WHERE org = ?", (org,))

    def close(self) -> None:
        """Close the file."""
        self._db.close()

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._db.execute("COMMIT" if exc_type is None else "ROLLBACK")
