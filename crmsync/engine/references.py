"""Resolving a batch's references through the links of the pairs they point at.

Once per batch, every id a reference field holds (a contact's ``AccountId``, its
``associatedcompanyid``) is looked up in the referenced pair's links, one query per
reference and side, into a :class:`~crmsync.core.references.ReferenceMap` the
translator reads. Ids not linked yet are *pulled*: the referenced records are read by
id and synced through their own pair first (a company that has not changed since
company sync was turned on), then looked up again. What is still missing fails that
field with ``REFERENCE_NOT_LINKED`` (an ``associations`` error carrying both ids, R3),
and the record is retried later; the rest of it syncs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from crmsync.connectors.base import RemoteRecord, System
from crmsync.core.references import ReferenceMap
from crmsync.core.values import is_blank
from crmsync.engine.pairs import ObjectPair, Reference
from crmsync.store.state import Scope, StateStore

Pull = Callable[[str, System, str, Sequence[str]], None]
"""``pull(pair, system, object_type, ids)``: sync those records through their pair now."""


class ReferenceResolver:
    """Turns the reference ids of a batch into linked ids, pulling what is missing."""

    def __init__(self, *, pair: ObjectPair, store: StateStore, scope: Scope, pull: Pull) -> None:
        self.pair = pair
        self.store = store
        self.scope = scope
        self.pull = pull

    def resolve(
        self,
        system: System,
        records: Sequence[RemoteRecord],
        *,
        into: ReferenceMap | None = None,
        pull: bool,
    ) -> ReferenceMap:
        """The links of every id the references of ``records`` (read from ``system``) hold;
        with ``pull``, unlinked referenced records are synced through their pair first."""
        found = into if into is not None else ReferenceMap()
        for reference in self.pair.references:
            ids = self._ids(reference, system, records, found)
            if not ids:
                continue
            self._lookup(reference, system, ids, found)
            missing = [value for value in ids if not _known(found, reference, system, value)]
            if not missing or not pull:
                continue
            if system is System.HUBSPOT:
                self.pull(reference.target_pair, system, reference.target_hubspot_object, missing)
            else:
                for object_type in reference.target_salesforce_objects:
                    self.pull(reference.target_pair, system, object_type, missing)
            self._lookup(reference, system, missing, found)
        return found

    def _ids(
        self,
        reference: Reference,
        system: System,
        records: Sequence[RemoteRecord],
        found: ReferenceMap,
    ) -> list[str]:
        field = reference.field_on(system)
        values: dict[str, None] = {}
        for record in records:
            if (
                system is System.SALESFORCE
                and record.object_type not in reference.salesforce_objects
            ):
                continue
            raw = record.fields.get(field)
            if is_blank(raw):
                continue
            value = str(raw).strip()
            if not _known(found, reference, system, value):
                values[value] = None
        return list(values)

    def _lookup(
        self, reference: Reference, system: System, ids: Sequence[str], found: ReferenceMap
    ) -> None:
        with self.store.begin(self.scope) as tx:
            if system is System.HUBSPOT:
                links = tx.links_by_hubspot(hubspot_type=reference.target_hubspot_object, ids=ids)
            else:
                links = tx.links_by_salesforce(
                    salesforce_types=reference.target_salesforce_objects, ids=ids
                )
            for link in links.values():
                found.add(
                    pair=reference.target_pair,
                    hubspot_id=link.hubspot_id,
                    salesforce_id=link.salesforce_id,
                )


def _known(found: ReferenceMap, reference: Reference, system: System, value: str) -> bool:
    if system is System.HUBSPOT:
        return found.knows_hubspot(reference.target_pair, value)
    return found.knows_salesforce(reference.target_pair, value)
