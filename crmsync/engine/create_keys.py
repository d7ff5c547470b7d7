"""The fields that make a pair's creates idempotent, checked before a pair runs (R25).

A stamped create key needs a field on each side: a Salesforce external-id field an admin
adds, and a unique HubSpot property crmsync adds itself when the connector can.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from crmsync.connectors.base import Connector
from crmsync.errors import ConfigurationError


@runtime_checkable
class PropertySetup(Protocol):
    """A HubSpot connector that can add a property crmsync needs."""

    def ensure_unique_property(self, object_type: str, name: str, label: str) -> None:
        """Create the property (unique values) unless it exists."""
        ...


def require_salesforce_key(
    salesforce: Connector, *, object_type: str, field: str, missing: str
) -> None:
    """Refuse to run (``missing`` says what to add) unless ``object_type`` has ``field``."""
    if field not in salesforce.describe(object_type):
        raise ConfigurationError(missing)


def ensure_hubspot_key(
    hubspot: Connector, *, object_type: str, name: str, label: str, missing: str
) -> None:
    """Add the unique property ``name`` unless ``object_type`` has it; refuse with
    ``missing`` when the connector cannot add it."""
    if name in hubspot.describe(object_type):
        return
    if not isinstance(hubspot, PropertySetup):
        raise ConfigurationError(missing)
    hubspot.ensure_unique_property(object_type, name, label)
