"""USER_DEFINED association labels, per account (``/crm/v4/associations/{from}/{to}/labels``).

A portal defines its own labels between two object types (a deal's "Decision Maker"
contact). Creating one defines two directional type ids, the label and its reverse
(``inverseLabel``, else the same label); an association carrying a label also carries
the pair's unlabeled type, as HubSpot's do. Ids are allocated from :data:`FIRST_USER_TYPE`
so they never collide with HUBSPOT_DEFINED ones.
"""

from __future__ import annotations

import threading
from dataclasses import asdict
from typing import Any

from crmsync.emulators.hubspot import catalog
from crmsync.emulators.hubspot.errors import HubSpotApiError, bad_request
from crmsync.emulators.hubspot.persistence import Persistence

FIRST_USER_TYPE = 1000
USER_DEFINED = "USER_DEFINED"
_META_KEY = "association_labels"


class LabelRegistry:
    """The account's USER_DEFINED association types by type id."""

    def __init__(self, *, persistence: Persistence) -> None:
        self._persist = persistence
        self._lock = threading.RLock()
        self.types: dict[int, catalog.AssociationType] = {}

    def clear(self) -> None:
        """Forget every label."""
        with self._lock:
            self.types = {}

    def load(self, meta: dict[str, Any]) -> None:
        """Rebuild from a data file."""
        with self._lock:
            self.types = {
                int(row["type_id"]): catalog.AssociationType(**row)
                for row in meta.get(_META_KEY) or ()
            }

    def get(self, type_id: int) -> catalog.AssociationType | None:
        """A label's type, None when the account has no such label."""
        return self.types.get(type_id)

    def between(self, from_type: str, to_type: str) -> list[catalog.AssociationType]:
        """Every label from one object type to another, by type id."""
        return sorted(
            (k for k in self.types.values() if (k.from_type, k.to_type) == (from_type, to_type)),
            key=lambda k: k.type_id,
        )

    def create(
        self, *, from_type: str, to_type: str, label: str, name: str, inverse: str | None
    ) -> tuple[catalog.AssociationType, catalog.AssociationType]:
        """Define a label (and its reverse); HubSpot's 400 for a bad or taken name."""
        label, name = label.strip(), name.strip()
        if not label or not name:
            raise bad_request("label and name are required")
        forward_default = catalog.DEFAULT_ASSOCIATION.get((from_type, to_type))
        reverse_default = catalog.DEFAULT_ASSOCIATION.get((to_type, from_type))
        if forward_default is None or reverse_default is None:
            raise bad_request(f"{from_type} and {to_type} cannot be associated")
        with self._lock:
            taken = {k.name for k in self.between(from_type, to_type)}
            taken |= {k.label for k in self.between(from_type, to_type)}
            if name in taken or label in taken:
                raise HubSpotApiError(
                    status=400,
                    category="VALIDATION_ERROR",
                    message=f"An association label named {name!r} already exists between "
                    f"{from_type} and {to_type}.",
                    sub_category="crm-associations.LABEL_ALREADY_EXISTS",
                )
            first = max([FIRST_USER_TYPE - 1, *self.types]) + 1
            forward = catalog.AssociationType(
                from_type=from_type, to_type=to_type, type_id=first, label=label,
                reverse_id=first + 1, implies=forward_default, category=USER_DEFINED, name=name,
            )  # fmt: skip
            reverse = catalog.AssociationType(
                from_type=to_type, to_type=from_type, type_id=first + 1,
                label=(inverse or "").strip() or label, reverse_id=first,
                implies=reverse_default, category=USER_DEFINED, name=name,
            )  # fmt: skip
            self.types[forward.type_id] = forward
            self.types[reverse.type_id] = reverse
            self._save()
            return forward, reverse

    def rename(
        self, *, from_type: str, to_type: str, type_id: int, label: str, inverse: str | None
    ) -> None:
        """Change a label's text (and its reverse's); 404 when it is not defined."""
        kind = self.find(from_type, to_type, type_id)
        if not label.strip():
            raise bad_request("label is required")
        with self._lock:
            self.types[type_id] = _with_label(kind, label.strip())
            reverse = self.types[kind.reverse_id]
            self.types[kind.reverse_id] = _with_label(
                reverse, (inverse or "").strip() or label.strip()
            )
            self._save()

    def delete(self, *, from_type: str, to_type: str, type_id: int) -> tuple[int, int]:
        """Remove a label and its reverse; their type ids, for the associations to drop."""
        kind = self.find(from_type, to_type, type_id)
        with self._lock:
            self.types.pop(kind.type_id, None)
            self.types.pop(kind.reverse_id, None)
            self._save()
        return kind.type_id, kind.reverse_id

    def find(self, from_type: str, to_type: str, type_id: int) -> catalog.AssociationType:
        """A label between two object types; HubSpot's 404 when there is none."""
        kind = self.types.get(type_id)
        if kind is None or (kind.from_type, kind.to_type) != (from_type, to_type):
            raise HubSpotApiError(
                status=404,
                category="OBJECT_NOT_FOUND",
                message=f"No association label {type_id} between {from_type} and {to_type}.",
            )
        return kind

    def _save(self) -> None:
        self._persist.save_meta(_META_KEY, [asdict(k) for k in self.types.values()])


def _with_label(kind: catalog.AssociationType, label: str) -> catalog.AssociationType:
    return catalog.AssociationType(**{**asdict(kind), "label": label})
