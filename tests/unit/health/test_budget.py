"""The API budget: allocation never exceeded, deferral, retry pause, org reserve (R1, R2)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from crmsync.connectors.base import System
from crmsync.errors import BudgetExhaustedError
from crmsync.health.budget import (
    ALLOCATION_SETTING,
    ApiBudget,
    parse_hubspot_limit,
    parse_salesforce_limit,
)
from crmsync.store import StateStore


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


def test_r1_hubspot_calls_are_counted_and_never_refused(store: StateStore) -> None:
    budget = ApiBudget(store, clock=FakeClock(), allocation=0)
    headers = {
        "X-HubSpot-RateLimit-Daily": "250000",
        "X-HubSpot-RateLimit-Daily-Remaining": "249990",
    }
    budget.before_call(System.HUBSPOT, purpose="search")
    budget.after_call(System.HUBSPOT, status=200, headers=headers)
    snapshot = budget.snapshot(System.HUBSPOT)
    assert snapshot.calls_24h == 1
    assert (snapshot.org_used, snapshot.org_limit) == (10, 250000)


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
