"""The run log: how each sync run ended, for the health page and ``crmsync health``.

A daemon that logs a failure and tries again must also let an operator see it without
reading its logs: the last run's outcome (and the last failure's message) are kept here,
with what a finished run moved, skipped and failed (its report's summary, revision 0007)
for the dashboard's Activity page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from crmsync.store.base import Base
from crmsync.store.models import utc_now
from crmsync.store.state import StateStore
from crmsync.store.text import clean_text

RUN_MESSAGE_LENGTH = 1000
"""Characters of a run's failure message kept (the log line has the same)."""

RUNS_SHOWN = 50
"""How many runs the Activity page lists."""


class RunOutcome(StrEnum):
    """How one run ended."""

    OK = "ok"
    DEFERRED = "deferred"
    """Stopped early by a spent allocation or a passing fault; resumes next run."""
    FAILED = "failed"
    MISCONFIGURED = "misconfigured"
    """Failed on configuration (a refused token or permission, a missing list)."""
    STOPPED = "stopped"
    """Asked to stop (SIGTERM) and stopped between batches."""


class RunRecord(Base):
    """One sync run: when, which command, how it ended and why."""

    __tablename__ = "runs"
    __table_args__ = (Index("ix_runs_finished_at", "finished_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    command: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    outcome: Mapped[str] = mapped_column(String(16))
    message: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    """The run's counts (:meth:`~crmsync.engine.report.SyncReport.summary`), when it ran."""


@dataclass(frozen=True, kw_only=True)
class RunView:
    """One run as the health report shows it."""

    command: str
    started_at: datetime
    finished_at: datetime
    outcome: RunOutcome
    message: str | None


def log_run(
    store: StateStore,
    *,
    command: str,
    started_at: datetime,
    outcome: RunOutcome,
    message: str | None = None,
    summary: dict[str, Any] | None = None,
) -> None:
    """Append one run's outcome (its message cleaned and cut to a sane length)."""
    with store.begin() as tx:
        tx.session.add(
            RunRecord(
                command=command,
                started_at=started_at,
                finished_at=utc_now(),
                outcome=outcome.value,
                message=None if message is None else clean_text(message, RUN_MESSAGE_LENGTH),
                summary=summary,
            )
        )


def last_run(store: StateStore, *, failed_only: bool = False) -> RunView | None:
    """The newest run (or the newest failed one), if any."""
    query = select(RunRecord).order_by(RunRecord.id.desc()).limit(1)
    if failed_only:
        query = query.where(
            RunRecord.outcome.in_([RunOutcome.FAILED.value, RunOutcome.MISCONFIGURED.value])
        )
    with store.begin() as tx:
        row = tx.session.scalars(query).first()
        if row is None:
            return None
        return RunView(
            command=row.command,
            started_at=row.started_at,
            finished_at=row.finished_at,
            outcome=RunOutcome(row.outcome),
            message=row.message,
        )


def recent_runs(store: StateStore, *, limit: int = RUNS_SHOWN) -> list[RunRecord]:
    """The last ``limit`` runs, newest first (the dashboard's Activity page)."""
    with store.begin() as tx:
        query = select(RunRecord).order_by(RunRecord.id.desc()).limit(limit)
        return list(tx.session.scalars(query))
