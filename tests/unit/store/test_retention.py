"""Old log rows are pruned; what the budget and the health page read is kept (R1, R2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from crmsync.store import Scope, StateStore
from crmsync.store.api_calls import ApiCallRecord
from crmsync.store.models import AuditEntry, JournalEntry
from crmsync.store.retention import Retention, prune
from crmsync.store.state import ErrorReport
from crmsync.store.text import MESSAGE_LENGTH

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SCOPE = Scope(salesforce_org_id="00D000000000001AAA", hubspot_portal_id="1")


def _count(store: StateStore, model: type) -> int:
    with store.begin() as tx:
        return int(tx.session.scalar(select(func.count()).select_from(model)) or 0)


def test_r1_calls_inside_the_24_hour_window_and_recent_audit_are_kept(database_url: str) -> None:
    store = StateStore.open(database_url)
    try:
        with store.begin(SCOPE) as tx:
            for hours in (1, 23, 25, 100):
                tx.session.add(
                    ApiCallRecord(system="salesforce", at=NOW - timedelta(hours=hours), purpose="q")
                )
            for days in (1, 89, 91):
                tx.session.add(AuditEntry(kind="field", at=NOW - timedelta(days=days)))
            pending = tx.journal_intent(
                pair="contacts",
                target_system="salesforce",
                target_type="Contact",
                key="a@example.com",
                source_system="hubspot",
                source_type="contacts",
                source_id="1",
            )
            pending.created_at = NOW - timedelta(days=200)

        # A retention shorter than the allocation window is raised to 24 h.
        pruned = prune(store, Retention(call_log_hours=1, history_days=90), now=NOW)

        assert pruned.api_calls == 2
        assert pruned.audit_log == 1
        assert _count(store, ApiCallRecord) == 2
        assert _count(store, AuditEntry) == 2
        # A create still waiting to be resolved is never pruned (R25).
        assert _count(store, JournalEntry) == 1
    finally:
        store.close()


def test_error_messages_are_cut_to_a_sane_length(database_url: str) -> None:
    store = StateStore.open(database_url)
    try:
        with store.begin(SCOPE) as tx:
            row = tx.record_error(
                ErrorReport(
                    pair="contacts",
                    object_type="Contact",
                    source_system="hubspot",
                    source_id="1",
                    direction="hubspot_to_salesforce",
                    system="salesforce",
                    api_code="X",
                    api_message="m" * 10_000,
                    category="other",
                )
            )
            assert len(row.api_message) == MESSAGE_LENGTH
            assert row.api_message.endswith("…")
    finally:
        store.close()
