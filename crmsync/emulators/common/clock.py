"""A movable clock shared by an emulator's handlers.

Tests move it forward (``advance``) to age rolling windows, search-index lag and
webhook retries without sleeping.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class MovableClock:
    """Wall-clock time plus an offset that test hooks can move forward."""

    def __init__(self) -> None:
        self._offset = timedelta()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The emulator's current time, timezone-aware (UTC)."""
        with self._lock:
            return datetime.now(UTC) + self._offset

    def advance(self, *, seconds: float) -> datetime:
        """Move the clock forward by ``seconds`` and return the new time."""
        if seconds < 0:
            raise ValueError("the emulator clock only moves forward")
        with self._lock:
            self._offset += timedelta(seconds=seconds)
        return self.now()

    def reset(self) -> None:
        """Back to real time."""
        with self._lock:
            self._offset = timedelta()
