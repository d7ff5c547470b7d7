"""The composition root: connectors, store and engine built from configuration.

Every entry point (CLI, dashboard, demo, benchmarks, tests) opens the CRMs with
:func:`connected` and builds the engine with :func:`build_engine`; no library module
imports the CLI.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from crmsync.config import CrmsyncConfig
from crmsync.connection import call_accounts, with_saved_connection
from crmsync.connectors.base import Connector
from crmsync.engine.hooks import SyncHooks
from crmsync.engine.sync import SyncEngine
from crmsync.store import StateStore


@dataclass(frozen=True)
class Connected:
    """Both connectors and the store, opened from a configuration."""

    hubspot: Connector
    salesforce: Connector
    store: StateStore
    retries_paused: Callable[[], bool] | None = None


@contextmanager
def connected(config: CrmsyncConfig) -> Iterator[Connected]:
    """Open both CRMs and the state store (closed on leaving the block)."""
    from crmsync import credentials
    from crmsync.connection import clear_problem, record_problem
    from crmsync.connectors.hubspot.connector import HubSpotConnector
    from crmsync.connectors.salesforce.connector import SalesforceConnector
    from crmsync.credentials import problem_listener
    from crmsync.health.budget import ApiBudget
    from crmsync.vault import open_vault

    store = StateStore.open(config.database_url)
    budget: ApiBudget | None = None
    try:
        # Saved credentials are encrypted at rest (a legacy clear one is encrypted now).
        vault = open_vault(store, secret_key=config.secret_key, database_url=config.database_url)
        # The connections saved by ``crmsync connect`` beat the file; explicitly set
        # CRMSYNC_SALESFORCE_* / CRMSYNC_HUBSPOT_* environment variables beat both (R5, R6).
        given = config
        config = with_saved_connection(given, store, vault)
        # A refused grant is shown once on the health page until a grant succeeds.
        listener = problem_listener(
            lambda error: record_problem(store, error),
            lambda system: clear_problem(store, system),
        )
        # Each grant re-reads the saved connection: a reconnect is used by the next run.
        reload = lambda: with_saved_connection(given, store, vault)  # noqa: E731
        # A rotated refresh token replaces the saved one (the old one stops working).
        keep = lambda system, token: vault.put(  # noqa: E731
            f"{system.value}.refresh_token", token, note="refresh token rotated"
        )
        salesforce_login = credentials.salesforce_login(
            config, listener=listener, reload=reload, keep=keep
        )
        hubspot_login = credentials.hubspot_login(
            config, listener=listener, reload=reload, keep=keep
        )
        # Every call is counted and Salesforce stays inside its allocation (R1, R2).
        budget = ApiBudget(store, accounts=call_accounts(config))
        salesforce = SalesforceConnector.from_config(
            salesforce_login.config, observer=budget, tokens=salesforce_login.tokens
        )
        hubspot = HubSpotConnector.from_config(
            hubspot_login.config, observer=budget, tokens=hubspot_login.tokens
        )
        yield Connected(
            hubspot=hubspot,
            salesforce=salesforce,
            store=store,
            retries_paused=lambda: budget.retries_paused,
        )
    except BaseException:
        # The call rows still in memory are stored on every way out (R1); when the store
        # itself is what failed, the run's own error is the one reported.
        if budget is not None:
            with suppress(Exception):
                budget.flush()
        raise
    else:
        if budget is not None:
            budget.flush()
    finally:
        store.close()


def build_engine(
    opened: Connected, config: CrmsyncConfig, *, hooks: SyncHooks | None = None
) -> SyncEngine:
    """The engine for every enabled pair under the stored settings."""
    from crmsync.engine.owners import OwnersOnDemand
    from crmsync.engine.registry import pairs_from_settings, steps_from_settings

    owners = OwnersOnDemand(hubspot=opened.hubspot, salesforce=opened.salesforce)
    return SyncEngine(
        hubspot=opened.hubspot,
        salesforce=opened.salesforce,
        store=opened.store,
        pairs=pairs_from_settings(opened.store, owners=owners),
        steps=steps_from_settings(opened.store),
        hooks=hooks,
        page_size=config.page_size,
        batch_size=config.batch_size,
        retries_paused=opened.retries_paused,
    )
