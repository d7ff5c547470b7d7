"""The API call log: one row per call a connector made or was refused (R1, R2)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crmsync.store.base import Base
from crmsync.store.models import utc_now


class ApiCallRecord(Base):
    """One API call (``deferred`` rows were refused by the budget and never sent).

    ``org_used``/``org_limit`` keep the CRM's own count as it reported it on this call
    (``Sforce-Limit-Info``, ``X-HubSpot-RateLimit-Daily*``), beside our own count.
    """

    __tablename__ = "api_calls"
    __table_args__ = (
        Index("ix_api_calls_system_at", "system", "at"),
        Index("ix_api_calls_account_at", "account", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    system: Mapped[str] = mapped_column(String(16))
    account: Mapped[str | None] = mapped_column(String(64))
    """Which org or portal was called (a digest of its connection); ``None`` before 0004."""
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    purpose: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer)
    deferred: Mapped[bool] = mapped_column(Boolean, default=False)
    org_used: Mapped[int | None] = mapped_column(BigInteger)
    org_limit: Mapped[int | None] = mapped_column(BigInteger)
