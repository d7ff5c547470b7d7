"""A first read of a HubSpot object by the CRM objects list, then the search feed.

A feed with no cursor (a backfill) reads every record anyway, so it reads them with
``GET /crm/v3/objects/{type}`` (``basic_api.get_page``) rather than search: the list
is not under search's 5-a-second limit (only the account's general burst limit), it
reads the primary store (no search lag, so no overlap sweep for what it returned),
and it is paged by id with an opaque ``after`` token. Its pages hold 100 records,
so up to ``page_size`` records (ten list pages for 1,000) make one feed page.

Paging by id does not see a record modified during the read whose id it has already
passed. So before the first list page, one search asks for the newest searchable
record (its last-modified instant, on HubSpot's clock: ``since``). A record modified
after that search carries a later instant, and when the list is done the cursor hands
over to the search feed (:mod:`.change_feed`) positioned at ``since``: its next read
delivers everything modified after it, records that surface late (search lag) through
its overlap sweep as usual (R25: nothing lost). Listed records modified after
``since`` (or at it) are kept as seen pairs (up to ``MAX_SEEN``; beyond that they are delivered
once more, unchanged), so the next read does not deliver them again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from crmsync.connectors.base import ChangePage, RemoteRecord
from crmsync.connectors.changes import BEGINNING, DEFAULT_MAX_SEEN, ChangeCursor
from crmsync.connectors.hubspot import records
from crmsync.connectors.hubspot.change_feed import (
    CAUGHT_UP,
    SETTLED,
    SWEEP_DUE,
    Position,
    Search,
)

LIST_PAGE: Final = 100
"""Most records one list call returns (wire facts: ``limit`` at most 100)."""
LISTING: Final = "listing"
"""Cursor ``extra``: the list read under way (``after`` token and ``since`` instant)."""
MAX_SEEN: Final = DEFAULT_MAX_SEEN


@dataclass(frozen=True, kw_only=True)
class Listed:
    """One list call's records and the token of the next page (``None``: the last)."""

    rows: list[RemoteRecord]
    after: str | None


ListPage = Callable[[str | None, int], Listed]
"""Read one list page: (``after`` token or ``None`` for the first, row limit)."""


def applies(cursor: str | None) -> bool:
    """True when ``cursor`` starts or continues a list read (no cursor: a backfill)."""
    return cursor is None or LISTING in ChangeCursor.decode(cursor).extra


def read_changes(
    list_page: ListPage,
    search: Search,
    *,
    object_type: str,
    cursor: str | None,
    page_size: int,
    overlap: timedelta,
    clock: Callable[[], float] = time.time,
) -> ChangePage:
    """Up to ``page_size`` listed records; the last page's cursor is a search feed's."""
    state = ChangeCursor.decode(cursor) if cursor else None
    listing: Mapping[str, Any] = state.extra.get(LISTING, {}) if state else {}
    if state is None:
        since = _newest(search, object_type)
        after: str | None = None
        seen: set[tuple[str, datetime]] = set()
    else:
        since = records.parse_datetime(str(listing["since"])) if listing.get("since") else None
        after = str(listing["after"])
        seen = set(state.seen)
    page: list[RemoteRecord] = []
    while len(page) < page_size:
        listed = list_page(after, min(LIST_PAGE, page_size - len(page)))
        page.extend(listed.rows)
        after = listed.after
        if after is None:
            break
    for row in page:
        if since is not None and row.modified_at >= since and len(seen) < MAX_SEEN:
            seen.add((row.id, row.modified_at))
    floor = since or BEGINNING
    if after is not None:
        extra = {LISTING: {"after": after, "since": since.isoformat() if since else None}}
        next_cursor = ChangeCursor(floor=floor, seen=frozenset(seen), extra=extra)
        return ChangePage(records=page, next_cursor=next_cursor.encode(), has_more=True)
    # Done: the search feed resumes after ``since``; its window is swept until the
    # search lag has passed (records modified during the read may surface late).
    handover = {
        SWEEP_DUE: clock() + overlap.total_seconds(),
        SETTLED: False,
        "position": Position(at=since, after_id=None).encode() if since else None,
        CAUGHT_UP: True,
    }
    next_cursor = ChangeCursor(floor=floor, seen=frozenset(seen), extra=handover)
    return ChangePage(records=page, next_cursor=next_cursor.encode(), has_more=False)


def _newest(search: Search, object_type: str) -> datetime | None:
    """The last-modified instant of the newest searchable record (``None``: none)."""
    modified = records.modified_property(object_type)
    found = search([], f"-{modified}", 1)
    return max((row.modified_at for row in found.rows), default=None)
