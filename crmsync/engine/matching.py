"""Matching unlinked records across the CRMs, as each pair's strategy decides.

A pair names a :class:`MatchStrategy`: a natural key (a person's email,
:mod:`crmsync.engine.contacts_matching`), through linked records (a company through its
contacts, :mod:`crmsync.engine.companies`), or none (:class:`NoMatch`: deals are never
deduplicated). The :class:`Matcher` runs it for a batch and gives every create its
idempotency key (the pair's :class:`~crmsync.engine.pairs.CreateKey`), which is
journalled before the create and looked up again after a crash (:meth:`find_created`).
Lookups go out in chunks of the connector's ``max_batch_read``, never one per record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from crmsync.connectors.base import Connector, RemoteRecord, System
from crmsync.store.state import Scope, StateStore

if TYPE_CHECKING:
    from crmsync.engine.pairs import ObjectPair


@dataclass(frozen=True, kw_only=True)
class Notice:
    """A record left out of the sync on purpose, stored as a sync error with its reason."""

    system: System
    record_id: str
    object_type: str
    code: str
    message: str
    field: str | None = None


Matched = tuple[RemoteRecord, RemoteRecord]
Unlinked = tuple[RemoteRecord, str | None]
"""An unlinked record and the object type a create would make (Salesforce side)."""
Create = tuple[RemoteRecord, str, str | None]
"""A record to create on the other side, its idempotency key and target type."""


@dataclass(kw_only=True)
class MatchOutcome:
    """What a strategy made of a batch's unlinked records."""

    matched: list[Matched] = field(default_factory=list)
    creates: list[Unlinked] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """Reasons of records neither matched nor created (counted, not errors)."""


@dataclass(frozen=True, kw_only=True)
class MatchContext:
    """What a strategy may use: both connectors, the store's links, the pair's fields."""

    pair: ObjectPair
    store: StateStore
    scope: Scope
    connectors: Mapping[System, Connector]
    pulled: bool = False
    """The records are synced because another pair's record refers to them."""
    hubspot_keys: Mapping[str, str] | None = None
    """Match key → HubSpot id of every HubSpot record, when this run read them all (a
    first read) and every record it created since: a strategy may match on it instead
    of looking up (see :meth:`Matcher.remember_hubspot`)."""

    def fields(self, system: System, object_type: str) -> tuple[str, ...]:
        """The fields the pair reads of ``object_type``."""
        if system is System.HUBSPOT:
            return self.pair.hubspot_fields()
        return self.pair.salesforce_fields(object_type)

    def find(
        self,
        system: System,
        object_type: str,
        field_name: str,
        values: Sequence[str],
        *,
        fields: Sequence[str] | None = None,
    ) -> list[RemoteRecord]:
        """Records whose ``field_name`` is one of ``values``, in API-sized chunks."""
        connector = self.connectors[system]
        size = max(1, connector.capabilities.max_batch_read)
        chosen = tuple(fields) if fields is not None else self.fields(system, object_type)
        found: list[RemoteRecord] = []
        unique = list(dict.fromkeys(values))
        for start in range(0, len(unique), size):
            found.extend(
                connector.find_by(
                    object_type, field_name, unique[start : start + size], fields=chosen
                )
            )
        return found

    def read(self, system: System, object_type: str, ids: Sequence[str]) -> list[RemoteRecord]:
        """Records by id, in API-sized chunks (missing ids left out)."""
        connector = self.connectors[system]
        size = max(1, connector.capabilities.max_batch_read)
        unique = list(dict.fromkeys(ids))
        found: list[RemoteRecord] = []
        for start in range(0, len(unique), size):
            found.extend(
                connector.read_by_ids(
                    object_type,
                    unique[start : start + size],
                    fields=self.fields(system, object_type),
                )
            )
        return found


@runtime_checkable
class KeyedStrategy(Protocol):
    """A strategy that can key HubSpot records itself (to match on what was read)."""

    def hubspot_key(self, record: RemoteRecord) -> str | None:
        """The match key of a HubSpot record, or ``None``."""
        ...


class MatchStrategy(Protocol):
    """How one pair pairs unlinked records with records on the other side."""

    def match(
        self, source: System, unlinked: Sequence[Unlinked], context: MatchContext
    ) -> MatchOutcome:
        """Split ``unlinked`` (read from ``source``) into matches, creates and notices."""
        ...


class NoMatch:
    """No deduplication: every unlinked record the policy lets through is created."""

    def match(
        self, source: System, unlinked: Sequence[Unlinked], context: MatchContext
    ) -> MatchOutcome:
        """Everything is a create."""
        return MatchOutcome(creates=list(unlinked))


class Matcher:
    """Runs a pair's strategy and keys its creates (the engine's side of matching)."""

    def __init__(
        self,
        *,
        pair: ObjectPair,
        store: StateStore,
        scope: Scope,
        connectors: Mapping[System, Connector],
    ) -> None:
        self.pair = pair
        self.context = MatchContext(pair=pair, store=store, scope=scope, connectors=connectors)
        self._hubspot_keys: dict[str, str] | None = None

    def read_in_full(self, records: Sequence[RemoteRecord] | None) -> None:
        """Start (``[]``), extend, or stop (``None``) the index of HubSpot keys.

        Only a read of every HubSpot record (a first read) may start it; it is used once
        that read is complete (:meth:`use_index`). It serves only where HubSpot refuses
        a second record with the key (a contact's email): a record made after the read
        is then not created twice, its create collides and links (R20, R25).
        """
        if records is None or not self._keys_are_unique():
            self._hubspot_keys = None
            self.context = replace(self.context, hubspot_keys=None)
            return
        if self._hubspot_keys is None:
            self._hubspot_keys = {}
        self.remember_hubspot(records)

    def use_index(self) -> None:
        """Match on the index from now on (the full read it was built from is done)."""
        if self._hubspot_keys is not None:
            self.context = replace(self.context, hubspot_keys=self._hubspot_keys)

    def remember_hubspot(self, records: Sequence[RemoteRecord]) -> None:
        """Add HubSpot records read or created this run to the index (if one is kept)."""
        keys = self._hubspot_keys
        strategy = self.pair.strategy
        if keys is None or not isinstance(strategy, KeyedStrategy):
            return
        for record in records:
            key = None if record.deleted else strategy.hubspot_key(record)
            if key is not None:
                keys.setdefault(key, record.id)

    def remember_created(self, created: Sequence[tuple[str, str]]) -> None:
        """Add (key, HubSpot id) of records this run created in HubSpot to the index."""
        if self._hubspot_keys is not None:
            for key, hubspot_id in created:
                self._hubspot_keys.setdefault(key, hubspot_id)

    def _keys_are_unique(self) -> bool:
        create_key = self.pair.create_key
        match = self.pair.match
        if (
            create_key is None
            or create_key.stamped
            or match is None
            or match.hubspot_property != create_key.hubspot_property
            or not isinstance(self.pair.strategy, KeyedStrategy)
        ):
            return False
        capabilities = self.context.connectors[System.HUBSPOT].capabilities
        unique = capabilities.of(self.pair.hubspot_object).unique_fields
        return create_key.hubspot_property in unique

    def match(
        self, source: System, unlinked: Sequence[Unlinked], *, pulled: bool = False
    ) -> tuple[list[Matched], list[Create], list[Notice], list[str]]:
        """Matched pairs, keyed creates, notices and skip reasons for one batch."""
        if not unlinked:
            return [], [], [], []
        context = replace(self.context, pulled=pulled) if pulled else self.context
        outcome = self.pair.strategy.match(source, unlinked, context)
        creates: list[Create] = []
        for record, create_as in outcome.creates:
            key = self.create_key(record, source)
            if key is None:
                outcome.skipped.append("no key to create the record with")
                continue
            creates.append((record, key, create_as))
        return outcome.matched, creates, outcome.notices, outcome.skipped

    def create_key(self, record: RemoteRecord, source: System) -> str | None:
        """The idempotency key of a create from ``record`` (its id when the pair has none)."""
        create_key = self.pair.create_key
        if create_key is None:
            return record.id
        return create_key.value(record, source)

    def find_created(self, target: System, target_type: str, key: str) -> str | None:
        """The id of a record created for ``key`` before a crash, if it exists (R25)."""
        create_key = self.pair.create_key
        if create_key is None:
            return None
        found = self.context.find(
            target,
            target_type,
            create_key.field_on(target),
            [key],
            fields=[create_key.field_on(target)],
        )
        return min((record.id for record in found), default=None)
