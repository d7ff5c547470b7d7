"""Associations between records, both directions kept in step (v4 numeric type ids, B.5)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from crmsync.emulators.hubspot import catalog
from crmsync.emulators.hubspot.association_labels import USER_DEFINED, LabelRegistry
from crmsync.emulators.hubspot.errors import HubSpotApiError, bad_request
from crmsync.emulators.hubspot.persistence import AssociationRow, Persistence

Key = tuple[str, int]  # (object type, record id)
PRIMARY_COMPANY = 1
"""contact → company "Primary" association type id."""


class AssociationStore:
    """``links[(type, id)][to_type][to_id]`` is the set of type ids from one record to another."""

    def __init__(
        self,
        *,
        persistence: Persistence,
        on_primary_change: Callable[[int, int | None], None] | None = None,
    ) -> None:
        self._persist = persistence
        self._lock = threading.RLock()
        self.links: dict[Key, dict[str, dict[int, set[int]]]] = {}
        self.labels = LabelRegistry(persistence=persistence)
        # Told (contact id, primary company id or None) when a contact's primary company
        # changes, so the account keeps the contact's ``associatedcompanyid`` in step.
        self._on_primary_change = on_primary_change

    def clear(self) -> None:
        """Forget every association."""
        with self._lock:
            self.links = {}
            self.labels.clear()

    def kind(self, type_id: int) -> catalog.AssociationType:
        """A type id's definition: HubSpot's own, or one of the account's labels."""
        found = catalog.ASSOCIATION_TYPES.get(type_id) or self.labels.get(type_id)
        if found is None:
            raise bad_request(f"{type_id} is not a valid association type id")
        return found

    def check_type(
        self, *, from_type: str, to_type: str, type_id: int, category: str = "HUBSPOT_DEFINED"
    ) -> catalog.AssociationType:
        """The type, if it really joins these object types in this category; else a 400."""
        kind = catalog.ASSOCIATION_TYPES.get(type_id)
        if category == USER_DEFINED:
            kind = self.labels.get(type_id)
        if kind is None or (kind.from_type, kind.to_type) != (from_type, to_type):
            raise bad_request(
                f"{type_id} is not a valid association type id between {from_type} and {to_type}",
                sub_category="crm-associations.INVALID_ASSOCIATION_TYPE",
            )
        return kind

    def load(self, rows: Iterable[AssociationRow]) -> None:
        """Rebuild from a data file."""
        with self._lock:
            for from_type, from_id, to_type, to_id, ids in rows:
                self.links.setdefault((from_type, from_id), {}).setdefault(to_type, {})[to_id] = (
                    set(ids)
                )

    def types_between(self, *, from_type: str, from_id: int, to_type: str, to_id: int) -> set[int]:
        """The type ids from one record to another (empty when not associated)."""
        return set(self.links.get((from_type, from_id), {}).get(to_type, {}).get(to_id, set()))

    def targets(self, *, from_type: str, from_id: int, to_type: str) -> dict[int, set[int]]:
        """Every record of ``to_type`` associated from one record, with its type ids."""
        return self.links.get((from_type, from_id), {}).get(to_type, {})

    def add(
        self, *, from_type: str, from_id: int, to_type: str, to_id: int, type_ids: Iterable[int]
    ) -> set[int]:
        """Associate two records with the given types (and their reverses); returns all types."""
        wanted = set(type_ids)
        for type_id in list(wanted):
            kind = self.kind(type_id)
            if kind.implies is not None:
                wanted.add(kind.implies)
        with self._lock:
            if 1 in wanted or 5 in wanted:
                self._drop_other_primary(
                    from_type=from_type,
                    from_id=from_id,
                    to_type=to_type,
                    keep=to_id,
                    primary=1 if 1 in wanted else 5,
                )
            forward = self.links.setdefault((from_type, from_id), {}).setdefault(to_type, {})
            forward.setdefault(to_id, set()).update(wanted)
            reverse = self.links.setdefault((to_type, to_id), {}).setdefault(from_type, {})
            reverse.setdefault(from_id, set()).update(self.kind(t).reverse_id for t in wanted)
            self._save_pair(from_type, from_id, to_type, to_id)
            self._primary_changed(from_type, from_id, to_type, to_id)
            return set(forward[to_id])

    def remove(
        self,
        *,
        from_type: str,
        from_id: int,
        to_type: str,
        to_id: int,
        type_ids: Iterable[int] | None = None,
    ) -> None:
        """Remove some types (all when ``type_ids`` is None) between two records."""
        with self._lock:
            forward = self.links.get((from_type, from_id), {}).get(to_type, {})
            current = forward.get(to_id)
            if not current:
                return
            drop = set(current) if type_ids is None else set(type_ids) & current
            current -= drop
            reverse = self.links.get((to_type, to_id), {}).get(from_type, {})
            back = reverse.get(from_id, set())
            back -= {self.kind(t).reverse_id for t in drop}
            if not current:
                forward.pop(to_id, None)
            if not back:
                reverse.pop(from_id, None)
            self._save_pair(from_type, from_id, to_type, to_id)
            self._primary_changed(from_type, from_id, to_type, to_id)

    def move(self, *, object_type: str, from_id: int, to_id: int) -> None:
        """Give every association of one record to another (contact merge)."""
        with self._lock:
            for to_type, targets in list(self.links.get((object_type, from_id), {}).items()):
                for target_id, ids in list(targets.items()):
                    if (to_type, target_id) == (object_type, to_id):
                        continue
                    self.remove(
                        from_type=object_type, from_id=from_id, to_type=to_type, to_id=target_id
                    )
                    plain = {i for i in ids if self.kind(i).label != "Primary"}
                    self.add(
                        from_type=object_type,
                        from_id=to_id,
                        to_type=to_type,
                        to_id=target_id,
                        type_ids=plain or ids,
                    )

    def primary_company(self, contact_id: int) -> int | None:
        """The contact's primary company (association type 1), if any."""
        for company_id, ids in self.targets(
            from_type="contacts", from_id=contact_id, to_type="companies"
        ).items():
            if PRIMARY_COMPANY in ids:
                return company_id
        return None

    def _primary_changed(self, from_type: str, from_id: int, to_type: str, to_id: int) -> None:
        if self._on_primary_change is None:
            return
        if (from_type, to_type) == ("contacts", "companies"):
            self._on_primary_change(from_id, self.primary_company(from_id))
        elif (from_type, to_type) == ("companies", "contacts"):
            self._on_primary_change(to_id, self.primary_company(to_id))

    def _drop_other_primary(
        self, *, from_type: str, from_id: int, to_type: str, keep: int, primary: int
    ) -> None:
        """A record has one primary company: a new primary replaces the old one."""
        for other, ids in list(
            self.targets(from_type=from_type, from_id=from_id, to_type=to_type).items()
        ):
            if other != keep and primary in ids:
                self.remove(
                    from_type=from_type,
                    from_id=from_id,
                    to_type=to_type,
                    to_id=other,
                    type_ids=[primary],
                )

    def _save_pair(self, from_type: str, from_id: int, to_type: str, to_id: int) -> None:
        forward = self.types_between(
            from_type=from_type, from_id=from_id, to_type=to_type, to_id=to_id
        )
        back = self.types_between(
            from_type=to_type, from_id=to_id, to_type=from_type, to_id=from_id
        )
        self._persist.save_associations(
            [
                (from_type, from_id, to_type, to_id, sorted(forward)),
                (to_type, to_id, from_type, from_id, sorted(back)),
            ]
        )


def target_type_of(*, from_type: str, type_id: int, labels: LabelRegistry | None = None) -> str:
    """The object type an association type id points to, from a given object type."""
    kind = catalog.ASSOCIATION_TYPES.get(type_id)
    if kind is None and labels is not None:
        kind = labels.get(type_id)
    if kind is None or kind.from_type != from_type:
        raise HubSpotApiError(
            status=400,
            category="VALIDATION_ERROR",
            message=f"association type id {type_id} is not valid from {from_type}",
        )
    return kind.to_type
