"""The Salesforce change feed reads a backlog by keyset, once, and nothing is lost (R25).

The query here is an in-memory stand-in that answers the two statements the feed sends
(from a floor, or after a (SystemModstamp, Id) position) the way SOQL does; the feed
over the real emulator is covered by the contract suite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from crmsync.connectors.base import RemoteRecord
from crmsync.connectors.salesforce.change_feed import ChangeFeed

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
OVERLAP = timedelta(seconds=120)
_STAMP = r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{3})?Z)"
_AFTER = re.compile(rf"SystemModstamp > {_STAMP} OR \(SystemModstamp = {_STAMP} AND Id > '(\w+)'\)")
_FLOOR = re.compile(rf"SystemModstamp >= {_STAMP}")
_LIMIT = re.compile(r"LIMIT (\d+)$")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class FakeOrg:
    """Leads answering the feed's SOQL: ordered by (SystemModstamp, Id), limited."""

    rows: dict[str, RemoteRecord] = field(default_factory=dict)
    hidden: set[str] = field(default_factory=set)
    statements: list[str] = field(default_factory=list)
    rows_returned: int = 0

    def put(self, record_id: str, at: datetime) -> None:
        self.rows[record_id] = RemoteRecord(
            object_type="Lead", id=record_id, fields={}, modified_at=at
        )

    def __call__(self, statement: str) -> list[RemoteRecord]:
        self.statements.append(statement)
        ordered = sorted(
            (row for row in self.rows.values() if row.id not in self.hidden),
            key=lambda row: (row.modified_at, row.id),
        )
        if after := _AFTER.search(statement):
            at, after_id = _parse(after[1]), after[3]
            ordered = [row for row in ordered if (row.modified_at, row.id) > (at, after_id)]
        elif floor := _FLOOR.search(statement):
            ordered = [row for row in ordered if row.modified_at >= _parse(floor[1])]
        limit = _LIMIT.search(statement)
        assert limit is not None
        answer = ordered[: int(limit[1])]
        self.rows_returned += len(answer)
        return answer


def _read_all(
    feed_for_page: list[ChangeFeed] | ChangeFeed,
    org: FakeOrg,
    cursor: str | None,
    *,
    page_size: int,
) -> tuple[list[str], str | None, int]:
    delivered: list[str] = []
    for pages in range(1, 1000):
        feed = (
            feed_for_page if isinstance(feed_for_page, ChangeFeed) else ChangeFeed(overlap=OVERLAP)
        )
        page = feed.read(
            org, object_type="Lead", cursor=cursor, fields=["Email"], page_size=page_size
        )
        assert len(page.records) <= page_size
        delivered.extend(record.id for record in page.records)
        cursor = page.next_cursor
        if not page.has_more:
            return delivered, cursor, pages
    raise AssertionError("the feed never caught up")


def _id(n: int) -> str:
    return f"00Q{n:015d}"


def test_r25_a_backlog_on_one_instant_is_read_once_without_re_reading_earlier_pages() -> None:
    org = FakeOrg()
    for n in range(5000):
        org.put(_id(n), T0)  # an import: every row shares one SystemModstamp

    # A fresh feed per page: nothing read ahead, every page is its own query.
    delivered, _, pages = _read_all([], org, None, page_size=500)

    assert delivered == [_id(n) for n in range(5000)]
    assert pages == 10  # the last query returned less than it asked for: caught up
    # Each query starts after the last record delivered, never at the overlap floor.
    for k, statement in enumerate(org.statements[1:], start=1):
        assert f"Id > '{_id(500 * k - 1)}'" in statement


def test_pages_smaller_than_a_query_page_are_served_from_what_was_read_ahead() -> None:
    org = FakeOrg()
    for n in range(4500):
        org.put(_id(n), T0 + timedelta(milliseconds=n))
    feed = ChangeFeed(overlap=OVERLAP)

    delivered, _, pages = _read_all(feed, org, None, page_size=1000)

    assert delivered == [_id(n) for n in range(4500)]
    assert pages == 5
    assert len(org.statements) == 3  # 2,000 + 2,000 + 500 rows
    assert org.rows_returned == 4500


def test_r25_a_record_visible_late_inside_the_overlap_window_is_delivered_once() -> None:
    org = FakeOrg()
    for n in range(10):
        org.put(_id(n), T0 + timedelta(seconds=n))
    org.hidden.add(_id(3))  # its transaction commits after the read
    feed = ChangeFeed(overlap=OVERLAP)
    first, cursor, _ = _read_all(feed, org, None, page_size=4)
    assert _id(3) not in first

    org.hidden.clear()
    later, cursor, _ = _read_all(feed, org, cursor, page_size=4)
    assert later == [_id(3)]
    again, _, _ = _read_all(feed, org, cursor, page_size=4)
    assert again == []


def test_an_idle_caught_up_feed_costs_one_query() -> None:
    org = FakeOrg()
    for n in range(3000):
        org.put(_id(n), T0)
    feed = ChangeFeed(overlap=OVERLAP)
    _, cursor, _ = _read_all(feed, org, None, page_size=1000)
    org.statements.clear()

    idle, _, pages = _read_all(ChangeFeed(overlap=OVERLAP), org, cursor, page_size=1000)

    assert (idle, pages, len(org.statements)) == ([], 1, 1)


def test_a_record_changed_again_after_the_backlog_is_read_again() -> None:
    org = FakeOrg()
    for n in range(2500):
        org.put(_id(n), T0)
    feed = ChangeFeed(overlap=OVERLAP)
    _, cursor, _ = _read_all(feed, org, None, page_size=1000)

    org.put(_id(7), T0 + timedelta(seconds=1))
    later, _, _ = _read_all(feed, org, cursor, page_size=1000)

    assert later == [_id(7)]
