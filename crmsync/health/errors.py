"""Open sync errors for the health page and ``crmsync errors`` (R3, R27)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import func, select

from crmsync.core.retry_schedule import next_retry_at
from crmsync.store import Scope, StateStore
from crmsync.store.models import SyncErrorRecord

CSV_COLUMNS = (
    "id",
    "category",
    "object_type",
    "direction",
    "hubspot_id",
    "salesforce_id",
    "field",
    "api_code",
    "api_message",
    "first_seen",
    "last_seen",
    "attempts",
    "hint",
)


@dataclass(frozen=True, kw_only=True)
class RetrySelection:
    """Which open errors to retry: one record, one category, or all (R3)."""

    record_id: str | None = None
    category: str | None = None
    everything: bool = False

    def matches(self, row: SyncErrorRecord) -> bool:
        """True when ``row`` is selected."""
        if self.everything:
            return True
        if self.record_id is not None:
            return self.record_id in (row.source_id, row.hubspot_id, row.salesforce_id)
        return self.category is not None and row.category == self.category


def open_errors(store: StateStore, *, scope: Scope | None = None) -> list[SyncErrorRecord]:
    """Every open error (of ``scope``'s org and portal when given), oldest first."""
    query = select(SyncErrorRecord).where(SyncErrorRecord.resolved_at.is_(None))
    if scope is not None:
        query = query.where(
            SyncErrorRecord.salesforce_org_id == scope.salesforce_org_id,
            SyncErrorRecord.hubspot_portal_id == scope.hubspot_portal_id,
        )
    with store.begin() as tx:
        return list(tx.session.scalars(query.order_by(SyncErrorRecord.id)))


PAGE_SIZE = 50
"""Errors per page in ``crmsync errors list``, the dashboard's cards and its API."""


@dataclass(frozen=True, kw_only=True)
class ErrorPage:
    """One page of open errors and how many there are in all."""

    rows: list[SyncErrorRecord]
    total: int
    offset: int
    limit: int


def open_errors_page(
    store: StateStore,
    *,
    scope: Scope | None = None,
    category: str | None = None,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> ErrorPage:
    """Open errors ``offset`` to ``offset + limit`` (oldest first), optionally of one category."""
    conditions: list[Any] = [SyncErrorRecord.resolved_at.is_(None)]
    if scope is not None:
        conditions += [
            SyncErrorRecord.salesforce_org_id == scope.salesforce_org_id,
            SyncErrorRecord.hubspot_portal_id == scope.hubspot_portal_id,
        ]
    if category is not None:
        conditions.append(SyncErrorRecord.category == category)
    with store.begin() as tx:
        total = int(
            tx.session.scalar(select(func.count(SyncErrorRecord.id)).where(*conditions)) or 0
        )
        rows = list(
            tx.session.scalars(
                select(SyncErrorRecord)
                .where(*conditions)
                .order_by(SyncErrorRecord.id)
                .offset(max(offset, 0))
                .limit(max(limit, 1))
            )
        )
    return ErrorPage(rows=rows, total=total, offset=offset, limit=limit)


def find_error(store: StateStore, error_id: int) -> SyncErrorRecord | None:
    """One error by id, open or resolved."""
    with store.begin() as tx:
        return tx.session.get(SyncErrorRecord, error_id)


def request_retry(
    store: StateStore, selection: RetrySelection, *, scope: Scope | None = None
) -> int:
    """Queue the selected open errors for the next sync; returns how many were queued.

    The engine retries open errors below its attempt cap, so queuing resets the count:
    a record that gave up after repeated failures is tried again.
    """
    queued = 0
    wanted = {row.id for row in open_errors(store, scope=scope) if selection.matches(row)}
    with store.begin() as tx:
        for error_id in sorted(wanted):
            row = tx.session.get(SyncErrorRecord, error_id)
            if row is not None:
                row.attempts = 0
                queued += 1
        if queued:
            tx.audit(kind="retry", note=f"retry requested for {queued} error(s)")
    return queued


def error_row(row: SyncErrorRecord) -> dict[str, Any]:
    """One error as a flat mapping (CSV export, JSON output)."""
    values: dict[str, Any] = {column: getattr(row, column) for column in CSV_COLUMNS}
    for key in ("first_seen", "last_seen"):
        moment = values[key]
        values[key] = _aware(moment).isoformat() if isinstance(moment, datetime) else moment
    return values


def next_retry(row: SyncErrorRecord) -> str:
    """When the record is tried again on its own, or that it waits for a manual retry."""
    due = next_retry_at(attempts=row.attempts, last_seen=_aware(row.last_seen))
    if due is None:
        return "after a manual retry (automatic attempts used up)"
    return due.isoformat(timespec="seconds")


def write_csv(rows: list[SyncErrorRecord], out: TextIO) -> None:
    """Write ``rows`` as CSV with a header line."""
    writer = csv.DictWriter(out, fieldnames=list(CSV_COLUMNS))
    writer.writeheader()
    for row in rows:
        writer.writerow(error_row(row))


def export_csv(store: StateStore, path: Path, *, scope: Scope | None = None) -> int:
    """Write every open error to ``path``; returns the number of rows."""
    rows = open_errors(store, scope=scope)
    with path.open("w", newline="", encoding="utf-8") as out:
        write_csv(rows, out)
    return len(rows)


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes even for timezone-aware columns; they are UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
