"""``crmsync health`` as a monitoring probe: 0 healthy, 1 degraded, 2 broken.

The probe reads the store and nothing else: it writes nothing (an empty or missing
store is reported, not created) and makes no API call. Who the integration acts as
comes from the identity the last run (or ``crmsync connect``) saved for this very
connection (:func:`crmsync.connection.cached_identity`).

- broken: no usable store, no way to log in to a CRM, a CRM that refused its grant and
  needs reconnecting, or the last run failed on configuration (a refused token, a
  missing permission, a mapping the CRM refuses);
- degraded: no run yet, the last run failed or was deferred, the allocation is spent,
  or the identity of this connection is not known yet;
- healthy: otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from crmsync.config import CrmsyncConfig
from crmsync.connection import (
    cached_identity,
    cached_scope,
    call_accounts,
    connection_key,
    with_saved_connection,
)
from crmsync.errors import CrmsyncError
from crmsync.health.budget import ApiBudget
from crmsync.health.report import HealthReport, IntegrationUserView, health_report
from crmsync.store import StateStore
from crmsync.store.runs import RunOutcome


class HealthStatus(IntEnum):
    """The probe's verdict, which is also ``crmsync health``'s exit status."""

    HEALTHY = 0
    DEGRADED = 1
    BROKEN = 2


@dataclass(kw_only=True)
class Probe:
    """The verdict, why, and the report when the store could be read."""

    status: HealthStatus
    problems: list[str] = field(default_factory=list)
    report: HealthReport | None = None


def probe(config: CrmsyncConfig) -> Probe:
    """Judge the integration from the store alone (no writes, no API calls)."""
    try:
        store = StateStore.open(config.database_url, create=False)
    except CrmsyncError as error:
        return Probe(status=HealthStatus.BROKEN, problems=[str(error)])
    try:
        return _judge(config, store)
    finally:
        store.close()


SAVED_LOGINS = {
    "Salesforce": ("salesforce.token", "salesforce.refresh_token"),
    "HubSpot": ("hubspot.token", "hubspot.refresh_token"),
}
"""Credentials ``crmsync connect`` may have saved (encrypted: only their presence is read)."""


def _missing_logins(config: CrmsyncConfig, store: StateStore) -> list[str]:
    """A CRM with no way to log in: nothing in the environment or file, nothing saved."""
    from crmsync.credentials import hubspot_flow, salesforce_flow

    with store.begin() as tx:
        saved = {key for key, value in tx.settings().items() if value}
    configured = {
        "Salesforce": salesforce_flow(config) is not None,
        "HubSpot": hubspot_flow(config) is not None,
    }
    return [
        f"not connected to {name}: run `crmsync connect {name.lower()}` or set "
        f"CRMSYNC_{name.upper()}_TOKEN"
        for name, keys in SAVED_LOGINS.items()
        if not configured[name] and not saved.intersection(keys)
    ]


def _judge(config: CrmsyncConfig, store: StateStore) -> Probe:
    broken: list[str] = []
    degraded: list[str] = []
    effective = with_saved_connection(config, store)
    broken.extend(_missing_logins(effective, store))
    identity = cached_identity(store, key=connection_key(effective))
    scope = cached_scope(config, store)
    user = None
    if identity is not None:
        user = IntegrationUserView.model_validate(identity["user"])
    elif not broken:
        degraded.append("who this connection acts as is known after its first run")
    report = health_report(
        store,
        budget=ApiBudget(store, accounts=call_accounts(effective)),
        scope=scope,
        integration_user=user,
        sandbox=effective.salesforce_sandbox if user is None else user.is_sandbox,
    )
    broken.extend(
        f"{problem.fix}: {problem.message} (run `{problem.command}`)"
        for problem in report.connection_problems
    )
    last = report.last_run
    if last is None:
        degraded.append("no sync has run yet")
    elif last.outcome == RunOutcome.MISCONFIGURED:
        broken.append(f"the last run failed on configuration: {last.message}")
    elif last.outcome == RunOutcome.FAILED:
        degraded.append(f"the last run failed: {last.message}")
    elif last.outcome == RunOutcome.DEFERRED:
        degraded.append(f"the last run was deferred: {last.message}")
    if report.work_deferred:
        degraded.append("the Salesforce allocation is spent: work waits for calls to free up")
    status = (
        HealthStatus.BROKEN
        if broken
        else HealthStatus.DEGRADED
        if degraded
        else HealthStatus.HEALTHY
    )
    problems = [*broken, *degraded]
    report = report.model_copy(update={"status": status.name.lower(), "problems": problems})
    return Probe(status=status, problems=problems, report=report)
