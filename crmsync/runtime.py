"""The composition root: connectors, store and engine built from configuration.

Every entry point (CLI, dashboard, demo, benchmarks, tests) opens the CRMs with
:func:`connected` and builds the engine with :func:`build_engine`; no library module
imports the CLI.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from crmsync.config import CrmsyncConfig
from crmsync.connection import with_saved_connection
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
    from crmsync.connectors.hubspot.config import HubSpotConfig
    from crmsync.connectors.hubspot.connector import HubSpotConnector
    from crmsync.connectors.salesforce.config import SalesforceConfig
    from crmsync.connectors.salesforce.connector import SalesforceConnector
    from crmsync.health.budget import ApiBudget

    store = StateStore.open(config.database_url)
    try:
        # The connection saved by ``crmsync connect salesforce`` beats the file; explicitly
        # set CRMSYNC_SALESFORCE_* environment variables beat both (R5, R6).
        config = with_saved_connection(config, store)
        salesforce_token, hubspot_token = config.require_credentials()
        # Every call is counted and Salesforce stays inside its allocation (R1, R2).
        budget = ApiBudget(store)
        salesforce = SalesforceConnector.from_config(
            SalesforceConfig(
                instance_url=config.salesforce_url,
                access_token=salesforce_token,
                sandbox=config.salesforce_sandbox,
            ),
            observer=budget,
        )
        hubspot = HubSpotConnector.from_config(
            HubSpotConfig(base_url=config.hubspot_url, access_token=hubspot_token),
            observer=budget,
        )
        yield Connected(
            hubspot=hubspot,
            salesforce=salesforce,
            store=store,
            retries_paused=lambda: budget.retries_paused,
        )
    finally:
        store.close()


def build_engine(
    opened: Connected, config: CrmsyncConfig, *, hooks: SyncHooks | None = None
) -> SyncEngine:
    """The engine for every enabled pair under the stored settings."""
    from crmsync.engine.owners import OwnersOnDemand
    from crmsync.engine.registry import pairs_from_settings

    owners = OwnersOnDemand(hubspot=opened.hubspot, salesforce=opened.salesforce)
    return SyncEngine(
        hubspot=opened.hubspot,
        salesforce=opened.salesforce,
        store=opened.store,
        pairs=pairs_from_settings(opened.store, owners=owners),
        hooks=hooks,
        page_size=config.page_size,
        batch_size=config.batch_size,
        retries_paused=opened.retries_paused,
    )
