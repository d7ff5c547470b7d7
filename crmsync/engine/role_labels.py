"""A linked contact role's ``Role`` and ``IsPrimary`` ⇄ its association's labels (R22).

Part of the contact roles step (:mod:`crmsync.engine.contact_roles`): for every role
linked to a deal ⇄ contact association, the role's ``(Role, IsPrimary)`` and what the
association's labels mean (:class:`~crmsync.core.contact_role_labels.RoleLabels`) are
compared with the link's snapshot, per attribute:

- equal on both sides: nothing is written;
- changed on one side since the snapshot: that side's value goes to the other;
- changed on both: Salesforce's value wins (the role is Salesforce's record);
- no snapshot yet (a pair just linked): a side with a value wins over an empty one,
  Salesforce when both have one.

An opportunity keeps one primary role (Salesforce clears the others itself): when a
run would leave several, the one that just became primary stays primary. HubSpot is
given the labels that mean the role; a role no label means stays unlabelled unless
``deals.contact_roles.create_labels`` lets crmsync define one. Labels that mean
neither a role nor the primary flag are never touched. Writes are set-like (adding a
label twice, or writing the same ``Role``, changes nothing), so a crash before the
snapshot is saved only repeats them (R25); the saved snapshot keeps the next run from
echoing them back (R26).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from crmsync.connectors.base import (
    AssociationLabel,
    AssociationLabels,
    LabelChange,
    RemoteRecord,
    System,
    WriteRequest,
    WriteResult,
)
from crmsync.core.contact_role_labels import ROLE_FIELD, RoleLabels
from crmsync.errors import ConfigurationError, RecordError

ROLE_OBJECT = "OpportunityContactRole"
State = tuple[str | None, bool]
"""``(Role, IsPrimary)`` as one side holds it."""
NO_ROLE: State = (None, False)


@dataclass(kw_only=True)
class LabelSet:
    """The portal's deal → contact labels and the org's ``Role`` values, for one run."""

    settings: RoleLabels
    roles: frozenset[str]
    labels: dict[int, AssociationLabel] = field(default_factory=dict)
    connector: AssociationLabels | None = None

    def state_of(self, types: frozenset[int]) -> State:
        """What a pair's association types mean."""
        names = [str(self.labels[t].label) for t in sorted(types) if t in self.labels]
        return self.settings.role_of(names, self.roles), self.settings.is_primary(names)

    def managed(self, types: frozenset[int]) -> set[int]:
        """The pair's types that mean a role or the primary flag (crmsync's to change)."""
        return {
            t
            for t in types
            if t in self.labels and self.settings.meaningful(str(self.labels[t].label), self.roles)
        }

    def wanted(self, state: State) -> tuple[set[int], bool]:
        """The label types meaning ``state``; False when one could not be found or made."""
        role, primary = state
        wanted: set[int] = set()
        complete = True
        if role is not None:
            found = self._type_named(self.settings.label_for(role, self._names()), role)
            complete &= found is not None
            wanted |= {found} if found is not None else set()
        if primary and self.settings.primary_label:
            name = self.settings.primary_label
            existing = next((n for n in self._names() if self.settings.is_primary_label(n)), None)
            found = self._type_named(existing, name)
            complete &= found is not None
            wanted |= {found} if found is not None else set()
        return wanted, complete

    def _names(self) -> list[str]:
        return [str(kind.label) for kind in self.labels.values()]

    def _type_named(self, name: str | None, new_name: str) -> int | None:
        if name is not None:
            return next(t for t, kind in self.labels.items() if kind.label == name)
        if not self.settings.create_labels or self.connector is None:
            return None
        try:
            made = self.connector.create_association_label("deals", "contacts", new_name)
        except RecordError:
            # HubSpot refused the label (a name taken by another one): left unlabelled.
            return None
        self.labels[made.type_id] = made
        return made.type_id


def load_label_set(
    settings: RoleLabels, hubspot: object, salesforce_roles: Sequence[str]
) -> LabelSet:
    """The run's label set: the portal's USER_DEFINED deal → contact labels."""
    labels: dict[int, AssociationLabel] = {}
    connector = hubspot if isinstance(hubspot, AssociationLabels) else None
    if connector is not None:
        for kind in connector.association_labels("deals", "contacts"):
            if kind.category != "HUBSPOT_DEFINED" and kind.label:
                labels[kind.type_id] = kind
    return LabelSet(
        settings=settings, roles=frozenset(salesforce_roles), labels=labels, connector=connector
    )


@dataclass(frozen=True, kw_only=True)
class LinkedRole:
    """One role linked to one deal ⇄ contact association."""

    opportunity: str
    deal: str
    person: str
    role: RemoteRecord
    types: frozenset[int]
    snapshot: Mapping[str, Any] | None


@dataclass(kw_only=True)
class Outcome:
    """What the label pass did: snapshots to save, and writes refused by an API."""

    snapshots: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Role id → the new snapshot."""
    refused: list[tuple[LinkedRole, System, WriteResult]] = field(default_factory=list)
    """Each refused item with the system that refused it."""
    to_salesforce: int = 0
    to_hubspot: int = 0
    unlabelled: int = 0


def salesforce_state(role: RemoteRecord) -> State:
    """A role's ``(Role, IsPrimary)``."""
    value = role.fields.get(ROLE_FIELD)
    return (str(value) if value not in (None, "") else None, bool(role.fields.get("IsPrimary")))


def snapshot_of(hubspot: State, salesforce: State) -> dict[str, Any]:
    """A role link's snapshot, in the links' ``{key: {hubspot, salesforce}}`` form."""
    return {
        ROLE_FIELD: {"hubspot": hubspot[0], "salesforce": salesforce[0]},
        "IsPrimary": {"hubspot": hubspot[1], "salesforce": salesforce[1]},
    }


def sync_labels(
    items: Sequence[LinkedRole], labels: LabelSet, *, salesforce: Any, hubspot: Any
) -> Outcome:
    """Settle every item's role and labels, writing what changed on either side."""
    outcome = Outcome()
    targets = _targets(items, labels)
    sf_writes: list[tuple[LinkedRole, WriteRequest]] = []
    adds: list[tuple[LinkedRole, LabelChange]] = []
    removes: list[LabelChange] = []
    after: dict[str, tuple[State, State]] = {}
    for item in items:
        hs, sf = labels.state_of(item.types), salesforce_state(item.role)
        target = targets[item.role.id]
        fields: dict[str, Any] = {}
        if sf[0] != target[0]:
            fields[ROLE_FIELD] = target[0]
        if sf[1] != target[1]:
            fields["IsPrimary"] = target[1]
        if fields:
            sf_writes.append(
                (
                    item,
                    WriteRequest(
                        object_type=ROLE_OBJECT, key=item.role.id, id=item.role.id, fields=fields
                    ),
                )
            )
        new_types = item.types
        if hs != target:
            wanted, complete = labels.wanted(target)
            outcome.unlabelled += 0 if complete else 1
            current = labels.managed(item.types)
            add, drop = wanted - current, current - wanted
            if add:
                adds.append((item, _change(item, add, labels)))
            if drop:
                removes.append(_change(item, drop, labels))
            new_types = frozenset((item.types - drop) | add)
        after[item.role.id] = (labels.state_of(new_types), target)
    refused = _apply(sf_writes, adds, removes, salesforce=salesforce, hubspot=hubspot)
    outcome.to_salesforce = len(sf_writes)
    outcome.to_hubspot = len(adds) + len(removes)
    for item in items:
        if item.role.id in refused:
            outcome.refused.append((item, *refused[item.role.id]))
            continue
        hs_after, sf_after = after[item.role.id]
        snapshot = snapshot_of(hs_after, sf_after)
        if snapshot != item.snapshot:
            outcome.snapshots[item.role.id] = snapshot
    return outcome


def _targets(items: Sequence[LinkedRole], labels: LabelSet) -> dict[str, State]:
    """Each role's settled ``(Role, IsPrimary)``; one primary per opportunity."""
    targets: dict[str, State] = {}
    fresh_primary: dict[str, list[str]] = defaultdict(list)
    for item in items:
        hs, sf = labels.state_of(item.types), salesforce_state(item.role)
        snap = item.snapshot or {}
        role = _settle(hs[0], sf[0], snap.get(ROLE_FIELD), empty=None)
        primary = bool(_settle(hs[1], sf[1], snap.get("IsPrimary"), empty=False))
        targets[item.role.id] = (role, primary)
        previous = (snap.get("IsPrimary") or {}).get("salesforce")
        if primary and (previous is not True or hs[1] != sf[1]):
            fresh_primary[item.opportunity].append(item.role.id)
    by_opportunity: dict[str, list[str]] = defaultdict(list)
    for item in items:
        if targets[item.role.id][1]:
            by_opportunity[item.opportunity].append(item.role.id)
    for opportunity, primaries in by_opportunity.items():
        if len(primaries) < 2:
            continue
        keep = (fresh_primary.get(opportunity) or primaries)[-1]
        for role_id in primaries:
            if role_id != keep:
                targets[role_id] = (targets[role_id][0], False)
    return targets


def _settle(hs: Any, sf: Any, snap: Mapping[str, Any] | None, *, empty: Any) -> Any:
    if hs == sf:
        return sf
    if snap is None:
        return hs if sf == empty else sf
    if sf != snap.get("salesforce"):
        return sf
    if hs != snap.get("hubspot"):
        return hs
    return sf


def _change(item: LinkedRole, types: set[int], labels: LabelSet) -> LabelChange:
    return LabelChange(
        key=item.role.id,
        from_id=item.deal,
        to_id=item.person,
        labels=tuple(labels.labels[t] for t in sorted(types)),
    )


def _apply(
    sf_writes: Sequence[tuple[LinkedRole, WriteRequest]],
    adds: Sequence[tuple[LinkedRole, LabelChange]],
    removes: Sequence[LabelChange],
    *,
    salesforce: Any,
    hubspot: Any,
) -> dict[str, tuple[System, WriteResult]]:
    """Send the writes; the refused ones by role id, with the system that refused."""
    refused: dict[str, tuple[System, WriteResult]] = {}
    if sf_writes:
        for result in salesforce.write([request for _item, request in sf_writes]):
            if not result.ok:
                refused[result.key] = (System.SALESFORCE, result)
    if adds or removes:
        if not isinstance(hubspot, AssociationLabels):
            raise ConfigurationError("contact role labels need a HubSpot connector with labels")
        if removes:
            hubspot.remove_labels("deals", "contacts", removes)
        if adds:
            for result in hubspot.add_labels("deals", "contacts", [c for _i, c in adds]):
                if not result.ok:
                    refused[result.key] = (System.HUBSPOT, result)
    return refused


__all__ = [
    "NO_ROLE",
    "LabelSet",
    "LinkedRole",
    "Outcome",
    "load_label_set",
    "salesforce_state",
    "snapshot_of",
    "sync_labels",
]
