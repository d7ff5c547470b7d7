"""When a record that failed to sync is tried again on its own (R3).

Each failure doubles the wait before the next automatic attempt, from one minute up to
four hours, and after ten attempts the record waits for a person (``crmsync errors
retry`` or the dashboard's retry button). A retry asked for by hand resets the count,
so it is due at once. Errors never block new changes: only the retry of the failed
record waits.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

MAX_RETRY_ATTEMPTS: Final = 10
"""Automatic attempts before a record waits for a manual retry."""
FIRST_RETRY_DELAY: Final = timedelta(minutes=1)
LONGEST_RETRY_DELAY: Final = timedelta(hours=4)


def next_retry_at(*, attempts: int, last_seen: datetime) -> datetime | None:
    """When the next automatic attempt is due; ``None`` once attempts are used up."""
    if attempts >= MAX_RETRY_ATTEMPTS:
        return None
    if attempts <= 0:
        return last_seen  # queued by hand
    delay: timedelta = min(FIRST_RETRY_DELAY * (2 ** (attempts - 1)), LONGEST_RETRY_DELAY)
    return last_seen + delay


def retry_due(*, attempts: int, last_seen: datetime, now: datetime) -> bool:
    """True when an automatic (or requested) retry of the record should run now."""
    due = next_retry_at(attempts=attempts, last_seen=last_seen)
    return due is not None and due <= now
