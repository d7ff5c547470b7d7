"""Change cursors shared by both adapters: a floor timestamp plus what was seen above it.

Reading "records modified since T" by timestamp alone loses changes: a page can end
in the middle of records sharing one timestamp, and a record can become visible after
a later one (a long transaction, search-index lag). So each read asks for everything
modified at or after a *floor* that trails the newest timestamp delivered by an
overlap window, and drops the ``(id, modified_at)`` pairs already delivered. A record
changed again has a new timestamp, so its pair is new and it is delivered again.

The cursor is an opaque, versioned string for the engine (R25: it is made durable only
after the page is handled). Adapters may keep their own extra state in ``extra``.

Both adapters read a backlog forward by keyset and re-read the window only once caught
up, keeping their position in ``extra``: Salesforce by (SystemModstamp, Id)
(:mod:`crmsync.connectors.salesforce.change_feed`), HubSpot by (last-modified, id)
(:mod:`crmsync.connectors.hubspot.change_feed`).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from crmsync.connectors.base import RemoteRecord
from crmsync.errors import ConfigurationError

_PREFIX = "c1."
BEGINNING = datetime(1970, 1, 1, tzinfo=UTC)
"""The floor of a cursor that has seen nothing yet."""
DEFAULT_MAX_SEEN = 5000
"""Most pairs a cursor keeps; above that the floor rises (never above the newest instant)."""


class InvalidCursorError(ConfigurationError):
    """A cursor string this adapter did not produce (or from an older format)."""


@dataclass(frozen=True, kw_only=True)
class ChangeCursor:
    """Where to resume reading changes."""

    floor: datetime
    seen: frozenset[tuple[str, datetime]] = frozenset()
    extra: Mapping[str, Any] = field(default_factory=dict)

    def encode(self) -> str:
        """The opaque string handed to the engine."""
        payload = {
            "f": self.floor.isoformat(),
            "s": sorted([record_id, stamp.isoformat()] for record_id, stamp in self.seen),
            "x": dict(self.extra),
        }
        raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        return _PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> ChangeCursor:
        """Parse a string made by :meth:`encode`."""
        if not text.startswith(_PREFIX):
            raise InvalidCursorError("unknown change cursor format")
        body = text[len(_PREFIX) :]
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            payload = json.loads(raw)
            floor = _aware(datetime.fromisoformat(payload["f"]))
            seen = frozenset(
                (str(record_id), _aware(datetime.fromisoformat(stamp)))
                for record_id, stamp in payload["s"]
            )
            extra = dict(payload.get("x", {}))
        except (binascii.Error, ValueError, KeyError, TypeError) as error:
            raise InvalidCursorError("corrupt change cursor") from error
        return cls(floor=floor, seen=seen, extra=extra)


@dataclass(frozen=True, kw_only=True)
class SelectedPage:
    """The new records of one read and the cursor after them."""

    records: list[RemoteRecord]
    cursor: ChangeCursor
    trimmed: bool


def select_new(
    rows: Sequence[RemoteRecord],
    *,
    cursor: ChangeCursor | None,
    page_size: int,
    overlap: timedelta,
    max_seen: int = DEFAULT_MAX_SEEN,
    start_floor: datetime | None = None,
) -> SelectedPage:
    """Drop already-seen rows, keep at most ``page_size`` new ones, advance the cursor.

    ``rows`` must be in ascending ``modified_at`` order, as the API returned them for a
    read of everything at or after the cursor's floor. ``trimmed`` is true when new rows
    were left for the next page.
    """
    seen = cursor.seen if cursor else frozenset()
    previous_floor = cursor.floor if cursor else (start_floor or BEGINNING)
    fresh = [row for row in rows if (row.id, row.modified_at) not in seen]
    page = fresh[:page_size]
    if not page:
        kept = cursor or ChangeCursor(floor=previous_floor)
        return SelectedPage(records=[], cursor=kept, trimmed=False)
    newest = max(row.modified_at for row in page)
    floor = max(previous_floor, newest - overlap)
    pairs = {pair for pair in seen if pair[1] >= floor}
    pairs.update((row.id, row.modified_at) for row in page if row.modified_at >= floor)
    floor, pairs = _cap(floor=floor, pairs=pairs, newest=newest, max_seen=max_seen)
    extra = dict(cursor.extra) if cursor else {}
    return SelectedPage(
        records=page,
        cursor=ChangeCursor(floor=floor, seen=frozenset(pairs), extra=extra),
        trimmed=len(fresh) > page_size,
    )


def capped(cursor: ChangeCursor, *, max_seen: int) -> ChangeCursor:
    """``cursor`` keeping at most ``max_seen`` pairs (its floor raised, see :func:`_cap`)."""
    if len(cursor.seen) <= max_seen:
        return cursor
    newest = max(stamp for _, stamp in cursor.seen)
    floor, pairs = _cap(
        floor=cursor.floor, pairs=set(cursor.seen), newest=newest, max_seen=max_seen
    )
    return ChangeCursor(floor=floor, seen=frozenset(pairs), extra=cursor.extra)


def fetch_limit(cursor: ChangeCursor | None, page_size: int) -> int:
    """How many rows to ask for so that at least ``page_size`` of them are new.

    At most ``len(seen)`` returned rows can be already-seen pairs.
    """
    return page_size + (len(cursor.seen) if cursor else 0)


def _cap(
    *, floor: datetime, pairs: set[tuple[str, datetime]], newest: datetime, max_seen: int
) -> tuple[datetime, set[tuple[str, datetime]]]:
    """Raise the floor until at most ``max_seen`` pairs remain, keeping the newest instant.

    Raising the floor only shortens the overlap window (a late-visible record older
    than the new floor could be missed); pairs at the newest instant are always kept,
    so equal timestamps at a page edge are never lost.
    """
    if len(pairs) <= max_seen:
        return floor, pairs
    per_stamp = Counter(stamp for _, stamp in pairs)
    chosen = newest
    count = 0
    for stamp in sorted(per_stamp, reverse=True):
        count += per_stamp[stamp]
        if count > max_seen and stamp < newest:
            break
        chosen = stamp
    return chosen, {pair for pair in pairs if pair[1] >= chosen}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
