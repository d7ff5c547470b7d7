"""References between pairs as plain values: a record id on one side ⇄ its partner's id.

A mapped field can hold the id of a record of another pair (``Contact.AccountId`` holds an
Account, the contact's ``associatedcompanyid`` its primary company). The engine reads the
links of every id a batch refers to, once per batch, into a :class:`ReferenceMap`; the
:class:`ReferenceTranslator` then turns ids across like any other transform, so the
merge stays a pure function of values (R21, R22, R24).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from crmsync.connectors.base import System
from crmsync.core.mapping import FieldMapping, Transform
from crmsync.core.translation import Translation, Translator, unresolved_reference
from crmsync.core.values import FieldValue, is_blank


@dataclass(kw_only=True)
class ReferenceMap:
    """Linked ids of referenced pairs, by ``(pair, id)`` on each side."""

    salesforce_by_hubspot: dict[tuple[str, str], str] = field(default_factory=dict)
    hubspot_by_salesforce: dict[tuple[str, str], str] = field(default_factory=dict)

    def add(self, *, pair: str, hubspot_id: str, salesforce_id: str) -> None:
        """Know one link of ``pair``."""
        self.salesforce_by_hubspot[(pair, hubspot_id)] = salesforce_id
        self.hubspot_by_salesforce[(pair, salesforce_id)] = hubspot_id

    def knows_hubspot(self, pair: str, hubspot_id: str) -> bool:
        """True when the HubSpot record of ``pair`` is linked."""
        return (pair, hubspot_id) in self.salesforce_by_hubspot

    def knows_salesforce(self, pair: str, salesforce_id: str) -> bool:
        """True when the Salesforce record of ``pair`` is linked."""
        return (pair, salesforce_id) in self.hubspot_by_salesforce


class ReferenceTranslator:
    """A :class:`Translator` that maps reference ids through a :class:`ReferenceMap`.

    Every other row goes to ``inner``. An id whose record is not linked fails with
    ``REFERENCE_NOT_LINKED`` (an ``associations`` sync error carrying both ids, R3).
    """

    def __init__(self, *, inner: Translator, references: ReferenceMap) -> None:
        self._inner = inner
        self._references = references

    def to_salesforce(
        self, mapping: FieldMapping, value: FieldValue, *, record: Mapping[str, Any]
    ) -> Translation:
        """A HubSpot id → the linked Salesforce id."""
        if mapping.transform is not Transform.REFERENCE:
            return self._inner.to_salesforce(mapping, value, record=record)
        if is_blank(value):
            return Translation(value=None)
        text = str(value).strip()
        found = self._references.salesforce_by_hubspot.get((str(mapping.reference_pair), text))
        if found is None:
            return unresolved_reference(mapping, text, System.SALESFORCE)
        return Translation(value=found)

    def to_hubspot(
        self, mapping: FieldMapping, value: FieldValue, *, record: Mapping[str, Any]
    ) -> Translation:
        """A Salesforce id → the linked HubSpot id.

        A cleared reference is not carried to HubSpot: HubSpot keeps the primary
        association (removing one needs the old company, and HubSpot's own integration
        leaves it too).
        """
        if mapping.transform is not Transform.REFERENCE:
            return self._inner.to_hubspot(mapping, value, record=record)
        if is_blank(value):
            return Translation(value=None, skip=True, detail="a cleared reference is kept")
        text = str(value).strip()
        found = self._references.hubspot_by_salesforce.get((str(mapping.reference_pair), text))
        if found is None:
            return unresolved_reference(mapping, text, System.HUBSPOT)
        return Translation(value=found)
