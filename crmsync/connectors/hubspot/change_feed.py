"""HubSpot's change feed: a keyset read by (last-modified, id) on a one-sort search.

HubSpot search takes one sort only, so "everything after (T, id)" is two searches:
the records at exactly T with a higher id (sorted by id), then the records after T
(sorted by last-modified). When a page is cut inside one instant, only the whole
instants before it are kept and the cut instant is drained by id next, so no read
re-fetches what earlier pages delivered — even when thousands of records share one
instant after an import (their cost used to grow with every page).

Search also lags writes, so a record can surface after records modified later than it.
Once the forward read is caught up, one *sweep* re-reads the overlap window behind the
position and delivers only the ``(id, modified_at)`` pairs the shared
:class:`~crmsync.connectors.changes.ChangeCursor` has not seen (R25: nothing lost).

The sweep is paid only while something can still surface behind the position. Every
record modified before the read that last delivered records is searchable once the
search lag (the overlap) has passed since that read (``sweep_due``, this machine's
clock); the first complete sweep after that *settles* the window. A settled feed asks
one *probe* per read, the newest record at or above the floor: nothing newer than the
position means nothing changed, and the read costs that one search however many
records the window holds (after a backfill: 5,000 pairs, 25 searches before). A
count of the window would not do: a record edited again can surface late at an
older instant without changing how many records the window holds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from crmsync.connectors.base import ChangePage, RemoteRecord
from crmsync.connectors.changes import BEGINNING, ChangeCursor, fetch_limit, select_new
from crmsync.connectors.hubspot import records

ID_PROPERTY: Final = "hs_object_id"
SEARCH_RESULT_CAP: Final = 10_000
"""Search refuses to page past 10,000 results (wire facts B.4)."""


@dataclass(frozen=True, kw_only=True)
class Found:
    """What one logical search returned (all its pages) and whether more matched."""

    rows: list[RemoteRecord]
    more: bool


Search = Callable[[list[dict[str, Any]], str, int], Found]
"""Run one search: (filters ANDed in one group, sort property, row limit); a sort
property written ``-name`` sorts descending."""

SWEEP_DUE: Final = "sweep_due"
"""Cursor ``extra``: from when (epoch seconds, this machine) a sweep settles the window."""
SETTLED: Final = "settled"
"""Cursor ``extra`` flag: a complete sweep ran past ``sweep_due``; nothing can surface."""
CAUGHT_UP: Final = "caught_up"
"""Cursor ``extra`` flag: the read that made the cursor had nothing more to deliver."""


@dataclass(frozen=True, kw_only=True)
class Position:
    """Where the forward read stands: every record up to (``at``, ``after_id``) is delivered.

    ``after_id`` is ``None`` when every record at ``at`` was delivered.
    """

    at: datetime
    after_id: int | None

    def encode(self) -> dict[str, Any]:
        """The position as JSON-ready values for the cursor's ``extra``."""
        return {"at": self.at.isoformat(), "after_id": self.after_id}

    @classmethod
    def decode(cls, extra: Mapping[str, Any]) -> Position | None:
        """The position kept in a cursor's ``extra``, if any."""
        raw = extra.get("position")
        if not isinstance(raw, Mapping):
            return None
        after_id = raw.get("after_id")
        return cls(
            at=records.parse_datetime(str(raw["at"])),
            after_id=int(after_id) if after_id is not None else None,
        )


@dataclass(frozen=True, kw_only=True)
class Forward:
    """Records after a position, in (last-modified, id) order, and the new position."""

    records: list[RemoteRecord]
    position: Position | None
    full: bool


def read_forward(
    search: Search, *, object_type: str, position: Position | None, limit: int
) -> Forward:
    """Up to ``limit`` records after ``position``; ``full`` when more may follow (the
    limit was reached, or the page stops before an instant the limit cut)."""
    modified = records.modified_property(object_type)
    page: list[RemoteRecord] = []
    while len(page) < limit:
        if position is not None and position.after_id is not None:
            want = limit - len(page)
            # One row more than wanted says whether the instant goes on past this page,
            # so a drained instant is not searched again by the next page.
            ties = search(
                [_stamp(modified, "EQ", position.at), _id_after(position.after_id)],
                ID_PROPERTY,
                want + 1,
            ).rows
            if len(ties) > want:
                page.extend(ties[:want])
                return Forward(
                    records=page, position=_after(position.at, ties[want - 1].id), full=True
                )
            page.extend(ties)
            position = Position(at=position.at, after_id=None)
            if len(page) >= limit:
                return Forward(records=page, position=position, full=True)
        later = [_stamp(modified, "GT", position.at)] if position else []
        found = search(later, modified, limit - len(page))
        if not found.more:
            page.extend(found.rows)
            if found.rows:
                position = Position(at=found.rows[-1].modified_at, after_id=None)
            return Forward(records=page, position=position, full=len(page) >= limit)
        cut_at = found.rows[-1].modified_at
        page.extend(row for row in found.rows if row.modified_at < cut_at)
        # Records at the cut instant may continue past the page: they are drained by id,
        # by the next page when this one holds records (one search for the instant
        # there instead of one here and one to find it drained).
        position = Position(at=cut_at, after_id=0)
        if page:
            return Forward(records=page, position=position, full=True)
    return Forward(records=page, position=position, full=True)


def read_changes(
    search: Search,
    *,
    object_type: str,
    cursor: str | None,
    page_size: int,
    overlap: timedelta,
    clock: Callable[[], float] = time.time,
) -> ChangePage:
    """One page of changes after ``cursor``: the forward read, then the overlap sweep."""
    state = ChangeCursor.decode(cursor) if cursor else None
    now = clock()
    due = _sweep_due(state)
    settled = state is not None and bool(state.extra.get(SETTLED))
    if state is not None and cursor is not None and settled and _idle(search, object_type, state):
        return ChangePage(records=[], next_cursor=cursor, has_more=False)
    forward = read_forward(search, object_type=object_type, position=_start(state), limit=page_size)
    selected = select_new(forward.records, cursor=state, page_size=page_size, overlap=overlap)
    delivered = list(selected.records)
    cursor_after = selected.cursor
    has_more = forward.full
    room = page_size - len(delivered)
    if not forward.full and state is not None and (forward.records or not settled):
        # Caught up: re-read the overlap window for records that surfaced late, unless it
        # has settled and this read brought nothing. (A first read has no window behind
        # it; what it missed, the next read's sweep finds.)
        modified = records.modified_property(object_type)
        window = [_stamp(modified, "GTE", cursor_after.floor)]
        settling = due is not None and now >= due
        limit = min(fetch_limit(cursor_after, room), SEARCH_RESULT_CAP)
        swept = search(window, modified, limit)
        late = select_new(swept.rows, cursor=cursor_after, page_size=room, overlap=overlap)
        delivered.extend(late.records)
        cursor_after = late.cursor
        has_more = late.trimmed or (swept.more and bool(late.records))
        settled = settling and not swept.more and not late.trimmed and not forward.records
    if forward.records:
        due, settled = now + overlap.total_seconds(), False
    extra = {
        **cursor_after.extra,
        SWEEP_DUE: due,
        SETTLED: settled,
        "position": _encode(forward.position),
        CAUGHT_UP: not has_more,
    }
    return ChangePage(
        records=delivered,
        next_cursor=ChangeCursor(
            floor=cursor_after.floor, seen=cursor_after.seen, extra=extra
        ).encode(),
        has_more=has_more,
    )


def _idle(search: Search, object_type: str, state: ChangeCursor) -> bool:
    """True when one probe shows nothing modified since a settled, caught-up read."""
    position = Position.decode(state.extra)
    if not state.extra.get(CAUGHT_UP) or position is None or position.after_id is not None:
        return False
    modified = records.modified_property(object_type)
    probe = search([_stamp(modified, "GTE", state.floor)], f"-{modified}", 1)
    newest = max((row.modified_at for row in probe.rows), default=None)
    return newest is None or newest <= position.at


def _sweep_due(state: ChangeCursor | None) -> float | None:
    due = None if state is None else state.extra.get(SWEEP_DUE)
    return float(due) if isinstance(due, int | float) else None


def _start(state: ChangeCursor | None) -> Position | None:
    """Where the forward read resumes; a cursor without a position resumes at its floor."""
    if state is None:
        return None
    position = Position.decode(state.extra)
    if position is None and state.floor > BEGINNING:
        return Position(at=state.floor, after_id=0)
    return position


def _encode(position: Position | None) -> dict[str, Any] | None:
    return position.encode() if position else None


def _after(at: datetime, record_id: str) -> Position:
    return Position(at=at, after_id=int(record_id))


def _stamp(modified: str, operator: str, moment: datetime) -> dict[str, Any]:
    return {"propertyName": modified, "operator": operator, "value": records.epoch_millis(moment)}


def _id_after(record_id: int) -> dict[str, Any]:
    return {"propertyName": ID_PROPERTY, "operator": "GT", "value": str(record_id)}
