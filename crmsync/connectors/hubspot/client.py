"""Construct the official hubspot-api-client, with every API on the observed transport."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hubspot import HubSpot
from hubspot.discovery.discovery_base import DiscoveryBase
from urllib3.util.retry import Retry

from crmsync.connectors.base import CallObserver
from crmsync.connectors.hubspot.config import HubSpotConfig
from crmsync.connectors.hubspot.transport import ObservedPoolManager, UsageMeter
from crmsync.connectors.oauth import TokenSource


@dataclass(frozen=True, kw_only=True)
class HubSpotApis:
    """The generated API objects the connector uses, built once.

    ``HubSpot().crm.objects.batch_api`` builds a new ``ApiClient`` (and pool) on every
    attribute access, so they are built once here.
    """

    objects_basic: Any
    objects_batch: Any
    objects_search: Any
    properties: Any
    list_memberships: Any
    lists: Any
    owners: Any


def build_apis(
    config: HubSpotConfig, *, observer: CallObserver, meter: UsageMeter, tokens: TokenSource
) -> HubSpotApis:
    """Every API object, sending through :class:`ObservedPoolManager`.

    The pool manager sets each call's bearer token from ``tokens``, so the client is
    built without one.
    """

    def observed_factory(package: Any, api_name: str, settings: dict[str, Any]) -> Any:
        api = DiscoveryBase._default_api_factory(package, api_name, settings)
        rest = api.api_client.rest_client
        rest.pool_manager = ObservedPoolManager(
            rest.pool_manager, observer=observer, meter=meter, tokens=tokens
        )
        return api

    client = HubSpot(
        host=config.host,
        # urllib3 must not retry on its own: retries are ours (tenacity), so each
        # attempt is asked of and counted by the observer.
        retry=Retry(total=0, redirect=False),
        api_factory=observed_factory,
    )
    return HubSpotApis(
        objects_basic=client.crm.objects.basic_api,
        objects_batch=client.crm.objects.batch_api,
        objects_search=client.crm.objects.search_api,
        properties=client.crm.properties.core_api,
        list_memberships=client.crm.lists.memberships_api,
        lists=client.crm.lists.lists_api,
        owners=client.crm.owners.owners_api,
    )
