"""A HubSpot backfill reads by the objects list, then hands over to the search feed (R25).

The account here is an in-memory stand-in: the list pages by id over the primary
store, the search applies EQ/GT/GTE filters and one sort over what is searchable (a
record can be hidden from search for a while, as search lags writes). The list read
over the real emulator is covered by the contract and e2e suites.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from crmsync.connectors.base import ChangePage
from crmsync.connectors.changes import BEGINNING, ChangeCursor
from crmsync.connectors.hubspot import change_feed, list_read
from crmsync.connectors.hubspot.change_feed import Found, Position
from crmsync.connectors.hubspot.list_read import Listed
from tests.unit.connectors.fake_hubspot_search import FakeSearch

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
OVERLAP = timedelta(seconds=120)


@dataclass
class FakeAccount(FakeSearch):
    """Contacts by id, listed by id over the primary store (hidden ones too) and searched
    as :class:`FakeSearch` does; ``during_list`` runs before each list call after the
    first."""

    list_calls: list[tuple[str | None, int]] = field(default_factory=list)
    during_list: Any = None

    @property
    def searches(self) -> int:
        return self.calls

    def list_page(self, after: str | None, limit: int) -> Listed:
        if self.list_calls and self.during_list is not None:
            self.during_list(self)
        self.list_calls.append((after, limit))
        start = int(after) if after else 0
        ids = sorted(int(rid) for rid in self.rows if int(rid) >= start)
        page = [self.rows[str(rid)] for rid in ids[:limit]]
        return Listed(rows=page, after=str(ids[limit]) if len(ids) > limit else None)

    def search(self, filters: list[dict[str, Any]], sort: str, limit: int) -> Found:
        return self(filters, sort, limit)


def backfill(account: FakeAccount, page_size: int = 1000) -> tuple[list[ChangePage], str]:
    pages: list[ChangePage] = []
    cursor: str | None = None
    while True:
        assert list_read.applies(cursor)
        page = list_read.read_changes(
            account.list_page,
            account.search,
            object_type="contacts",
            cursor=cursor,
            page_size=page_size,
            overlap=OVERLAP,
            clock=lambda: 1_000.0,
        )
        pages.append(page)
        assert page.next_cursor is not None
        cursor = page.next_cursor
        if not page.has_more:
            return pages, cursor


def incremental(account: FakeAccount, cursor: str, *, now: float = 1_000.0) -> ChangePage:
    assert not list_read.applies(cursor)
    return change_feed.read_changes(
        account.search,
        object_type="contacts",
        cursor=cursor,
        page_size=1000,
        overlap=OVERLAP,
        clock=lambda: now,
    )


def test_a_backfill_lists_pages_of_up_to_the_page_size_after_one_search() -> None:
    account = FakeAccount()
    for record_id in range(1, 2501):
        account.put(record_id, T0 + timedelta(milliseconds=record_id % 300))

    pages, cursor = backfill(account)

    assert [len(page.records) for page in pages] == [1000, 1000, 500]
    delivered = [record.id for page in pages for record in page.records]
    assert delivered == [str(i) for i in range(1, 2501)]  # each once, by id
    assert len(account.list_calls) == 25  # 100 a call
    assert all(limit == 100 for _, limit in account.list_calls)
    assert account.searches == 1  # the newest searchable instant, before the first page
    state = ChangeCursor.decode(cursor)
    newest = T0 + timedelta(milliseconds=299)
    assert state.floor == newest
    assert Position.decode(state.extra) == Position(at=newest, after_id=None)
    assert state.extra[change_feed.SWEEP_DUE] == 1_000.0 + OVERLAP.total_seconds()
    assert state.extra[change_feed.SETTLED] is False


def test_an_unchanged_account_after_the_backfill_is_not_delivered_again() -> None:
    account = FakeAccount()
    for record_id in range(1, 301):
        account.put(record_id, T0 + timedelta(milliseconds=record_id))
    _, cursor = backfill(account)

    page = incremental(account, cursor)

    assert page.records == []
    assert not page.has_more


def test_r25_a_record_modified_during_the_list_read_behind_it_is_delivered_next() -> None:
    account = FakeAccount()
    for record_id in range(1, 301):
        account.put(record_id, T0 + timedelta(milliseconds=record_id))
    edited = T0 + timedelta(seconds=5)

    def edit_behind_then_ahead(acc: FakeAccount) -> None:
        if len(acc.list_calls) == 1:  # the list has passed ids 1..100
            acc.put(7, edited)  # behind the list: it is not listed again
            acc.put(250, edited + timedelta(milliseconds=1))  # ahead: listed as edited

    account.during_list = edit_behind_then_ahead
    pages, cursor = backfill(account)
    listed = {record.id: record.modified_at for page in pages for record in page.records}
    assert listed["7"] == T0 + timedelta(milliseconds=7)  # the list saw the old version
    assert listed["250"] == edited + timedelta(milliseconds=1)

    page = incremental(account, cursor)

    # The edit to 7 arrives; 250 was listed as it is now and is not delivered twice.
    assert [(record.id, record.modified_at) for record in page.records] == [("7", edited)]


def test_r25_an_edit_during_the_list_read_that_surfaces_late_is_swept_in() -> None:
    account = FakeAccount()
    for record_id in range(1, 301):
        account.put(record_id, T0 + timedelta(milliseconds=record_id))
    edited = T0 + timedelta(seconds=5)

    def edit_behind(acc: FakeAccount) -> None:
        if len(acc.list_calls) == 1:
            acc.put(7, edited)
            acc.put(250, edited + timedelta(milliseconds=1))
            acc.hidden.add("7")  # the search index has not caught up with it yet

    account.during_list = edit_behind
    _, cursor = backfill(account)
    first = incremental(account, cursor, now=1_010.0)
    assert first.records == []
    assert first.next_cursor is not None
    account.hidden.clear()

    second = incremental(account, first.next_cursor, now=1_020.0)

    assert [(record.id, record.modified_at) for record in second.records] == [("7", edited)]


def test_a_backfill_of_an_empty_account_hands_over_to_a_read_from_the_beginning() -> None:
    account = FakeAccount()

    pages, cursor = backfill(account)

    assert [page.records for page in pages] == [[]]
    assert account.searches == 1 and len(account.list_calls) == 1
    assert ChangeCursor.decode(cursor).floor == BEGINNING
    account.put(1, T0)
    assert [record.id for record in incremental(account, cursor).records] == ["1"]


def test_records_not_yet_searchable_at_the_start_are_listed_and_not_delivered_twice() -> None:
    account = FakeAccount()
    for record_id in range(1, 101):
        account.put(record_id, T0 + timedelta(milliseconds=record_id))
    account.hidden = {str(i) for i in range(51, 101)}  # imported moments ago

    pages, cursor = backfill(account)
    assert len(pages[0].records) == 100
    account.hidden.clear()

    page = incremental(account, cursor)

    assert page.records == []  # the list delivered them; their pairs were kept as seen
    assert len(ChangeCursor.decode(cursor).seen) == 51  # and the one at the newest instant
