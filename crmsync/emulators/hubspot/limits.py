"""Rate limits by account tier (wire facts B.11): a rolling 10-second burst, a daily cap
and a separate per-second limit for search; all on the emulator's movable clock."""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

TIERS: dict[str, tuple[int, int]] = {
    # tier: (calls per 10 s, calls per day)
    "free": (100, 250_000),
    "starter": (100, 250_000),
    "professional": (190, 625_000),
    "enterprise": (190, 1_000_000),
    "api_limit_increase": (250, 1_250_000),
    "unlimited": (10**9, 10**12),
}
WINDOW = timedelta(seconds=10)


@dataclass(frozen=True, kw_only=True)
class LimitConfig:
    """The limits in force; ``search_per_second`` 0 switches the search limit off."""

    tier: str = "professional"
    ten_secondly: int = 190
    daily: int = 625_000
    search_per_second: int = 5

    @classmethod
    def for_tier(cls, tier: str, *, search_per_second: int = 5) -> LimitConfig:
        """The documented limits of a tier."""
        if tier not in TIERS:
            raise ValueError(f"unknown tier {tier!r}; expected one of {sorted(TIERS)}")
        burst, daily = TIERS[tier]
        return cls(tier=tier, ten_secondly=burst, daily=daily, search_per_second=search_per_second)


@dataclass(frozen=True, kw_only=True)
class Verdict:
    """Whether a call may go ahead; when refused, which policy and how long to wait."""

    allowed: bool
    headers: dict[str, str]
    policy: str | None = None
    retry_after: int = 0


class RateLimiter:
    """Counts calls per account; thread-safe."""

    def __init__(self, *, config: LimitConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._burst: deque[datetime] = deque()
        self._search: deque[datetime] = deque()
        self._day: tuple[str, int] = ("", 0)

    def configure(self, config: LimitConfig) -> None:
        """Change the limits and start counting afresh."""
        with self._lock:
            self.config = config
            self._burst.clear()
            self._search.clear()
            self._day = ("", 0)

    def check(self, *, now: datetime, search: bool) -> Verdict:
        """Count one call (search calls skip the 10-second window, as HubSpot exempts them)."""
        cfg = self.config
        with self._lock:
            day_key = now.strftime("%Y-%m-%d")
            day_used = self._day[1] if self._day[0] == day_key else 0
            while self._burst and now - self._burst[0] >= WINDOW:
                self._burst.popleft()
            while self._search and now - self._search[0] >= timedelta(seconds=1):
                self._search.popleft()
            if day_used >= cfg.daily:
                midnight = (now + timedelta(days=1)).replace(
                    hour=0, minute=0, second=0, microsecond=0
                )
                return Verdict(
                    allowed=False,
                    headers=self._headers(day_used, search=search),
                    policy="DAILY",
                    retry_after=max(1, math.ceil((midnight - now).total_seconds())),
                )
            if search:
                if cfg.search_per_second and len(self._search) >= cfg.search_per_second:
                    wait = 1 - (now - self._search[0]).total_seconds()
                    return Verdict(
                        allowed=False,
                        headers={},
                        policy="SECONDLY",
                        retry_after=max(1, math.ceil(wait)),
                    )
                self._search.append(now)
            else:
                if len(self._burst) >= cfg.ten_secondly:
                    wait = (WINDOW - (now - self._burst[0])).total_seconds()
                    return Verdict(
                        allowed=False,
                        headers=self._headers(day_used, search=False),
                        policy="TEN_SECONDLY_ROLLING",
                        retry_after=max(1, math.ceil(wait)),
                    )
                self._burst.append(now)
            self._day = (day_key, day_used + 1)
            return Verdict(allowed=True, headers=self._headers(day_used + 1, search=search))

    def _headers(self, day_used: int, *, search: bool) -> dict[str, str]:
        cfg = self.config
        headers = {
            "X-HubSpot-RateLimit-Daily": str(cfg.daily),
            "X-HubSpot-RateLimit-Daily-Remaining": str(max(0, cfg.daily - day_used)),
        }
        if not search:
            # Search is exempt from the 10-second policy, so its answers omit these.
            headers.update(
                {
                    "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
                    "X-HubSpot-RateLimit-Max": str(cfg.ten_secondly),
                    "X-HubSpot-RateLimit-Remaining": str(
                        max(0, cfg.ten_secondly - len(self._burst))
                    ),
                }
            )
        return headers
