"""The API budget: allocation never exceeded, deferral, retry pause, org reserve (R1, R2)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from crmsync.connectors.base import System
from crmsync.errors import BudgetExhaustedError
from crmsync.health.budget import (
    ALLOCATION_SETTING,
    ApiBudget,
    parse_hubspot_limit,
    parse_salesforce_limit,
)
from crmsync.store import StateStore
from crmsync.store.api_calls import ApiCallRecord


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def store(database_url: str) -> Iterator[StateStore]:
    opened = StateStore.open(database_url)
    yield opened
    opened.close()


def _call(budget: ApiBudget, *, headers: dict[str, str] | None = None) -> None:
    budget.before_call(System.SALESFORCE, purpose="query")
    budget.after_call(System.SALESFORCE, status=200, headers=headers or {})


def test_r2_allocation_is_never_exceeded(store: StateStore) -> None:
    clock = FakeClock()
    budget = ApiBudget(store, clock=clock, allocation=5)
    made = 0
    for _ in range(12):
        try:
            _call(budget)
            made += 1
        except BudgetExhaustedError:
            pass
        clock.now += timedelta(minutes=1)
    assert made == 5
    assert budget.calls_in_window(System.SALESFORCE) == 5


def test_r2_spent_allocation_defers_until_the_rolling_window_frees_calls(
    store: StateStore,
) -> None:
    clock = FakeClock()
    budget = ApiBudget(store, clock=clock, allocation=2)
    _call(budget)
    _call(budget)
    with pytest.raises(BudgetExhaustedError) as refused:
        budget.before_call(System.SALESFORCE, purpose="write")
    assert refused.value.retry_after == pytest.approx(24 * 3600)
    assert budget.snapshot(System.SALESFORCE).deferred
    clock.now += timedelta(hours=23, minutes=59)
    with pytest.raises(BudgetExhaustedError):
        budget.before_call(System.SALESFORCE, purpose="write")
    clock.now += timedelta(minutes=2)
    _call(budget)
    snapshot = budget.snapshot(System.SALESFORCE)
    assert snapshot.calls_24h == 1
    assert not snapshot.deferred


def test_r2_stored_setting_is_the_allocation_and_default_is_half_the_org(
    store: StateStore,
) -> None:
    budget = ApiBudget(store, clock=FakeClock())
    assert budget.allocation() is None
    _call(budget, headers={"Sforce-Limit-Info": "api-usage=10/1000"})
    assert budget.allocation() == 500
    with store.begin() as tx:
        tx.set_setting(ALLOCATION_SETTING, 40)
    assert budget.allocation() == 40


def test_r2_org_reserve_stops_calls_below_the_allocation(store: StateStore) -> None:
    budget = ApiBudget(store, clock=FakeClock(), allocation=1000)
    _call(budget, headers={"Sforce-Limit-Info": "api-usage=950/1000"})
    with pytest.raises(BudgetExhaustedError):
        budget.before_call(System.SALESFORCE, purpose="query")


def test_r2_retries_pause_above_three_quarters_of_the_allocation(store: StateStore) -> None:
    budget = ApiBudget(store, clock=FakeClock(), allocation=8)
    for _ in range(5):
        _call(budget)
    assert not budget.retries_paused
    _call(budget)
    assert budget.retries_paused


def test_r1_usage_counts_a_rolling_window_with_hourly_breakdown(store: StateStore) -> None:
    clock = FakeClock()
    budget = ApiBudget(store, clock=clock, allocation=100)
    _call(budget)
    clock.now += timedelta(hours=2)
    _call(budget)
    _call(budget, headers={"Sforce-Limit-Info": "api-usage=77/15000"})
    clock.now += timedelta(hours=23)
    snapshot = budget.snapshot(System.SALESFORCE)
    assert snapshot.calls_24h == 2
    assert [count for _, count in snapshot.hourly] == [2]
    assert (snapshot.org_used, snapshot.org_limit) == (77, 15000)


def _hubspot_call(budget: ApiBudget, *, remaining: int, daily: int = 250_000) -> None:
    budget.before_call(System.HUBSPOT, purpose="search")
    headers = {
        "X-HubSpot-RateLimit-Daily": str(daily),
        "X-HubSpot-RateLimit-Daily-Remaining": str(remaining),
    }
    budget.after_call(System.HUBSPOT, status=200, headers=headers)


def test_r1_hubspot_calls_are_counted_and_the_salesforce_allocation_does_not_apply(
    store: StateStore,
) -> None:
    budget = ApiBudget(store, clock=FakeClock(), allocation=0)
    _hubspot_call(budget, remaining=249_990)
    _hubspot_call(budget, remaining=249_989)
    snapshot = budget.snapshot(System.HUBSPOT)
    assert snapshot.calls_24h == 2
    assert (snapshot.org_used, snapshot.org_limit) == (11, 250_000)
    assert not snapshot.deferred


def test_r2_hubspot_daily_reserve_defers_until_midnight_and_a_new_day_resumes(
    store: StateStore,
) -> None:
    clock = FakeClock()  # 12:00 UTC
    budget = ApiBudget(store, clock=clock)
    _hubspot_call(budget, remaining=500, daily=10_000)  # 95 % of the day's calls used

    with pytest.raises(BudgetExhaustedError) as refused:
        budget.before_call(System.HUBSPOT, purpose="search")

    assert refused.value.retry_after == pytest.approx(12 * 3600)
    assert budget.snapshot(System.HUBSPOT).deferred
    # The next day the full report is stale, so a call goes out and the new count lets work flow.
    clock.now += timedelta(hours=13)
    _hubspot_call(budget, remaining=9_990, daily=10_000)
    _hubspot_call(budget, remaining=9_989, daily=10_000)
    assert budget.calls_in_window(System.HUBSPOT) == 3


def test_r2_threads_sharing_one_budget_never_exceed_the_allocation(store: StateStore) -> None:
    budget = ApiBudget(store, clock=FakeClock(), allocation=10)
    made: list[int] = []
    refused: list[int] = []

    def worker(number: int) -> None:
        for _ in range(5):
            try:
                budget.before_call(System.SALESFORCE, purpose="query")
            except BudgetExhaustedError:
                refused.append(number)
                continue
            budget.after_call(
                System.SALESFORCE,
                status=200,
                headers={"Sforce-Limit-Info": f"api-usage={number}/15000"},
            )
            made.append(number)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(made) == 10
    assert len(refused) == 20
    assert budget.calls_in_window(System.SALESFORCE) == 10
    budget.flush()
    with store.begin() as tx:
        statuses = tx.session.scalars(
            select(ApiCallRecord.status).where(ApiCallRecord.deferred.is_(False))
        ).all()
    assert statuses == [200] * 10  # every call's answer landed on its own row


def test_r1_limit_headers_are_parsed() -> None:
    assert parse_salesforce_limit({"sforce-limit-info": "api-usage=3/15000"}) == (3, 15000)
    assert parse_salesforce_limit({}) is None
    assert parse_hubspot_limit({"X-HubSpot-RateLimit-Daily": "x"}) is None


def test_r2_an_old_full_org_report_does_not_hold_work_back_forever(store: StateStore) -> None:
    clock = FakeClock()
    budget = ApiBudget(store, clock=clock, allocation=1000)
    _call(budget, headers={"Sforce-Limit-Info": "api-usage=1000/1000"})
    with pytest.raises(BudgetExhaustedError):
        budget.before_call(System.SALESFORCE, purpose="query")
    clock.now += timedelta(hours=2)
    _call(budget, headers={"Sforce-Limit-Info": "api-usage=1/1000"})


def _stored_calls(store: StateStore) -> list[ApiCallRecord]:
    with store.begin() as tx:
        return list(tx.session.scalars(select(ApiCallRecord).order_by(ApiCallRecord.id)))


def test_r1_call_rows_are_written_in_batches_with_their_answers(store: StateStore) -> None:
    budget = ApiBudget(store, clock=FakeClock(), allocation=1000, flush_calls=3)
    _call(budget, headers={"Sforce-Limit-Info": "api-usage=5/15000"})
    _call(budget)
    assert _stored_calls(store) == []  # in memory, yet counted (R2)
    assert budget.calls_in_window(System.SALESFORCE) == 2
    _call(budget, headers={"Sforce-Limit-Info": "api-usage=7/15000"})
    stored = _stored_calls(store)
    assert [(row.status, row.org_used, row.org_limit) for row in stored] == [
        (200, 5, 15000),
        (200, None, None),
        (200, 7, 15000),
    ]
    _call(budget)
    assert len(_stored_calls(store)) == 3
    budget.flush()
    assert len(_stored_calls(store)) == 4
    assert budget.calls_in_window(System.SALESFORCE) == 4  # stored and in memory, not twice


def test_r1_call_rows_wait_in_memory_for_a_bounded_time(store: StateStore) -> None:
    budget = ApiBudget(store, clock=FakeClock(), allocation=1000, flush_seconds=0.0)
    _call(budget)
    assert len(_stored_calls(store)) == 1


def test_r2_a_process_killed_before_a_flush_loses_only_the_unflushed_rows(
    store: StateStore,
) -> None:
    clock = FakeClock()
    killed = ApiBudget(store, clock=clock, allocation=1000, flush_calls=100)
    for _ in range(250):
        _call(killed)
    # Killed here (no flush): the next process sees the 200 calls flushed, not the last 50.
    after_the_kill = ApiBudget(store, clock=clock, allocation=1000, flush_calls=1)
    assert after_the_kill.calls_in_window(System.SALESFORCE) == 200
    # The org's own count, read on every answer, still stops it at the reserve line.
    _call(after_the_kill, headers={"Sforce-Limit-Info": "api-usage=960/1000"})
    with pytest.raises(BudgetExhaustedError):
        after_the_kill.before_call(System.SALESFORCE, purpose="query")


def test_r2_a_refusal_is_stored_at_once(store: StateStore) -> None:
    budget = ApiBudget(store, clock=FakeClock(), allocation=1)
    _call(budget)
    with pytest.raises(BudgetExhaustedError):
        budget.before_call(System.SALESFORCE, purpose="write")
    assert [row.deferred for row in _stored_calls(store)] == [False, True]
    assert ApiBudget(store, clock=FakeClock(), allocation=1).snapshot(System.SALESFORCE).deferred
