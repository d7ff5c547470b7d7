"""Binding the names of a parsed query to the org's schema, and reading bound paths.

Resolution turns ``account.owner.email`` on Contact into canonical hops
(``AccountId`` → Account as ``Account``, ``OwnerId`` → User as ``Owner``) and a final
canonical field with its describe type, raising Salesforce's INVALID_FIELD /
INVALID_TYPE errors for unknown names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from crmsync.emulators.salesforce.soql.ast import FieldPath, ObjectName
from crmsync.emulators.salesforce.soql.errors import INVALID_FIELD, INVALID_TYPE, located_error
from crmsync.emulators.salesforce.soql.source import QuerySource, compound_value

Row = Mapping[str, Any]

_NO_SUCH_COLUMN_HINT: Final = (
    "If you are attempting to use a custom field, be sure to append the '__c' after the "
    "custom field name. Please reference your WSDL or the describe call for the "
    "appropriate names."
)
_RELATIONSHIP_HINT: Final = (
    "If you are attempting to use a custom relationship, be sure to append the '__r' after "
    "the custom relationship name. Please reference your WSDL or the describe call for the "
    "appropriate names."
)
_OBJECT_HINT: Final = (
    "If you are attempting to use a custom object, be sure to append the '__c' after the "
    "entity name. Please reference your WSDL or the describe call for the appropriate names."
)


@dataclass(frozen=True, slots=True)
class Hop:
    """One parent step: follow ``reference_field`` to a ``target`` row, shown as ``name``."""

    reference_field: str
    name: str
    target: str


@dataclass(frozen=True, slots=True)
class BoundField:
    """A select-list, WHERE or ORDER BY path bound to the schema."""

    path: FieldPath
    hops: tuple[Hop, ...]
    owner: str  # the object that holds ``name`` (the last hop's target, or the root)
    name: str
    type: str
    # A compound (``BillingAddress``): its (JSON key, component field) pairs.
    components: tuple[tuple[str, str], ...] = ()

    def value(self, row: Row) -> Any:
        """The field's value in ``row``, the row that holds it (a compound is built)."""
        if self.components:
            return compound_value(row, self.components)
        return row.get(self.name)

    def refuse_compound(self, text: str, use: str) -> None:
        """INVALID_FIELD when a compound is used where only its components may be
        (``use`` is Salesforce's wording: ``filtered in query call``, ``sorted in a
        query call``)."""
        if self.components:
            raise located_error(
                INVALID_FIELD, text, self.path.position, f"field '{self.name}' can not be {use}"
            )


def relationship_name(reference_field: str, written: str) -> str:
    """The canonical relationship name Salesforce uses as the JSON key of a parent.

    The port gives the reference field, not the relationship's own name, so it is derived
    from the field the standard way: ``AccountId`` → ``Account``, ``Foo__c`` → ``Foo__r``.
    """
    if reference_field.endswith("__c"):
        return reference_field[: -len("__c")] + "__r"
    if reference_field.endswith("Id") and len(reference_field) > 2:
        return reference_field[: -len("Id")]
    return written


@dataclass
class Context:
    """Everything one execution shares: the source, the clock and a parent-row cache."""

    source: QuerySource
    text: str
    include_deleted: bool
    now: dt.datetime
    _parents: dict[tuple[str, str], Row | None] = field(default_factory=dict)

    def visible(self, row: Row) -> bool:
        """Whether a row takes part in this query (deleted rows only for queryAll)."""
        return self.include_deleted or not row.get("IsDeleted")

    def parent(self, sobject: str, record_id: Any) -> Row | None:
        """The parent row ``record_id`` of ``sobject``, cached for the whole execution."""
        if not record_id:
            return None
        key = (sobject, str(record_id))
        if key not in self._parents:
            row = self.source.get_record(sobject, key[1])
            self._parents[key] = row if row is not None and self.visible(row) else None
        return self._parents[key]

    def resolve_object(self, name: ObjectName) -> str:
        """Canonical name of a FROM object, or INVALID_TYPE."""
        canonical = self.source.canonical_object(name.name)
        if canonical is None:
            raise located_error(
                INVALID_TYPE,
                self.text,
                name.position,
                f"sObject type '{name.name}' is not supported. {_OBJECT_HINT}",
            )
        return canonical

    def resolve_child(self, sobject: str, name: ObjectName) -> tuple[str, str]:
        """``(child object, foreign key)`` of a child subquery's FROM, or INVALID_TYPE."""
        child = self.source.child_relationship(sobject, name.name)
        if child is None:
            raise located_error(
                INVALID_TYPE,
                self.text,
                name.position,
                f"Didn't understand relationship '{name.name}' in FROM part of query call. "
                f"{_RELATIONSHIP_HINT}",
            )
        return child

    def bind(self, sobject: str, path: FieldPath) -> BoundField:
        """Bind ``path`` (relative to ``sobject``) to canonical names and a type."""
        hops: list[Hop] = []
        owner = sobject
        for part in path.parts[:-1]:
            parent = self.source.parent_relationship(owner, part)
            if parent is None:
                raise located_error(
                    INVALID_FIELD,
                    self.text,
                    path.position,
                    f"Didn't understand relationship '{part}' in field path. {_RELATIONSHIP_HINT}",
                )
            reference_field, target = parent
            hops.append(Hop(reference_field, relationship_name(reference_field, part), target))
            owner = target
        written = path.parts[-1]
        canonical = self.source.canonical_field(owner, written)
        field_type = self.source.field_type(owner, canonical) if canonical else None
        if canonical is None or field_type is None:
            raise located_error(
                INVALID_FIELD,
                self.text,
                path.position,
                f"No such column '{written}' on entity '{owner}'. {_NO_SUCH_COLUMN_HINT}",
            )
        components = self.source.components(owner, canonical)
        return BoundField(path, tuple(hops), owner, canonical, field_type, components)

    def getter(self, bound: BoundField) -> Callable[[Row], Any]:
        """A fast reader of ``bound``'s value from a root row (None when a parent is absent)."""
        name = bound.name

        def plain(row: Row) -> Any:
            return row.get(name)

        value = bound.value if bound.components else plain
        if not bound.hops:
            return value
        hops = bound.hops

        def read(row: Row) -> Any:
            current: Row | None = row
            for hop in hops:
                assert current is not None
                current = self.parent(hop.target, current.get(hop.reference_field))
                if current is None:
                    return None
            assert current is not None
            return value(current)

        return read
