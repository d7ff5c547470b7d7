"""The org as the SOQL engine's ``QuerySource``, seen by one caller (field security applies)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from crmsync.emulators.salesforce.ids import normalise_id
from crmsync.emulators.salesforce.org import Caller, Org


class OrgQuerySource:
    """Implements :class:`crmsync.emulators.salesforce.soql.QuerySource` over an org.

    Fields hidden from the caller by field-level security do not exist here, so a query
    naming one fails with INVALID_FIELD as it does in Salesforce.
    """

    def __init__(self, org: Org, caller: Caller) -> None:
        self._org = org
        self._caller = caller

    def canonical_object(self, name: str) -> str | None:
        """Case-insensitive object name → API name."""
        return self._org.canonical_object(name)

    def canonical_field(self, sobject: str, field: str) -> str | None:
        """Case-insensitive field name → API name (None if unknown or hidden)."""
        definition = self._org.field(sobject, field, self._caller)
        return definition.name if definition is not None else None

    def field_names(self, sobject: str) -> list[str]:
        """Fields the caller may read, in describe order."""
        return self._org.visible_fields(sobject, self._caller)

    def field_type(self, sobject: str, field: str) -> str | None:
        """Describe type of a field."""
        definition = self._org.field(sobject, field, self._caller)
        if definition is None:
            return None
        return "string" if definition.type == "combobox" else definition.type

    def components(self, sobject: str, field: str) -> tuple[tuple[str, str], ...]:
        """``(JSON key, component)`` pairs of a compound field (empty for other fields).

        A component hidden from the caller by field-level security is left out of the
        compound too (inferred: no value it may not read reaches the caller).
        """
        definition = self._org.field(sobject, field, self._caller)
        if definition is None or not definition.is_compound:
            return ()
        return self._org.components(sobject, definition.name, self._caller)

    def parent_relationship(self, sobject: str, relationship: str) -> tuple[str, str] | None:
        """``("Contact", "account")`` → ``("AccountId", "Account")``."""
        wanted = relationship.casefold()
        for definition in self._org.describe(sobject).fields.values():
            name = definition.relationship_name
            if definition.type == "reference" and name and name.casefold() == wanted:
                if self._org.access(sobject, definition.name, self._caller) == "hidden":
                    return None
                return definition.name, definition.reference_to[0]
        return None

    def child_relationship(self, sobject: str, relationship: str) -> tuple[str, str] | None:
        """``("Account", "contacts")`` → ``("Contact", "AccountId")``."""
        wanted = relationship.casefold()
        for child in self._org.describe(sobject).children:
            if child.name.casefold() == wanted:
                return child.child, child.field
        return None

    def records(self, sobject: str) -> Iterable[Mapping[str, Any]]:
        """Every row, deleted included."""
        return self._org.store.rows(sobject)

    def get_record(self, sobject: str, record_id: str) -> Mapping[str, Any] | None:
        """One row of ``sobject`` by id, or None."""
        normalised = normalise_id(record_id)
        if normalised is None:
            return None
        found = self._org.store.get(normalised)
        if found is None or found[0] != sobject:
            return None
        return found[1]
