"""An object pair as data: what the engine needs to sync one HubSpot type with Salesforce.

The engine has no contacts-only code path: contacts ⇄ leads/contacts, companies ⇄
accounts and deals ⇄ opportunities are each an :class:`ObjectPair`:

- the objects on each side and their mapping tables;
- a :class:`~crmsync.engine.matching.MatchStrategy` for unlinked records (a natural key,
  through linked records, or none);
- a :class:`CreateKey`: how a create is found again after a crash (R25);
- :class:`Reference` fields that hold ids of another pair's records, and the pairs it
  depends on (run first);
- a :class:`PairPolicy` (which records may move and as what) and its settings prefix.

Pair-specific behaviour (lead conversion, duplicate emails, valid-email gating) lives
with the pair as strategies, not in the generic engine.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from crmsync.connectors.base import AssociationType, Connector, RemoteRecord, System
from crmsync.core.mapping import FieldMapping, ObjectMapping, Transform
from crmsync.core.sync_rules import SyncRule
from crmsync.core.translation import IdentityTranslator, Translator

if TYPE_CHECKING:
    from crmsync.engine.matching import MatchStrategy
    from crmsync.engine.merge import PairPlan


class CompletePlan(Protocol):
    """A pair's hook on a linked pair's merge plan."""

    def __call__(self, plan: PairPlan, *, salesforce: RemoteRecord) -> None:
        """Add to ``plan`` what follows from the writes it holds (the Salesforce record
        is at hand on every merge; the HubSpot one may be known only by its snapshot)."""
        ...


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


@dataclass(frozen=True, kw_only=True)
class CreateKey:
    """How a record created on the other side is found again after a crash (R25).

    ``value(record, source)`` is the key of a source record: journalled before the
    create, then looked up by ``hubspot_property``/``salesforce_field`` on the target.
    A natural key (a person's email) is already among the created values; a *stamped*
    key is written by crmsync into the target's key field on create (a company's
    ``salesforceaccountid``, an account's ``HubSpot_Company_ID__c``), so pairs with no
    natural key are idempotent too.
    """

    hubspot_property: str
    salesforce_field: str
    value: Callable[[RemoteRecord, System], str | None]
    stamped: bool = False

    def field_on(self, target: System) -> str:
        """The key field on ``target``."""
        return self.hubspot_property if target is System.HUBSPOT else self.salesforce_field


@dataclass(frozen=True, kw_only=True)
class Reference:
    """A field of this pair that holds the id of a record of another pair.

    ``Contact.AccountId`` ⇄ the contact's primary company (``associatedcompanyid``):
    read as a plain value on both sides; written as a field in Salesforce and as the
    ``hubspot_association`` in HubSpot. ``salesforce_objects`` carry the field (a
    Lead has no account).
    """

    hubspot_property: str
    salesforce_field: str
    target_pair: str
    target_hubspot_object: str
    target_salesforce_objects: tuple[str, ...]
    salesforce_objects: tuple[str, ...]
    hubspot_association: AssociationType | None = None
    rule: SyncRule = SyncRule.TWO_WAY

    def field_on(self, system: System) -> str:
        """The field holding the reference on ``system``."""
        return self.hubspot_property if system is System.HUBSPOT else self.salesforce_field

    def row(self) -> FieldMapping:
        """The mapping row the merge sees for this reference."""
        return FieldMapping(
            hubspot_property=self.hubspot_property,
            salesforce_field=self.salesforce_field,
            rule=self.rule,
            transform=Transform.REFERENCE,
            reference_pair=self.target_pair,
        )


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

    def triggered(self, since: str | None) -> tuple[list[str], str | None]:
        """HubSpot records to sync although unchanged since the mark ``since`` (a contact
        that joined the inclusion list), and the new mark."""
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

    def triggered(self, since: str | None) -> tuple[list[str], str | None]:
        """Nothing besides changes."""
        return [], since


@dataclass(frozen=True, kw_only=True)
class ObjectPair:
    """One HubSpot object type synced with one or more Salesforce object types.

    ``mappings`` is keyed by Salesforce object in matching preference order (``Contact``
    before ``Lead``); reference rows are added to them by :meth:`mapping_for`.
    ``salesforce_extra_fields`` are read besides mapped fields (for matching and lead
    conversion); ``conversion`` says how a Salesforce record hands its link on (lead
    conversion), returning the new ``(object, id)`` or ``None``. ``match`` is kept for
    pairs with a natural key (``resync EMAIL`` looks records up by it).
    """

    name: str
    hubspot_object: str
    mappings: Mapping[str, ObjectMapping]
    match: MatchKey | None
    policy: PairPolicy
    strategy: MatchStrategy
    create_key: CreateKey | None = None
    references: tuple[Reference, ...] = ()
    depends_on: tuple[str, ...] = ()
    settings_prefix: str = ""
    salesforce_extra_fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    hubspot_extra_fields: tuple[str, ...] = ()
    conversion: Callable[[RemoteRecord], tuple[str, str] | None] | None = None
    salesforce_read_order: tuple[str, ...] = ()
    read_salesforce: bool = True
    """False for a one-way pair (HubSpot activities → tasks): no Salesforce feed is read."""
    deletes_follow: frozenset[System] = frozenset()
    """Sides whose deletes are carried across: a record deleted there deletes its
    linked partner (an opportunity's deal). Elsewhere a delete only unlinks."""
    complete_plan: CompletePlan | None = None
    """Called with each linked pair's merge plan, to add writes that follow from others
    (a deal's stage follows its pipeline when an opportunity changes record type)."""

    def mapping_for(self, salesforce_object: str) -> ObjectMapping:
        """The mapping table of one Salesforce object, with this pair's reference rows."""
        mapping = self.mappings[salesforce_object]
        extra = tuple(
            reference.row()
            for reference in self.references
            if salesforce_object in reference.salesforce_objects
            and mapping.by_hubspot_property(reference.hubspot_property) is None
        )
        if not extra:
            return mapping
        return ObjectMapping(
            hubspot_object=mapping.hubspot_object,
            salesforce_object=mapping.salesforce_object,
            fields=(*mapping.fields, *extra),
        )

    def reference_for(self, hubspot_property: str) -> Reference | None:
        """The reference written through ``hubspot_property``, if it is one."""
        return next((r for r in self.references if r.hubspot_property == hubspot_property), None)

    def salesforce_feeds(self) -> tuple[str, ...]:
        """Salesforce objects in the order their changes are read.

        Leads come before contacts so a conversion moves the link before the new
        contact is looked at (else it would look like a duplicate of the lead).
        """
        if not self.read_salesforce:
            return ()
        return self.salesforce_read_order or self.salesforce_objects

    @property
    def salesforce_objects(self) -> tuple[str, ...]:
        """The Salesforce object types of this pair, in preference order."""
        return tuple(self.mappings)

    def hubspot_fields(self) -> tuple[str, ...]:
        """Every HubSpot property to read for this pair."""
        names: dict[str, None] = {}
        for salesforce_object in self.mappings:
            names.update(dict.fromkeys(self.mapping_for(salesforce_object).hubspot_properties()))
        if self.match is not None:
            names[self.match.hubspot_property] = None
        if self.create_key is not None:
            names[self.create_key.hubspot_property] = None
        names.update(dict.fromkeys(self.hubspot_extra_fields))
        return tuple(names)

    def salesforce_fields(self, salesforce_object: str) -> tuple[str, ...]:
        """Every field to read of one Salesforce object type."""
        names = dict.fromkeys(self.mapping_for(salesforce_object).salesforce_fields())
        if self.match is not None:
            names[self.match.salesforce_field] = None
        if self.create_key is not None:
            names[self.create_key.salesforce_field] = None
        names.update(dict.fromkeys(self.salesforce_extra_fields.get(salesforce_object, ())))
        return tuple(names)
