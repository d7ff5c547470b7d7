"""The API allocation against the Salesforce emulator: deferred, never exceeded (R1, R2, R25)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from crmsync.connectors.base import System
from crmsync.connectors.retry import RetryPolicy
from crmsync.connectors.salesforce.config import SalesforceConfig
from crmsync.connectors.salesforce.connector import SalesforceConnector
from crmsync.core.retry_schedule import FIRST_RETRY_DELAY
from crmsync.engine.registry import pairs_from_settings
from crmsync.engine.sync import SyncEngine
from crmsync.errors import BudgetExhaustedError
from crmsync.health.budget import WINDOW, ApiBudget
from crmsync.store.api_calls import ApiCallRecord
from tests.e2e.conftest import SALESFORCE_TOKEN, World

EMAILS = [f"budget{n}@example.com" for n in range(6)]


def _budgeted_engine(world: World, budget: ApiBudget) -> SyncEngine:
    salesforce = SalesforceConnector.from_config(
        SalesforceConfig(
            instance_url=world.servers.salesforce.url, access_token=SecretStr(SALESFORCE_TOKEN)
        ),
        observer=budget,
        retry=RetryPolicy.immediate(),
    )
    pairs = pairs_from_settings(world.store, allow_test_domains=True)
    return SyncEngine(hubspot=world.hubspot, salesforce=salesforce, store=world.store, pairs=pairs)


def _emulator_clock(world: World) -> datetime:
    return datetime.fromisoformat(world.sf_control.now())


def _run_until_done(world: World, budget: ApiBudget, *, max_days: int) -> int:
    """Sync, moving the emulator a day on each time work is deferred; returns deferrals."""
    deferrals = 0
    for _ in range(max_days):
        try:
            _budgeted_engine(world, budget).run_once()
        except BudgetExhaustedError:
            deferrals += 1
            world.sf_control.advance_clock(seconds=WINDOW.total_seconds() + 60)
            continue
        return deferrals
    pytest.fail(f"sync still deferred after {max_days} days")


def _max_calls_in_any_window(world: World) -> int:
    with world.store.begin() as tx:
        times = list(
            tx.session.scalars(
                select(ApiCallRecord.at).where(
                    ApiCallRecord.system == System.SALESFORCE.value,
                    ApiCallRecord.deferred.is_(False),
                )
            )
        )
    return max(
        (sum(1 for other in times if end - WINDOW < other <= end) for end in times), default=0
    )


def test_r2_allocation_is_never_exceeded_and_deferred_work_completes_later(
    world: World,
) -> None:
    for email in EMAILS:
        world.hs_create(email=email, firstname="Ada", lastname=email.split("@")[0])
    allocation = 4
    budget = ApiBudget(world.store, clock=lambda: _emulator_clock(world), allocation=allocation)

    deferrals = _run_until_done(world, budget, max_days=30)
    budget.flush()  # as ``connected`` does at the end of a run

    assert deferrals >= 1, "the sync needed more calls than one allocation"
    assert _max_calls_in_any_window(world) <= allocation
    for email in EMAILS:
        assert len(world.sf_by_email("Contact", email)) == 1, email


def test_r2_request_limit_exceeded_defers_work_until_the_org_window_frees(
    world: World,
) -> None:
    world.hs_create(email=EMAILS[0], firstname="Ada", lastname="Lovelace")
    cap = 60
    world.sf_control.update_settings(daily_api_cap=cap)
    # Other users of the org spend its whole daily limit first.
    while world.sf_control.usage()["daily_used"] < cap:
        try:
            world.sf_all("Contact")
        except BudgetExhaustedError:
            break
    budget = ApiBudget(world.store, clock=lambda: _emulator_clock(world), allocation=1000)

    with pytest.raises(BudgetExhaustedError):
        _budgeted_engine(world, budget).run_once()
    assert budget.snapshot(System.SALESFORCE).org_used is not None
    assert budget.snapshot(System.SALESFORCE).deferred

    world.sf_control.advance_clock(seconds=WINDOW.total_seconds() + 60)
    _budgeted_engine(world, budget).run_once()
    assert len(world.sf_by_email("Contact", EMAILS[0])) == 1


def _engine(world: World, *, retries_paused: bool) -> SyncEngine:
    pairs = pairs_from_settings(world.store, allow_test_domains=True)
    # Later than the first retry's backoff, so only the budget decides here.
    later = datetime.now(UTC) + FIRST_RETRY_DELAY
    return SyncEngine(
        hubspot=world.hubspot,
        salesforce=world.salesforce,
        store=world.store,
        pairs=pairs,
        retries_paused=lambda: retries_paused,
        clock=lambda: later,
    )


def test_r2_error_retries_wait_while_the_budget_says_so(world: World) -> None:
    rule = {
        "object": "Contact",
        "name": "Phone_with_email",
        "field": "Phone",
        "when_field": "Email",
        "message": "Phone must not be blank when Email is set",
    }
    world.sf_control.update_settings(validation_rules=[rule])
    world.hs_create(email="retry@example.com", lastname="Retry")
    _engine(world, retries_paused=False).run_once()
    world.sf_control.update_settings(validation_rules=[])
    world.tick()

    _engine(world, retries_paused=True).run_once()
    assert world.sf_by_email("Contact", "retry@example.com") == []

    _engine(world, retries_paused=False).run_once()
    assert len(world.sf_by_email("Contact", "retry@example.com")) == 1
