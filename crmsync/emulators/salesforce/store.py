"""An org's records in memory: rows by object and id, value indexes, and undo for rollback.

Rows are plain dicts in Salesforce JSON form and are never changed in place: a write puts
a new dict. That makes rollback (composite ``allOrNone``) a matter of putting back the
previous dicts, and lets query results hold rows without copying them. Persistence is a
listener told which rows changed when a unit of work commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

Row = dict[str, Any]
FlushListener = Callable[[list[tuple[str, str, Row | None]]], None]


def index_key(value: Any) -> str | None:
    """The case-insensitive form of an indexed value (None for blanks)."""
    if value is None or value == "":
        return None
    return str(value).casefold()


class RecordStore:
    """Rows of every object of one org, with O(1) id lookups and per-field value indexes."""

    def __init__(self) -> None:
        self._rows: dict[str, dict[str, Row]] = defaultdict(dict)
        self._object_of: dict[str, tuple[str, str]] = {}  # upper-cased id → (object, id)
        self._indexed: dict[str, set[str]] = defaultdict(set)  # object → indexed fields
        self._indexes: dict[tuple[str, str], dict[str, set[str]]] = {}
        self._undo: list[tuple[str, str, Row | None]] = []
        self._dirty: dict[tuple[str, str], None] = {}
        self.listener: FlushListener | None = None

    # reads ---------------------------------------------------------------------------
    def rows(self, sobject: str) -> Iterable[Row]:
        """Every row of ``sobject`` in creation order, deleted ones included."""
        return self._rows.get(sobject, {}).values()

    def count(self, sobject: str) -> int:
        """How many rows ``sobject`` has (deleted included)."""
        return len(self._rows.get(sobject, {}))

    def get(self, record_id: str) -> tuple[str, Row] | None:
        """``(object, row)`` of an 18-character id, compared case-insensitively."""
        found = self._object_of.get(record_id.upper())
        if found is None:
            return None
        sobject, canonical = found
        return sobject, self._rows[sobject][canonical]

    def find(self, sobject: str, field: str, value: Any) -> list[Row]:
        """Live (not deleted) rows whose indexed ``field`` equals ``value`` case-insensitively."""
        key = index_key(value)
        if key is None:
            return []
        index = self._index(sobject, field)
        rows = self._rows[sobject]
        return [rows[record_id] for record_id in index.get(key, ())]

    def _index(self, sobject: str, field: str) -> dict[str, set[str]]:
        index = self._indexes.get((sobject, field))
        if index is None:
            index = defaultdict(set)
            for record_id, row in self._rows.get(sobject, {}).items():
                key = index_key(row.get(field))
                if key is not None and not row.get("IsDeleted"):
                    index[key].add(record_id)
            self._indexes[(sobject, field)] = index
            self._indexed[sobject].add(field)
        return index

    # writes --------------------------------------------------------------------------
    def put(self, sobject: str, row: Row) -> None:
        """Insert or replace a row (keyed by its ``Id``)."""
        record_id = row["Id"]
        previous = self._rows[sobject].get(record_id)
        self._undo.append((sobject, record_id, previous))
        self._apply(sobject, record_id, row)

    def remove(self, sobject: str, record_id: str) -> None:
        """Erase a row entirely (hard delete)."""
        previous = self._rows[sobject].get(record_id)
        if previous is not None:
            self._undo.append((sobject, record_id, previous))
            self._apply(sobject, record_id, None)

    def _apply(self, sobject: str, record_id: str, row: Row | None) -> None:
        rows = self._rows[sobject]
        previous = rows.get(record_id)
        for field in self._indexed.get(sobject, ()):
            index = self._indexes[(sobject, field)]
            if previous is not None and not previous.get("IsDeleted"):
                old = index_key(previous.get(field))
                if old is not None:
                    index[old].discard(record_id)
            if row is not None and not row.get("IsDeleted"):
                new = index_key(row.get(field))
                if new is not None:
                    index[new].add(record_id)
        if row is None:
            rows.pop(record_id, None)
            self._object_of.pop(record_id.upper(), None)
        else:
            rows[record_id] = row
            self._object_of[record_id.upper()] = (sobject, record_id)
        self._dirty[(sobject, record_id)] = None

    # units of work -------------------------------------------------------------------
    def savepoint(self) -> int:
        """A marker to roll back to."""
        return len(self._undo)

    def rollback_to(self, savepoint: int) -> None:
        """Undo every write made after ``savepoint``."""
        while len(self._undo) > savepoint:
            sobject, record_id, previous = self._undo.pop()
            self._apply(sobject, record_id, previous)

    def commit(self) -> None:
        """Forget the undo log and hand the changed rows to the listener."""
        self._undo.clear()
        if not self._dirty:
            return
        changes = [
            (sobject, record_id, self._rows[sobject].get(record_id))
            for sobject, record_id in self._dirty
        ]
        self._dirty.clear()
        if self.listener is not None:
            self.listener(changes)

    @contextmanager
    def unit_of_work(self) -> Iterator[None]:
        """Commit on success; roll everything back if the block raises."""
        savepoint = self.savepoint()
        try:
            yield
        except BaseException:
            self.rollback_to(savepoint)
            raise
        self.commit()

    def load(self, sobject: str, row: Row) -> None:
        """Put a row without logging or persisting it (startup from the data file)."""
        self._apply(sobject, row["Id"], row)
        self._dirty.pop((sobject, row["Id"]), None)

    def clear(self) -> None:
        """Forget every row and index."""
        self._rows.clear()
        self._object_of.clear()
        self._indexed.clear()
        self._indexes.clear()
        self._undo.clear()
        self._dirty.clear()
