"""The owner directory both CRMs' owners are matched through, by email (R23).

HubSpot owners and active Salesforce users are read the first time a run needs to match
an owner (one call each, more only for very large teams), so a run with no owner to
translate spends no calls on them. Without a directory the owner row is left out of the
mapping rather than failing every record.
"""

from __future__ import annotations

import threading

from crmsync.connectors.base import Connector
from crmsync.core.translation import OwnerDirectory


def load_owner_directory(*, hubspot: Connector, salesforce: Connector) -> OwnerDirectory:
    """HubSpot owners and active Salesforce users, each by id → email (two calls now)."""
    return OwnerDirectory(
        hubspot_owner_emails=dict(hubspot.owner_emails()),
        salesforce_user_emails=dict(salesforce.owner_emails()),
    )


class OwnersOnDemand:
    """An :class:`OwnerDirectory` read from both CRMs on first use, then kept."""

    def __init__(self, *, hubspot: Connector, salesforce: Connector) -> None:
        self._hubspot = hubspot
        self._salesforce = salesforce
        self._directory: OwnerDirectory | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        """True once the owner lists were read."""
        return self._directory is not None

    def salesforce_user_for(self, hubspot_owner_id: str) -> str | None:
        """The active Salesforce user with the HubSpot owner's email."""
        return self._loaded().salesforce_user_for(hubspot_owner_id)

    def hubspot_owner_for(self, salesforce_user_id: str) -> str | None:
        """The HubSpot owner with the Salesforce user's email."""
        return self._loaded().hubspot_owner_for(salesforce_user_id)

    def _loaded(self) -> OwnerDirectory:
        with self._lock:
            if self._directory is None:
                self._directory = load_owner_directory(
                    hubspot=self._hubspot, salesforce=self._salesforce
                )
            return self._directory
