"""What the SOQL engine needs from an org (the port) and what it hands back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol


class QuerySource(Protocol):
    """An org's schema and rows, as the emulator's store exposes them.

    Every name lookup is case-insensitive and returns the canonical API name (or None
    when unknown). Rows are in Salesforce JSON form: dates ``"2024-05-01"``, dateTimes
    ``"2024-05-01T10:00:00.000+0000"``, numbers as numbers, booleans as booleans, and
    ``IsDeleted`` true for rows in the recycle bin.
    """

    def canonical_object(self, name: str) -> str | None:
        """``"contact"`` → ``"Contact"``."""
        ...

    def canonical_field(self, sobject: str, field: str) -> str | None:
        """``("Contact", "lastname")`` → ``"LastName"``."""
        ...

    def field_names(self, sobject: str) -> list[str]:
        """Every field of ``sobject`` the caller may read, in describe order."""
        ...

    def field_type(self, sobject: str, field: str) -> str | None:
        """The describe type of a field: ``string``, ``datetime``, ``reference``, ..."""
        ...

    def components(self, sobject: str, field: str) -> tuple[tuple[str, str], ...]:
        """``(JSON key, component field)`` pairs of a compound (``address``/``location``)
        field such as ``BillingAddress``; empty for any other field."""
        ...

    def parent_relationship(self, sobject: str, relationship: str) -> tuple[str, str] | None:
        """``("Contact", "Account")`` → ``("AccountId", "Account")``."""
        ...

    def child_relationship(self, sobject: str, relationship: str) -> tuple[str, str] | None:
        """``("Opportunity", "OpportunityContactRoles")`` → ``("OpportunityContactRole",
        "OpportunityId")``."""
        ...

    def records(self, sobject: str) -> Iterable[Mapping[str, Any]]:
        """Every row of ``sobject``, deleted ones included."""
        ...

    def get_record(self, sobject: str, record_id: str) -> Mapping[str, Any] | None:
        """One row by id (deleted ones included), or None."""
        ...


def compound_value(row: Mapping[str, Any], components: tuple[tuple[str, str], ...]) -> Any:
    """A compound as Salesforce returns it: ``{"city": ..., "street": ...}`` built from the
    row's components, or None when every component is empty."""
    value = {key: row.get(field) for key, field in components}
    return value if any(item is not None for item in value.values()) else None


@dataclass(frozen=True, slots=True)
class QueryResult:
    """Every row a query selects, already shaped as Salesforce's JSON records.

    The server pages ``rows`` into ``nextRecordsUrl`` batches. ``total_size`` is the
    query's ``totalSize`` (after LIMIT/OFFSET); for ``SELECT COUNT()`` ``is_count`` is
    true, ``rows`` is empty and ``total_size`` is the count.
    """

    rows: list[dict[str, Any]]
    total_size: int
    is_count: bool
