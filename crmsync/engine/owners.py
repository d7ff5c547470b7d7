"""The owner directory both CRMs' owners are matched through, by email (R23).

HubSpot owners and active Salesforce users are read once per run (one call each, more
only for very large teams). The owner mapping row needs it: without it the row is left
out of the mapping rather than failing every record.
"""

from __future__ import annotations

from crmsync.connectors.base import Connector
from crmsync.core.translation import OwnerDirectory


def load_owner_directory(*, hubspot: Connector, salesforce: Connector) -> OwnerDirectory:
    """HubSpot owners and active Salesforce users, each by id → email."""
    return OwnerDirectory(
        hubspot_owner_emails=dict(hubspot.owner_emails()),
        salesforce_user_emails=dict(salesforce.owner_emails()),
    )
