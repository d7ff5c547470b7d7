"""The sync health report: usage, allocation, errors per card, integration user (R1-R4, R6)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from pydantic import BaseModel

from crmsync.connection import ConnectionProblem, connection_problems
from crmsync.connectors.base import System
from crmsync.health.budget import ApiBudget, UsageSnapshot
from crmsync.health.errors import PAGE_SIZE, next_retry, open_errors
from crmsync.store import Scope, StateStore
from crmsync.store.location import describe_store
from crmsync.store.models import SyncErrorRecord
from crmsync.store.runs import RunView, last_run


class UsageView(BaseModel):
    """One system's calls over the rolling 24 h (R1) and, for Salesforce, the allocation (R2)."""

    system: str
    calls_24h: int
    hourly: list[tuple[datetime, int]]
    allocation: int | None
    org_used: int | None
    org_limit: int | None
    deferred: bool
    retries_paused: bool


class ErrorView(BaseModel):
    """One open error as its card lists it (R3)."""

    id: int
    object_type: str
    direction: str
    hubspot_id: str | None
    salesforce_id: str | None
    field: str | None
    api_code: str
    api_message: str
    first_seen: datetime
    last_seen: datetime
    hint: str | None
    attempts: int
    next_retry: str
    """When it is tried again on its own (UTC, ISO 8601), or that it waits for a person."""


class ErrorCard(BaseModel):
    """One card per error category: how many errors, how many records (R3)."""

    category: str
    count: int
    records_affected: int
    errors: list[ErrorView]


class IntegrationUserView(BaseModel):
    """The Salesforce user the integration acts as (R4)."""

    username: str
    name: str
    email: str
    user_id: str
    org_id: str
    is_sandbox: bool = False


class RunSummaryView(BaseModel):
    """How a sync run ended (the last one, and the last that failed)."""

    command: str
    started_at: datetime
    finished_at: datetime
    outcome: str
    message: str | None


class HealthReport(BaseModel):
    """Everything the health page and ``crmsync health`` show."""

    connection_problems: list[ConnectionProblem] = []
    """CRMs that refused the stored grant: "reconnect Salesforce", shown first, once."""
    salesforce: UsageView
    hubspot: UsageView
    work_deferred: bool
    error_cards: list[ErrorCard]
    integration_user: IntegrationUserView | None
    sandbox: bool
    warnings: list[str] = []
    """Settings that will cause trouble (R10: leads while HubSpot auto-creates companies)."""
    store: str = ""
    """Which state store this is (its URL, any password masked)."""
    last_run: RunSummaryView | None = None
    last_failure: RunSummaryView | None = None
    status: str | None = None
    """``healthy``, ``degraded`` or ``broken`` when judged by the probe (``crmsync health``)."""
    problems: list[str] = []


def health_report(
    store: StateStore,
    *,
    budget: ApiBudget,
    scope: Scope | None = None,
    integration_user: IntegrationUserView | None = None,
    sandbox: bool = False,
) -> HealthReport:
    """Build the report from the store (and what the caller learnt from the connectors)."""
    from crmsync.engine.settings import r10_warning

    salesforce = _usage(budget.snapshot(System.SALESFORCE))
    warning = r10_warning(store)
    newest, failed = last_run(store), last_run(store, failed_only=True)
    return HealthReport(
        warnings=[f"R10: {warning}"] if warning else [],
        connection_problems=connection_problems(store),
        salesforce=salesforce,
        hubspot=_usage(budget.snapshot(System.HUBSPOT)),
        work_deferred=salesforce.deferred,
        error_cards=error_cards(open_errors(store, scope=scope)),
        integration_user=integration_user,
        sandbox=sandbox,
        store=describe_store(store.engine.url.render_as_string(hide_password=False)),
        last_run=_run_view(newest),
        last_failure=_run_view(failed),
    )


def _run_view(run: RunView | None) -> RunSummaryView | None:
    if run is None:
        return None
    return RunSummaryView(
        command=run.command,
        started_at=run.started_at,
        finished_at=run.finished_at,
        outcome=run.outcome.value,
        message=run.message,
    )


def error_cards(rows: list[SyncErrorRecord]) -> list[ErrorCard]:
    """Group open errors into one card per category, largest first (R3)."""
    by_category: dict[str, list[SyncErrorRecord]] = defaultdict(list)
    for row in rows:
        by_category[row.category].append(row)
    cards = [
        ErrorCard(
            category=category,
            count=len(members),
            records_affected=len({(row.source_system, row.source_id) for row in members}),
            # The first page of each card; the rest through the paged API (/api/errors).
            errors=[_error_view(row) for row in members[:PAGE_SIZE]],
        )
        for category, members in by_category.items()
    ]
    return sorted(cards, key=lambda card: (-card.count, card.category))


class ErrorPageView(BaseModel):
    """One page of open errors for the dashboard's API."""

    total: int
    page: int
    per_page: int
    errors: list[ErrorView]


def error_view(row: SyncErrorRecord) -> ErrorView:
    """One open error as the dashboard shows it."""
    return _error_view(row)


def _error_view(row: SyncErrorRecord) -> ErrorView:
    return ErrorView(
        id=row.id,
        object_type=row.object_type,
        direction=row.direction,
        hubspot_id=row.hubspot_id,
        salesforce_id=row.salesforce_id,
        field=row.field,
        api_code=row.api_code,
        api_message=row.api_message,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        hint=row.hint,
        attempts=row.attempts,
        next_retry=next_retry(row),
    )


def _usage(snapshot: UsageSnapshot) -> UsageView:
    return UsageView(
        system=snapshot.system,
        calls_24h=snapshot.calls_24h,
        hourly=snapshot.hourly,
        allocation=snapshot.allocation,
        org_used=snapshot.org_used,
        org_limit=snapshot.org_limit,
        deferred=snapshot.deferred,
        retries_paused=snapshot.retries_paused,
    )
