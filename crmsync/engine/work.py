"""The units of work one batch turns into: a link as the engine sees it, and a planned item."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crmsync.connectors.base import ApiErrorDetail, RemoteRecord, System
from crmsync.engine.merge import PairPlan
from crmsync.store.models import Link


def other_side(system: System) -> System:
    """The CRM that is not ``system``."""
    return System.HUBSPOT if system is System.SALESFORCE else System.SALESFORCE


def direction(target: System) -> str:
    """The direction of a write to ``target`` (as stored with errors and audit entries)."""
    if target is System.SALESFORCE:
        return "hubspot_to_salesforce"
    return "salesforce_to_hubspot"


@dataclass(kw_only=True)
class LinkView:
    """A link detached from the database (``id`` is ``None`` for a dry run's new link)."""

    id: int | None
    hubspot_id: str
    salesforce_type: str
    salesforce_id: str
    snapshot: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, link: Link) -> LinkView:
        """A view of a stored link."""
        return cls(
            id=link.id,
            hubspot_id=link.hubspot_id,
            salesforce_type=link.salesforce_type,
            salesforce_id=link.salesforce_id,
            snapshot=dict(link.snapshot or {}),
        )

    def id_on(self, system: System) -> str:
        """The linked record's id on ``system``."""
        return self.hubspot_id if system is System.HUBSPOT else self.salesforce_id


@dataclass(kw_only=True)
class Item:
    """One source record with what the engine decided for it.

    An update has a ``link``; a create has ``create_type`` (the target object type) and
    ``key`` (the idempotency key journalled before the create).
    """

    source: RemoteRecord
    source_system: System
    plan: PairPlan
    link: LinkView | None = None
    create_type: str | None = None
    key: str | None = None
    journal_id: int | None = None
    failed: bool = False
    associations: dict[str, Any] = field(default_factory=dict)
    """Reference values HubSpot keeps as associations, written after the record."""
    association_errors: list[tuple[str, ApiErrorDetail]] = field(default_factory=list)

    @property
    def is_create(self) -> bool:
        """True when the item creates a record on the other side."""
        return self.link is None
