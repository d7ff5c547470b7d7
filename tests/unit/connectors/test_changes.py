"""Change cursors: no change lost on equal timestamps, seen pairs dropped (R25)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crmsync.connectors.base import RemoteRecord
from crmsync.connectors.changes import (
    ChangeCursor,
    InvalidCursorError,
    capped,
    fetch_limit,
    select_new,
)

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
OVERLAP = timedelta(seconds=60)


def rec(record_id: str, seconds: float) -> RemoteRecord:
    return RemoteRecord(
        object_type="Contact",
        id=record_id,
        fields={},
        modified_at=T0 + timedelta(seconds=seconds),
    )


def replay(rows: list[RemoteRecord], cursor: ChangeCursor | None, page_size: int) -> list[str]:
    """What a server would answer: rows at or after the floor, oldest first, limited."""
    floor = cursor.floor if cursor else None
    visible = sorted(
        (row for row in rows if floor is None or row.modified_at >= floor),
        key=lambda row: (row.modified_at, row.id),
    )
    return [row.id for row in visible[: fetch_limit(cursor, page_size)]]


def read_all(rows: list[RemoteRecord], *, page_size: int) -> list[str]:
    by_id = {row.id: row for row in rows}
    cursor: ChangeCursor | None = None
    delivered: list[str] = []
    for _ in range(100):
        answer = [by_id[record_id] for record_id in replay(rows, cursor, page_size)]
        page = select_new(answer, cursor=cursor, page_size=page_size, overlap=OVERLAP)
        delivered.extend(record.id for record in page.records)
        cursor = ChangeCursor.decode(page.cursor.encode())
        if not page.records:
            return delivered
    raise AssertionError("never finished")


def test_r25_equal_timestamps_across_a_page_edge_are_all_delivered_once() -> None:
    rows = [rec(f"id{n:02d}", 0) for n in range(7)] + [rec("later", 5)]
    assert sorted(read_all(rows, page_size=3)) == sorted(row.id for row in rows)
    assert len(read_all(rows, page_size=3)) == len(rows)


def test_r25_late_visible_record_inside_the_overlap_is_still_delivered() -> None:
    rows = [rec("a", 0), rec("b", 10)]
    first = select_new(rows, cursor=None, page_size=10, overlap=OVERLAP)
    # "c" becomes visible after "b" was read, with an older timestamp (index lag).
    rows.append(rec("c", 5))
    answer = [
        row
        for row in sorted(rows, key=lambda r: r.modified_at)
        if row.modified_at >= first.cursor.floor
    ]
    second = select_new(answer, cursor=first.cursor, page_size=10, overlap=OVERLAP)
    assert [record.id for record in second.records] == ["c"]


def test_a_record_changed_again_is_delivered_again() -> None:
    first = select_new([rec("a", 0)], cursor=None, page_size=10, overlap=OVERLAP)
    second = select_new([rec("a", 1)], cursor=first.cursor, page_size=10, overlap=OVERLAP)
    assert [record.modified_at for record in second.records] == [T0 + timedelta(seconds=1)]


def test_page_is_trimmed_to_page_size_and_says_so() -> None:
    page = select_new([rec(str(n), n) for n in range(5)], cursor=None, page_size=2, overlap=OVERLAP)
    assert [record.id for record in page.records] == ["0", "1"]
    assert page.trimmed


def test_fetch_limit_leaves_room_for_every_seen_pair() -> None:
    page = select_new([rec("a", 0), rec("b", 0)], cursor=None, page_size=10, overlap=OVERLAP)
    assert fetch_limit(page.cursor, 5) == 7


def test_seen_set_is_capped_but_keeps_the_newest_instant() -> None:
    rows = [rec(f"x{n}", n / 10) for n in range(10)] + [rec(f"y{n}", 2) for n in range(4)]
    capped = select_new(rows, cursor=None, page_size=100, overlap=OVERLAP, max_seen=5)
    assert capped.cursor.floor == T0 + timedelta(seconds=0.9)
    assert len(capped.cursor.seen) == 5
    # Fewer slots than records at the newest instant: all of them are kept anyway.
    tight = select_new(rows, cursor=None, page_size=100, overlap=OVERLAP, max_seen=2)
    assert tight.cursor.floor == T0 + timedelta(seconds=2)
    assert {record_id for record_id, _ in tight.cursor.seen} == {"y0", "y1", "y2", "y3"}


def test_a_cursor_holding_a_backfill_s_pairs_is_capped_before_the_next_read() -> None:
    pairs = {(f"x{n}", T0 + timedelta(seconds=n / 10)) for n in range(10)}
    cursor = ChangeCursor(floor=T0, seen=frozenset(pairs), extra={"position": {"at": "t"}})
    smaller = capped(cursor, max_seen=5)
    assert smaller.floor == T0 + timedelta(seconds=0.5)
    assert {record_id for record_id, _ in smaller.seen} == {"x5", "x6", "x7", "x8", "x9"}
    assert smaller.extra == cursor.extra
    assert capped(cursor, max_seen=10) is cursor


def test_cursor_round_trips_and_rejects_foreign_strings() -> None:
    cursor = ChangeCursor(floor=T0, seen=frozenset({("a", T0)}), extra={"bulk": {"job": "750"}})
    assert ChangeCursor.decode(cursor.encode()) == cursor
    with pytest.raises(InvalidCursorError):
        ChangeCursor.decode("2026-01-01T00:00:00Z")
    with pytest.raises(InvalidCursorError):
        ChangeCursor.decode("c1.!!!")
