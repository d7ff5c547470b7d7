"""How long the store keeps its logs, and the pruning done after each run.

Without it an hourly ``crmsync run`` grows the audit log and the call log for ever.
The defaults keep what the health page and the budget need: the API call log covers
the rolling 24 h the allocation is counted over (never less), the audit log, the run
log, resolved errors and closed journal entries 90 days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Delete, delete
from sqlalchemy.orm import Session

from crmsync.store.api_calls import ApiCallRecord
from crmsync.store.models import AuditEntry, JournalEntry, SyncErrorRecord
from crmsync.store.runs import RunRecord
from crmsync.store.state import StateStore

MIN_CALL_LOG_HOURS = 24.0
"""The allocation is a rolling 24 h window (R1, R2): calls inside it are never pruned."""


@dataclass(frozen=True, kw_only=True)
class Retention:
    """How long each log is kept."""

    call_log_hours: float = MIN_CALL_LOG_HOURS
    history_days: float = 90.0
    """Audit log, run log, resolved sync errors and closed journal entries."""


@dataclass(frozen=True, kw_only=True)
class Pruned:
    """Rows removed by one pruning, per table."""

    api_calls: int
    audit_log: int
    runs: int
    sync_errors: int
    write_journal: int

    @property
    def total(self) -> int:
        """Rows removed in all."""
        return self.api_calls + self.audit_log + self.runs + self.sync_errors + self.write_journal


def prune(store: StateStore, retention: Retention, *, now: datetime) -> Pruned:
    """Delete what is older than ``retention`` allows, in one transaction."""
    calls_before = now - timedelta(hours=max(retention.call_log_hours, MIN_CALL_LOG_HOURS))
    history_before = now - timedelta(days=retention.history_days)
    with store.begin() as tx:
        session = tx.session
        api_calls = _deleted(session, delete(ApiCallRecord).where(ApiCallRecord.at < calls_before))
        audit_log = _deleted(session, delete(AuditEntry).where(AuditEntry.at < history_before))
        runs = _deleted(session, delete(RunRecord).where(RunRecord.finished_at < history_before))
        sync_errors = _deleted(
            session,
            delete(SyncErrorRecord).where(
                SyncErrorRecord.resolved_at.is_not(None),
                SyncErrorRecord.resolved_at < history_before,
            ),
        )
        write_journal = _deleted(
            session,
            delete(JournalEntry).where(
                JournalEntry.state != "pending",
                JournalEntry.resolved_at.is_not(None),
                JournalEntry.resolved_at < history_before,
            ),
        )
    return Pruned(
        api_calls=api_calls,
        audit_log=audit_log,
        runs=runs,
        sync_errors=sync_errors,
        write_journal=write_journal,
    )


def _deleted(session: Session, statement: Delete) -> int:
    result = cast(CursorResult[Any], session.execute(statement))
    return int(result.rowcount or 0)
