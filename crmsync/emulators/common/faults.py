"""Fault injection shared by both emulators.

A fault plan says what to do to the next N calls, or to a share of all calls:
answer with an error status, add latency, or drop the connection. Emulators ask
``FaultInjector.next_fault()`` once per API call (test hooks are never faulted).
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from typing import Literal

FaultKind = Literal["status", "latency", "drop", "late"]


@dataclass(frozen=True, kw_only=True)
class FaultPlan:
    """One injected fault.

    ``kind`` is ``status`` (answer ``status`` with the emulator's error body for
    ``code``), ``latency`` (sleep ``latency_ms`` then answer normally), ``drop``
    (close the connection without an answer) or ``late`` (close the connection without
    an answer, then carry the request out ``latency_ms`` later: a write that lands after
    the client gave up). It applies to the next ``count``
    calls when ``count`` is set, else to each call with probability ``rate``.
    ``path_contains`` limits it to calls whose path contains that text.
    """

    kind: FaultKind
    status: int = 503
    code: str = ""
    message: str = ""
    latency_ms: int = 0
    count: int | None = None
    rate: float = 0.0
    path_contains: str = ""
    retry_after: int | None = None


@dataclass(kw_only=True)
class _ActivePlan:
    plan: FaultPlan
    remaining: int | None


class FaultInjector:
    """Holds the active fault plans; thread-safe."""

    def __init__(self, *, seed: int = 0) -> None:
        self._plans: list[_ActivePlan] = []
        self._lock = threading.Lock()
        self._random = random.Random(seed)

    def add(self, plan: FaultPlan) -> None:
        """Activate a plan."""
        if plan.count is None and not 0.0 < plan.rate <= 1.0:
            raise ValueError("a fault needs either count or a rate in (0, 1]")
        with self._lock:
            self._plans.append(_ActivePlan(plan=plan, remaining=plan.count))

    def clear(self) -> None:
        """Remove every plan."""
        with self._lock:
            self._plans.clear()

    def next_fault(self, path: str) -> FaultPlan | None:
        """The fault to apply to this call, if any (consumes a counted plan)."""
        with self._lock:
            for active in self._plans:
                plan = active.plan
                if plan.path_contains and plan.path_contains not in path:
                    continue
                if active.remaining is not None:
                    active.remaining -= 1
                    if active.remaining <= 0:
                        self._plans.remove(active)
                    return plan
                if self._random.random() < plan.rate:
                    return plan
        return None
