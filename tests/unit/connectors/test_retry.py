"""Retries: bounded, honour Retry-After, never retry a refused budget (R2) or unsafe writes."""

from __future__ import annotations

import pytest

from crmsync.connectors.errors import RateLimitedError, ServerError, ServiceUnavailableError
from crmsync.connectors.retry import RetryPolicy, call_with_retry
from crmsync.errors import BudgetExhaustedError


class Flaky:
    def __init__(self, errors: list[Exception]) -> None:
        self.errors = errors
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def recording_policy(waits: list[float], *, attempts: int = 4) -> RetryPolicy:
    return RetryPolicy(attempts=attempts, base_wait=0.5, max_wait=30.0, sleep=waits.append)


def test_retries_a_rate_limit_and_waits_retry_after() -> None:
    waits: list[float] = []
    fn = Flaky([RateLimitedError("429", retry_after=7.0)])
    assert call_with_retry(fn, policy=recording_policy(waits), write=True) == "ok"
    assert fn.calls == 2
    assert waits == [7.0]


def test_attempts_are_bounded_and_last_error_propagates() -> None:
    fn = Flaky([ServerError("500") for _ in range(5)])
    with pytest.raises(ServerError):
        call_with_retry(fn, policy=RetryPolicy.immediate(attempts=3), write=False)
    assert fn.calls == 3


def test_r2_budget_refusal_is_never_retried() -> None:
    fn = Flaky([BudgetExhaustedError("spent")])
    with pytest.raises(BudgetExhaustedError):
        call_with_retry(fn, policy=RetryPolicy.immediate(), write=False)
    assert fn.calls == 1


def test_r25_write_not_resent_after_a_500_but_resent_after_a_503() -> None:
    unsafe = Flaky([ServerError("500")])
    with pytest.raises(ServerError):
        call_with_retry(unsafe, policy=RetryPolicy.immediate(), write=True)
    assert unsafe.calls == 1
    safe = Flaky([ServiceUnavailableError("503")])
    assert call_with_retry(safe, policy=RetryPolicy.immediate(), write=True) == "ok"


def test_wait_is_capped() -> None:
    policy = RetryPolicy(base_wait=1.0, max_wait=5.0)
    assert policy.wait_seconds(attempt=1, error=RateLimitedError("x", retry_after=60)) == 5.0
    assert policy.wait_seconds(attempt=3, error=None) == 4.0
