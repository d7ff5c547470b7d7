"""Keep HubSpot searches under the account's per-second search limit.

Search has a limit of its own (5 requests a second per account, wire facts B.4) and,
unlike the other endpoints, sends no rate-limit headers to watch: going over costs a
429, a wasted call and a one-second ``Retry-After``. Spacing the searches out costs
less than that, so every search waits for its turn here first.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

MARGIN = 1.1
"""Searches are spaced 10 % wider than the limit, for the server's clock and the network."""


class SearchPacer:
    """Spaces calls so at most ``per_second`` fall in any one second (0: no pacing)."""

    def __init__(
        self,
        *,
        per_second: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._spacing = MARGIN / per_second if per_second > 0 else 0.0
        self._clock = clock
        self._sleep = sleep
        self._next: float | None = None
        self._lock = threading.Lock()

    def wait(self) -> float:
        """Block until the next search may go; returns the seconds waited."""
        if not self._spacing:
            return 0.0
        with self._lock:
            now = self._clock()
            waited = 0.0
            if self._next is not None and now < self._next:
                waited = self._next - now
                self._sleep(waited)
                now = self._next
            self._next = now + self._spacing
            return waited
