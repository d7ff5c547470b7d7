"""The state-store tables.

Everything that ties one HubSpot record to one Salesforce record is keyed by the pair
(Salesforce org id, HubSpot portal id), so links made against a sandbox are never applied
to production (R6).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crmsync.store.base import Base

ID_LENGTH = 64
"""Long enough for an 18-character Salesforce id and any HubSpot id."""


def utc_now() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


class Link(Base):
    """One HubSpot record synced with one Salesforce record, and what was last synced.

    ``snapshot`` maps each mapping key (the HubSpot property name) to
    ``{"hubspot": value, "salesforce": value}`` as last read or written on each side:
    a value equal to it is no change (R26).
    """

    __tablename__ = "links"
    __table_args__ = (
        UniqueConstraint(
            "salesforce_org_id",
            "hubspot_portal_id",
            "hubspot_type",
            "hubspot_id",
            name="uq_links_hubspot_record",
        ),
        UniqueConstraint(
            "salesforce_org_id",
            "hubspot_portal_id",
            "salesforce_type",
            "salesforce_id",
            name="uq_links_salesforce_record",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    salesforce_org_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    hubspot_portal_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    pair: Mapped[str] = mapped_column(String(64))
    hubspot_type: Mapped[str] = mapped_column(String(64))
    hubspot_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    salesforce_type: Mapped[str] = mapped_column(String(64))
    salesforce_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class Cursor(Base):
    """Where reading one feed resumes: per (org, portal, pair, system, object type) (R6)."""

    __tablename__ = "cursors"
    __table_args__ = (
        UniqueConstraint(
            "salesforce_org_id",
            "hubspot_portal_id",
            "pair",
            "system",
            "object_type",
            name="uq_cursors_position",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    salesforce_org_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    hubspot_portal_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    pair: Mapped[str] = mapped_column(String(64))
    system: Mapped[str] = mapped_column(String(16))
    object_type: Mapped[str] = mapped_column(String(64))
    value: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class JournalEntry(Base):
    """A create recorded before it is sent, resolved after (no duplicate on crash, R25).

    ``key`` is the idempotency key the record can be found by on the target (the
    normalised email for people).
    """

    __tablename__ = "write_journal"
    __table_args__ = (Index("ix_write_journal_pending", "state", "pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    salesforce_org_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    hubspot_portal_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    pair: Mapped[str] = mapped_column(String(64))
    target_system: Mapped[str] = mapped_column(String(16))
    target_type: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(320))
    source_system: Mapped[str] = mapped_column(String(16))
    source_type: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    result_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """One field change, link change or setting change, with who decided it and why."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_link", "link_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    kind: Mapped[str] = mapped_column(String(16))
    salesforce_org_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    hubspot_portal_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    pair: Mapped[str | None] = mapped_column(String(64))
    link_id: Mapped[int | None] = mapped_column(Integer)
    hubspot_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    salesforce_type: Mapped[str | None] = mapped_column(String(64))
    salesforce_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    field: Mapped[str | None] = mapped_column(String(255))
    direction: Mapped[str | None] = mapped_column(String(32))
    old_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    new_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    rule: Mapped[str | None] = mapped_column(String(64))
    losing_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    note: Mapped[str | None] = mapped_column(Text)


class SyncErrorRecord(Base):
    """A record that could not sync, with the API's own code and message (R3, R27).

    At most one open row per (pair, direction, source record); a later success sets
    ``resolved_at`` (the error disappears by itself, R3).
    """

    __tablename__ = "sync_errors"
    __table_args__ = (Index("ix_sync_errors_open", "pair", "resolved_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    salesforce_org_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    hubspot_portal_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    pair: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64))
    source_system: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    salesforce_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    hubspot_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    field: Mapped[str | None] = mapped_column(String(255))
    direction: Mapped[str] = mapped_column(String(32))
    system: Mapped[str] = mapped_column(String(16))
    api_code: Mapped[str] = mapped_column(String(128))
    api_message: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(64))
    hint: Mapped[str | None] = mapped_column(Text)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Setting(Base):
    """One setting as JSON; its history is in the audit log (kind ``setting``)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
