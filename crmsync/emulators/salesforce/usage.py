"""Daily API request accounting over a rolling 24 hours, on the emulator's movable clock."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta
from typing import Final

WINDOW: Final = timedelta(hours=24)


class ApiUsage:
    """Counts one org's API calls; refuses calls past the cap within the last 24 hours."""

    def __init__(self) -> None:
        self._calls: deque[datetime] = deque()
        self.total = 0  # every counted call since the last reset

    def _expire(self, now: datetime) -> None:
        horizon = now - WINDOW
        calls = self._calls
        while calls and calls[0] <= horizon:
            calls.popleft()

    def used(self, now: datetime) -> int:
        """Calls counted in the 24 hours before ``now``."""
        self._expire(now)
        return len(self._calls)

    def try_count(self, now: datetime, *, cap: int) -> bool:
        """Count one call at ``now``; False (nothing counted) when the cap is reached."""
        if self.used(now) >= cap:
            return False
        self._calls.append(now)
        self.total += 1
        return True

    def reset(self) -> None:
        """Forget every call."""
        self._calls.clear()
        self.total = 0
