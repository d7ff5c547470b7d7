"""The HubSpot change feed reads every change once, without re-reading earlier pages (R25).

The search here is an in-memory stand-in that applies the filters and the one sort the
way HubSpot's search does; the feed over the real emulator is covered by the contract
suite.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from crmsync.connectors.changes import ChangeCursor
from crmsync.connectors.hubspot import change_feed
from crmsync.connectors.hubspot.change_feed import Found
from tests.unit.connectors.fake_hubspot_search import FakeSearch

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
OVERLAP = timedelta(seconds=120)


def drain(search: FakeSearch, cursor: str | None, page_size: int) -> tuple[list[str], str | None]:
    delivered: list[str] = []
    while True:
        page = change_feed.read_changes(
            search, object_type="contacts", cursor=cursor, page_size=page_size, overlap=OVERLAP
        )
        delivered.extend(record.id for record in page.records)
        cursor = page.next_cursor
        if not page.has_more:
            return delivered, cursor


def test_many_records_at_one_instant_are_each_read_once_in_linear_rows() -> None:
    search = FakeSearch()
    for record_id in range(1, 1001):
        search.put(record_id, T0)  # an import: a thousand contacts in one millisecond

    delivered, _ = drain(search, None, page_size=50)

    assert sorted(delivered, key=int) == [str(i) for i in range(1, 1001)]
    assert len(delivered) == 1000  # none twice
    # Forward pages fetch about one page each; only the final sweep re-reads the window.
    assert search.rows_returned < 3 * 1000
    assert search.calls < 2 * (1000 // 50) + 5


def test_an_instant_cut_by_a_page_costs_one_search_by_id() -> None:
    search = FakeSearch()
    for record_id in range(1, 5001):
        search.put(record_id, T0 + timedelta(milliseconds=record_id // 7))  # 7 an instant
    by_id: list[int] = []

    def counting(filters: list[dict[str, Any]], sort: str, limit: int) -> Found:
        if sort == "hs_object_id":
            by_id.append(limit)
        return search(filters, sort, limit)

    cursor, pages, delivered = None, 0, []
    while True:
        page = change_feed.read_changes(
            counting, object_type="contacts", cursor=cursor, page_size=1000, overlap=OVERLAP
        )
        pages += 1
        delivered.extend(int(record.id) for record in page.records)
        cursor = page.next_cursor
        if not page.has_more:
            break

    assert delivered == list(range(1, 5001))
    # One search by id for each instant a page cut (not one to fill the page and
    # another to find the instant drained).
    assert len(by_id) == pages - 1


def test_pages_cut_inside_one_instant_lose_nothing_around_it() -> None:
    search = FakeSearch()
    record_id = 0
    for second in range(10):
        for _ in range(7):
            record_id += 1
            search.put(record_id, T0 + timedelta(seconds=second))

    delivered, _ = drain(search, None, page_size=5)

    assert sorted(delivered, key=int) == [str(i) for i in range(1, 71)]
    assert len(delivered) == 70


def test_a_record_changed_again_is_delivered_again() -> None:
    search = FakeSearch()
    for record_id in range(1, 11):
        search.put(record_id, T0)
    _, cursor = drain(search, None, page_size=4)

    search.put(3, T0 + timedelta(seconds=5))
    search.put(11, T0 + timedelta(seconds=5))
    delivered, _ = drain(search, cursor, page_size=4)

    assert sorted(delivered, key=int) == ["3", "11"]


def test_a_record_that_surfaces_late_is_found_by_the_sweep() -> None:
    search = FakeSearch()
    search.put(1, T0)
    search.put(2, T0 + timedelta(seconds=1))  # not in the index yet
    search.put(3, T0 + timedelta(seconds=2))
    search.hidden.add("2")
    first, cursor = drain(search, None, page_size=10)

    search.hidden.clear()
    second, cursor = drain(search, cursor, page_size=10)
    third, _ = drain(search, cursor, page_size=10)

    assert first == ["1", "3"]
    assert second == ["2"]
    assert third == []


def test_a_caught_up_feed_delivers_nothing_new() -> None:
    search = FakeSearch()
    for record_id in range(1, 6):
        search.put(record_id, T0 + timedelta(seconds=record_id))
    _, cursor = drain(search, None, page_size=2)

    again, _ = drain(search, cursor, page_size=2)

    assert again == []


def test_a_cursor_without_a_position_resumes_at_its_floor() -> None:
    search = FakeSearch()
    search.put(1, T0)
    search.put(2, T0 + timedelta(minutes=10))
    older_format = ChangeCursor(floor=T0 + timedelta(minutes=5)).encode()

    delivered, _ = drain(search, older_format, page_size=10)

    assert delivered == ["2"]


def test_a_record_written_between_the_forward_read_and_the_sweep_comes_once() -> None:
    search = FakeSearch()
    for record_id in range(1, 4):
        search.put(record_id, T0 + timedelta(seconds=record_id))
    _, cursor = drain(search, None, page_size=10)
    search.put(4, T0 + timedelta(seconds=10))
    arrivals = iter([(5, T0 + timedelta(seconds=11))])

    def sweep_sees_a_new_arrival(filters: list[dict[str, Any]], sort: str, limit: int) -> Found:
        if filters and filters[0]["operator"] == "GTE":
            for record_id, at in arrivals:
                search.put(record_id, at)  # lands after the forward read looked
        return search(filters, sort, limit)

    first = change_feed.read_changes(
        sweep_sees_a_new_arrival,
        object_type="contacts",
        cursor=cursor,
        page_size=10,
        overlap=OVERLAP,
    )
    later, _ = drain(search, first.next_cursor, page_size=10)

    assert [record.id for record in first.records] == ["4", "5"]
    assert later == []


def _backfill(search: FakeSearch, count: int) -> str | None:
    for record_id in range(1, count + 1):
        search.put(record_id, T0 + timedelta(milliseconds=record_id))
    _, cursor = drain(search, None, page_size=1000)
    return cursor


def _read(search: FakeSearch, cursor: str | None, at: float) -> tuple[list[str], str | None]:
    """One read of at most 1,000 changes with this machine's clock at ``at``."""
    page = change_feed.read_changes(
        search,
        object_type="contacts",
        cursor=cursor,
        page_size=1000,
        overlap=OVERLAP,
        clock=lambda: at,
    )
    assert not page.has_more
    return [record.id for record in page.records], page.next_cursor


LAG_PASSED = time.time() + 3600
"""Far past the search lag after any read these tests make with the real clock."""


def test_an_idle_read_after_a_large_backfill_costs_one_search_once_settled() -> None:
    search = FakeSearch()
    cursor = _backfill(search, 8000)  # the window holds the 5,000 pairs a cursor keeps
    search.calls = 0

    settling, cursor = _read(search, cursor, LAG_PASSED)
    calls_settling, search.calls = search.calls, 0
    idle, cursor = _read(search, cursor, LAG_PASSED + 900)
    again, _ = _read(search, cursor, LAG_PASSED + 1800)

    assert settling == idle == again == []
    assert calls_settling == 2  # the forward read and the window's 5,000 rows, once
    assert search.calls == 2  # then one probe a read


def test_a_record_surfacing_late_in_a_large_window_is_still_delivered() -> None:
    search = FakeSearch()
    search.put(9001, T0 + timedelta(milliseconds=4000))
    search.hidden.add("9001")  # modified inside the backfill, not in the index yet
    cursor = _backfill(search, 8000)

    search.hidden.clear()
    delivered, cursor = _read(search, cursor, LAG_PASSED)
    again, _ = _read(search, cursor, LAG_PASSED + 900)

    assert delivered == ["9001"]
    assert again == []


def test_an_edit_surfacing_late_after_the_feed_settled_is_delivered() -> None:
    search = FakeSearch()
    cursor = _backfill(search, 50)
    _, cursor = _read(search, cursor, LAG_PASSED)  # settled
    search.put(10, T0 + timedelta(seconds=40))
    search.put(51, T0 + timedelta(seconds=50))
    search.hidden.add("10")  # edited before 51, surfaces after the read past 51

    first, cursor = _read(search, cursor, LAG_PASSED + 900)
    search.hidden.clear()
    second, cursor = _read(search, cursor, LAG_PASSED + 901)  # lag not over: swept
    third, _ = _read(search, cursor, LAG_PASSED + 2000)

    assert first == ["51"]
    assert second == ["10"]  # an older instant, same number of records: still found
    assert third == []
