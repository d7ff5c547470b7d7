"""Bounded retries of one API call on :class:`~crmsync.errors.RetriableError`.

A refused budget (:class:`~crmsync.errors.BudgetExhaustedError`) is never retried
here: the engine defers that work (R2). Reads are resent on any retriable error;
writes only when the error says the server did no work (``safe_to_resend``), so a
5xx after a half-applied create never becomes a duplicate (R25).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import tenacity

from crmsync.errors import BudgetExhaustedError, RetriableError

T = TypeVar("T")


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """How often and how long to retry one call.

    The wait before attempt *n* is ``base_wait * 2**(n-1)``, raised to the server's
    ``Retry-After`` when it sent one, and capped at ``max_wait``. Tests use
    :meth:`immediate` so no test ever sleeps.
    """

    attempts: int = 4
    base_wait: float = 0.5
    max_wait: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)

    @classmethod
    def immediate(cls, *, attempts: int = 3) -> RetryPolicy:
        """A policy with zero waits (for tests)."""
        return cls(attempts=attempts, base_wait=0.0, max_wait=0.0)

    def wait_seconds(self, *, attempt: int, error: BaseException | None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        wait = float(self.base_wait * 2 ** (attempt - 1))
        retry_after = error.retry_after if isinstance(error, RetriableError) else None
        if retry_after is not None:
            wait = max(wait, retry_after)
        return min(wait, self.max_wait)


def should_retry(error: BaseException, *, write: bool) -> bool:
    """True when ``error`` is worth another attempt of a read (or a write).

    A refused grant (:class:`~crmsync.connectors.oauth.ReconnectRequiredError`) waits for
    a person, not for a backoff: the run stops and the next interval tries again.
    """
    if not isinstance(error, RetriableError) or getattr(error, "needs_person", False):
        return False
    if isinstance(error, BudgetExhaustedError):
        return False
    return not write or bool(getattr(error, "safe_to_resend", False))


def call_with_retry(fn: Callable[[], T], *, policy: RetryPolicy, write: bool) -> T:
    """Call ``fn`` and retry it per ``policy``; the last error propagates unchanged."""

    def wait(state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        return policy.wait_seconds(attempt=state.attempt_number, error=error)

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(max(policy.attempts, 1)),
        wait=wait,
        retry=tenacity.retry_if_exception(lambda error: should_retry(error, write=write)),
        sleep=policy.sleep,
        reraise=True,
    )
    return retrying(fn)
