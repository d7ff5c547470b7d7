"""The dashboard's secrets: its login password's hash and the key that signs sessions.

Never the password itself. Kept apart from settings, whose history (the audit log)
would hold their values (revision 0007).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crmsync.store.base import Base
from crmsync.store.models import utc_now
from crmsync.store.state import StateStore


class DashboardSecret(Base):
    """A named secret of the dashboard (a password hash, the session-signing key)."""

    __tablename__ = "dashboard_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


def read_secret(store: StateStore, name: str) -> str | None:
    """The secret ``name``, or None when it was never set."""
    with store.begin() as tx:
        row = tx.session.get(DashboardSecret, name)
        return None if row is None else row.value


def keep_secret(store: StateStore, name: str, value: str) -> str:
    """Store ``value`` under ``name`` unless one is there already; returns the kept value."""
    with store.begin() as tx:
        row = tx.session.get(DashboardSecret, name)
        if row is not None:
            return row.value
        tx.session.add(DashboardSecret(name=name, value=value))
    return value
