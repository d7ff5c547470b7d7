"""Salesforce's change feed: a keyset read by (SystemModstamp, Id) while behind.

SOQL can say "after (T, id)" in one statement, ordered the same way, so a backlog (a
first sync, an import) is read forward page by page without re-reading anything:
``WHERE SystemModstamp > T OR (SystemModstamp = T AND Id > 'id')``.

A record can become visible after records stamped later than it (a long transaction),
so once the forward read is caught up, the next read starts at the shared
:class:`~crmsync.connectors.changes.ChangeCursor`'s floor, an overlap window behind the
newest record delivered, and delivers only the ``(id, SystemModstamp)`` pairs it has
not seen (R25: nothing lost). That read is also the forward read (one query returns
the window and what is new after it), so a caught-up, idle feed costs one query.

Each query asks for a full query page (2,000 rows) even when the engine's page is
smaller; the rows beyond it are kept, with the cursor they follow, and the next read
from that cursor is answered from them without a call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from crmsync.connectors.base import ChangePage, RemoteRecord
from crmsync.connectors.changes import ChangeCursor, capped, fetch_limit, select_new
from crmsync.connectors.salesforce import soql

QUERY_PAGE: Final = 2000
"""Rows Salesforce returns per query call (the largest batch size)."""
MAX_SEEN: Final = 1500
"""Pairs a cursor keeps in its overlap window: the window's re-read fits one query page."""

Query = Callable[[str], list[RemoteRecord]]
"""Run one SOQL query (``queryAll``: deleted rows are changes too), every page."""


@dataclass(frozen=True, kw_only=True)
class Position:
    """Every record up to (``at``, ``after_id``) in (SystemModstamp, Id) order is delivered."""

    at: datetime
    after_id: str

    def encode(self) -> dict[str, Any]:
        """JSON-ready values for the cursor's ``extra``."""
        return {"at": self.at.isoformat(), "after_id": self.after_id}

    @classmethod
    def decode(cls, extra: Mapping[str, Any]) -> Position | None:
        """The position kept in a cursor's ``extra``, if any."""
        raw = extra.get("position")
        if not isinstance(raw, Mapping):
            return None
        return cls(at=datetime.fromisoformat(str(raw["at"])), after_id=str(raw["after_id"]))


@dataclass(frozen=True, kw_only=True)
class _Ahead:
    """Rows read past the page delivered with ``cursor``, for the read that resumes there."""

    cursor: str
    fields: tuple[str, ...]
    rows: list[RemoteRecord]
    exhausted: bool


class ChangeFeed:
    """Reads one org's changes page by page; holds the rows read ahead of the engine."""

    def __init__(self, *, overlap: timedelta, query_page: int = QUERY_PAGE) -> None:
        self._overlap = overlap
        self._query_page = query_page
        self._ahead: dict[str, _Ahead] = {}

    def read(
        self,
        query: Query,
        *,
        object_type: str,
        cursor: str | None,
        fields: Sequence[str],
        page_size: int,
    ) -> ChangePage:
        """One page of changes after ``cursor``."""
        state = ChangeCursor.decode(cursor) if cursor else None
        if state is not None:
            # A cursor from a backfill may hold every pair of its last instants.
            state = capped(state, max_seen=MAX_SEEN)
        position = Position.decode(state.extra) if state else None
        ahead = self._ahead.pop(object_type, None)
        if ahead is not None and ahead.cursor == cursor and ahead.fields == tuple(fields):
            return self._page(
                object_type,
                ahead.rows,
                state=state,
                fields=fields,
                page_size=page_size,
                exhausted=ahead.exhausted,
            )
        behind = bool(state and state.extra.get("behind"))
        if state is not None and position is not None and behind:
            limit = max(page_size, self._query_page)
            statement = soql.changes_after_query(
                object_type, fields=fields, at=position.at, after_id=position.after_id, limit=limit
            )
        else:
            limit = max(fetch_limit(state, page_size), self._query_page)
            floor = state.floor if state else None
            statement = soql.changes_query(object_type, fields=fields, floor=floor, limit=limit)
        rows = query(statement)
        return self._page(
            object_type,
            rows,
            state=state,
            fields=fields,
            page_size=page_size,
            exhausted=len(rows) < limit,
        )

    def _page(
        self,
        object_type: str,
        rows: list[RemoteRecord],
        *,
        state: ChangeCursor | None,
        fields: Sequence[str],
        page_size: int,
        exhausted: bool,
    ) -> ChangePage:
        selected = select_new(
            rows, cursor=state, page_size=page_size, overlap=self._overlap, max_seen=MAX_SEEN
        )
        delivered = selected.records
        if not delivered:
            kept = selected.cursor
            extra = {**kept.extra, "behind": False}
            following = ChangeCursor(floor=kept.floor, seen=kept.seen, extra=extra)
            return ChangePage(records=[], next_cursor=following.encode(), has_more=False)
        last = delivered[-1]
        cut = next(index for index, row in enumerate(rows) if row is last)
        rest = rows[cut + 1 :]
        has_more = bool(rest) or not exhausted
        extra = {
            **selected.cursor.extra,
            "position": Position(at=last.modified_at, after_id=last.id).encode(),
            "behind": has_more,
        }
        next_cursor = ChangeCursor(
            floor=selected.cursor.floor, seen=selected.cursor.seen, extra=extra
        ).encode()
        if rest:
            self._ahead[object_type] = _Ahead(
                cursor=next_cursor, fields=tuple(fields), rows=rest, exhausted=exhausted
            )
        return ChangePage(records=delivered, next_cursor=next_cursor, has_more=has_more)
