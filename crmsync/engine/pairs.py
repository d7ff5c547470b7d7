"""An object pair as data: what the engine needs to sync one HubSpot type with Salesforce.

The engine has no contacts-only code path: contacts ⇄ leads/contacts, companies ⇄
accounts and deals ⇄ opportunities are each an :class:`ObjectPair` (object names,
mapping tables, the match key) plus a :class:`PairPolicy` (which records may move and
as what).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from crmsync.connectors.base import Connector, RemoteRecord
from crmsync.core.mapping import ObjectMapping
from crmsync.core.translation import IdentityTranslator, Translator


@dataclass(frozen=True, kw_only=True)
class MatchKey:
    """How unlinked records are matched across the CRMs (email for people).

    ``normalise`` turns a raw value into the key both sides are compared on; ``None``
    means the record has no usable key.
    """

    hubspot_property: str
    salesforce_field: str
    normalise: Callable[[str | None], str | None]
    missing_code: str = "MISSING_EMAIL"


class Action(StrEnum):
    """What a policy allows for one record on its way to the other CRM."""

    SKIP = "skip"
    UPDATE = "update"
    CREATE_OR_UPDATE = "create_or_update"


@dataclass(frozen=True, kw_only=True)
class Gate:
    """A policy's answer for one record.

    ``create_as`` is the target object type for a create (Salesforce side only).
    A skip with ``error_code`` is stored as a sync error (R12: visible reason);
    without one it is only counted (R8: not on the inclusion list is not an error).
    """

    action: Action
    create_as: str | None = None
    reason: str = ""
    error_code: str | None = None
    field: str | None = None


class PairPolicy(Protocol):
    """Which records of a pair may move, and as what (the seed's settings for contacts)."""

    def prepare(self, *, hubspot: Connector, salesforce: Connector) -> None:
        """Load what the decisions need for one run (e.g. inclusion list members)."""
        ...

    def outbound(self, record: RemoteRecord, *, linked_type: str | None) -> Gate:
        """HubSpot record → Salesforce; ``linked_type`` is the linked SF object, if any."""
        ...

    def inbound(self, record: RemoteRecord, *, linked_hubspot_id: str | None) -> Gate:
        """Salesforce record → HubSpot; ``linked_hubspot_id`` is its linked contact, if any."""
        ...

    def translator(self) -> Translator:
        """The value translator of this run (R11 settings)."""
        ...


class OpenPolicy:
    """A policy that lets every record create and update (for pairs without settings)."""

    def __init__(self, *, create_as: str) -> None:
        self._create_as = create_as

    def prepare(self, *, hubspot: Connector, salesforce: Connector) -> None:
        """Nothing to load."""

    def outbound(self, record: RemoteRecord, *, linked_type: str | None) -> Gate:
        """Create as the configured type, or update the linked record."""
        return Gate(action=Action.CREATE_OR_UPDATE, create_as=linked_type or self._create_as)

    def inbound(self, record: RemoteRecord, *, linked_hubspot_id: str | None) -> Gate:
        """Always create or update."""
        return Gate(action=Action.CREATE_OR_UPDATE)

    def translator(self) -> Translator:
        """No transforms."""
        return IdentityTranslator()


@dataclass(frozen=True, kw_only=True)
class ObjectPair:
    """One HubSpot object type synced with one or more Salesforce object types.

    ``mappings`` is keyed by Salesforce object in matching preference order (``Contact``
    before ``Lead``). ``salesforce_extra_fields`` are read besides mapped fields (for
    matching and lead conversion); ``conversion`` says how a Salesforce record hands its
    link on (lead conversion), returning the new ``(object, id)`` or ``None``.
    """

    name: str
    hubspot_object: str
    mappings: Mapping[str, ObjectMapping]
    match: MatchKey | None
    policy: PairPolicy
    salesforce_extra_fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    hubspot_extra_fields: tuple[str, ...] = ()
    conversion: Callable[[RemoteRecord], tuple[str, str] | None] | None = None
    salesforce_read_order: tuple[str, ...] = ()

    def salesforce_feeds(self) -> tuple[str, ...]:
        """Salesforce objects in the order their changes are read.

        Leads come before contacts so a conversion moves the link before the new
        contact is looked at (else it would look like a duplicate of the lead).
        """
        return self.salesforce_read_order or self.salesforce_objects

    @property
    def salesforce_objects(self) -> tuple[str, ...]:
        """The Salesforce object types of this pair, in preference order."""
        return tuple(self.mappings)

    def hubspot_fields(self) -> tuple[str, ...]:
        """Every HubSpot property to read for this pair."""
        names: dict[str, None] = {}
        for mapping in self.mappings.values():
            names.update(dict.fromkeys(mapping.hubspot_properties()))
        if self.match is not None:
            names[self.match.hubspot_property] = None
        names.update(dict.fromkeys(self.hubspot_extra_fields))
        return tuple(names)

    def salesforce_fields(self, salesforce_object: str) -> tuple[str, ...]:
        """Every field to read of one Salesforce object type."""
        names = dict.fromkeys(self.mappings[salesforce_object].salesforce_fields())
        if self.match is not None:
            names[self.match.salesforce_field] = None
        names.update(dict.fromkeys(self.salesforce_extra_fields.get(salesforce_object, ())))
        return tuple(names)
