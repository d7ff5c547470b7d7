"""Errored records are retried with a doubling wait, then wait for a person (R3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crmsync.core.retry_schedule import MAX_RETRY_ATTEMPTS, next_retry_at, retry_due

FAILED_AT = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def test_r3_each_failure_doubles_the_wait_up_to_four_hours() -> None:
    waits = [
        next_retry_at(attempts=attempts, last_seen=FAILED_AT)
        for attempts in range(1, MAX_RETRY_ATTEMPTS)
    ]
    minutes = [(due - FAILED_AT) / timedelta(minutes=1) for due in waits if due is not None]
    assert minutes == [1, 2, 4, 8, 16, 32, 64, 128, 240]


def test_r3_after_ten_attempts_only_a_manual_retry_runs() -> None:
    assert next_retry_at(attempts=MAX_RETRY_ATTEMPTS, last_seen=FAILED_AT) is None
    far_later = FAILED_AT + timedelta(days=30)
    assert not retry_due(attempts=MAX_RETRY_ATTEMPTS, last_seen=FAILED_AT, now=far_later)


def test_r3_a_retry_asked_for_by_hand_is_due_at_once() -> None:
    assert retry_due(attempts=0, last_seen=FAILED_AT, now=FAILED_AT)


def test_r3_a_retry_is_not_due_before_its_wait_ends() -> None:
    assert not retry_due(attempts=3, last_seen=FAILED_AT, now=FAILED_AT + timedelta(minutes=3))
    assert retry_due(attempts=3, last_seen=FAILED_AT, now=FAILED_AT + timedelta(minutes=4))
