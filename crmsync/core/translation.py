"""Value transforms between HubSpot's and Salesforce's spaces.

A :class:`Translator` turns a HubSpot value into the value Salesforce should hold
(``to_salesforce``) and back (``to_hubspot``), per :class:`~crmsync.core.mapping.FieldMapping`.
The record-level merge compares values in Salesforce's space, so a translation need not
be one-to-one (``Polska`` and ``Poland`` both become ``PL``) but must round-trip:
``to_salesforce(to_hubspot(x)) == x``, or every sync would echo (R26).

:class:`FieldTranslator` implements the transforms named in the mappings:

- ``country`` / ``state`` — :mod:`crmsync.core.geography` with the R11 settings; the
  state's country is read from the same record.
- ``value_map`` — the mapping's own ``(hubspot, salesforce)`` pairs.
- ``owner_by_email`` — HubSpot owner id ⇄ active Salesforce user id with the same email,
  from an :class:`OwnerDirectory`.

A failed translation carries a crmsync error code (``COUNTRY_NOT_MATCHED``,
``STATE_NOT_MATCHED``, ``VALUE_NOT_MAPPED``, ``OWNER_NOT_MATCHED``) for the health page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from crmsync.connectors.base import System
from crmsync.core.email import normalise_email
from crmsync.core.geography import (
    GeographyMode,
    GeoResult,
    OrgPicklists,
    PicklistSetup,
    country_code,
    country_to_hubspot,
    country_to_salesforce,
    salesforce_country_name,
    state_to_hubspot,
    state_to_salesforce,
)
from crmsync.core.mapping import PICKLIST_CODE_FIELDS, FieldMapping, Transform
from crmsync.core.values import FieldValue, is_blank

VALUE_NOT_MAPPED = "VALUE_NOT_MAPPED"
OWNER_NOT_MATCHED = "OWNER_NOT_MATCHED"

HUBSPOT_COUNTRY_PROPERTY = "country"
"""The HubSpot property a state's country is read from."""

SALESFORCE_COUNTRY_FIELDS: Mapping[str, tuple[str, ...]] = {
    # State field → the fields (code first) its country is read from.
    "State": ("CountryCode", "Country"),
    "StateCode": ("CountryCode", "Country"),
    "MailingState": ("MailingCountryCode", "MailingCountry"),
    "MailingStateCode": ("MailingCountryCode", "MailingCountry"),
    "BillingState": ("BillingCountryCode", "BillingCountry"),
    "BillingStateCode": ("BillingCountryCode", "BillingCountry"),
    "ShippingState": ("ShippingCountryCode", "ShippingCountry"),
    "ShippingStateCode": ("ShippingCountryCode", "ShippingCountry"),
}

_CODE_FIELDS = frozenset(PICKLIST_CODE_FIELDS.values())


@dataclass(frozen=True, kw_only=True)
class Translation:
    """A translated value, or the error code and detail of a failed translation.

    ``skip`` says there is nothing to write in this direction and nothing a person could
    fix on the record (a Salesforce owner with no HubSpot user: HubSpot's own integration
    would import the owner, which its API cannot do); the other side keeps its value.
    """

    value: FieldValue
    error_code: str | None = None
    detail: str = ""
    skip: bool = False

    @property
    def ok(self) -> bool:
        """True when ``value`` can be used."""
        return self.error_code is None


class Translator(Protocol):
    """Turns values of one mapping between HubSpot's and Salesforce's spaces."""

    def to_salesforce(
        self, mapping: FieldMapping, value: FieldValue, *, record: Mapping[str, Any]
    ) -> Translation:
        """HubSpot value → Salesforce value; ``record`` is the HubSpot record."""
        ...

    def to_hubspot(
        self, mapping: FieldMapping, value: FieldValue, *, record: Mapping[str, Any]
    ) -> Translation:
        """Salesforce value → HubSpot value; ``record`` is the Salesforce record."""
        ...


class IdentityTranslator:
    """A :class:`Translator` that changes nothing (mappings without transforms)."""

    def to_salesforce(
        self, mapping: FieldMapping, value: FieldValue, *, record: Mapping[str, Any]
    ) -> Translation:
        """Return ``value`` unchanged."""
        return Translation(value=value)

    def to_hubspot(
        self, mapping: FieldMapping, value: FieldValue, *, record: Mapping[str, Any]
    ) -> Translation:
        """Return ``value`` unchanged."""
        return Translation(value=value)


class Owners(Protocol):
    """Matches owners across the CRMs (an :class:`OwnerDirectory`, or one loaded on use)."""

    def salesforce_user_for(self, hubspot_owner_id: str) -> str | None:
        """The active Salesforce user with the HubSpot owner's email."""
        ...

    def hubspot_owner_for(self, salesforce_user_id: str) -> str | None:
        """The HubSpot owner with the Salesforce user's email."""
        ...


@dataclass(frozen=True, kw_only=True)
class OwnerDirectory:
    """Owners on both sides by email: HubSpot owner id → email, active SF user id → email."""

    hubspot_owner_emails: Mapping[str, str] = field(default_factory=dict)
    salesforce_user_emails: Mapping[str, str] = field(default_factory=dict)

    def salesforce_user_for(self, hubspot_owner_id: str) -> str | None:
        """The active Salesforce user with the HubSpot owner's email (lowest id if several)."""
        email = normalise_email(self.hubspot_owner_emails.get(hubspot_owner_id))
        return _first_with_email(self.salesforce_user_emails, email)

    def hubspot_owner_for(self, salesforce_user_id: str) -> str | None:
        """The HubSpot owner with the Salesforce user's email (lowest id if several)."""
        email = normalise_email(self.salesforce_user_emails.get(salesforce_user_id))
        return _first_with_email(self.hubspot_owner_emails, email)


def _first_with_email(emails: Mapping[str, str], email: str | None) -> str | None:
    if email is None:
        return None
    matches = sorted(key for key, value in emails.items() if normalise_email(value) == email)
    return matches[0] if matches else None


class FieldTranslator:
    """The standard :class:`Translator`: geography (R11), value maps and owners."""

    def __init__(
        self,
        *,
        picklists: PicklistSetup = PicklistSetup.DISABLED,
        mode: GeographyMode = GeographyMode.MATCH_SALESFORCE,
        org_picklists: OrgPicklists | None = None,
        owners: Owners | None = None,
    ) -> None:
        self._picklists = picklists
        self._mode = mode
        self._org = org_picklists
        self._owners = owners

    def to_salesforce(
        self, mapping: FieldMapping, value: FieldValue, *, record: Mapping[str, Any]
    ) -> Translation:
        """HubSpot value → Salesforce value for ``mapping``'s transform."""
        if is_blank(value) and mapping.salesforce_default is not None:
            return Translation(value=mapping.salesforce_default)
        if is_blank(value) or mapping.transform is None:
            return Translation(value=None if is_blank(value) else value)
        text = str(value)
        match mapping.transform:
            case Transform.COUNTRY:
                result = country_to_salesforce(
                    text, picklists=self._picklists, mode=self._mode, org=self._org
                )
                return self._geo(result, mapping, kind=Transform.COUNTRY, country=None)
            case Transform.STATE:
                country = self._hubspot_country(record)
                result = state_to_salesforce(
                    text, country=country, picklists=self._picklists, mode=self._mode, org=self._org
                )
                return self._geo(result, mapping, kind=Transform.STATE, country=country)
            case Transform.VALUE_MAP:
                for hubspot_value, salesforce_value in mapping.value_map:
                    if hubspot_value == text.strip():
                        return Translation(value=salesforce_value)
                return _not_mapped(mapping, text)
            case Transform.OWNER_BY_EMAIL:
                user = self._owners.salesforce_user_for(text) if self._owners else None
                if user is None:
                    return _owner_not_matched(text, "Salesforce user")
                return Translation(value=user)
            case Transform.REFERENCE:
                # Resolved by :class:`crmsync.core.references.ReferenceTranslator`, which
                # knows the batch's links; reaching here means nothing resolved it.
                return unresolved_reference(mapping, text, System.SALESFORCE)
            case Transform.DATE:
                return _date_only(text)
            case Transform.DEAL_STAGE | Transform.DEAL_PIPELINE:
                return _no_stage_table(mapping)
            case Transform.TRUNCATE:
                return Translation(value=truncate(text, mapping.max_length))
            case Transform.CONSTANT:
                return Translation(value=mapping.value_map[0][1] if mapping.value_map else None)

    def to_hubspot(
        self, mapping: FieldMapping, value: FieldValue, *, record: Mapping[str, Any]
    ) -> Translation:
        """Salesforce value → HubSpot value for ``mapping``'s transform."""
        if is_blank(value) or mapping.transform is None:
            return Translation(value=None if is_blank(value) else value)
        text = str(value)
        geography_as_is = self._mode is GeographyMode.AS_IS
        match mapping.transform:
            case Transform.COUNTRY:
                if geography_as_is:
                    return Translation(value=value)
                return Translation(value=country_to_hubspot(text, org=self._org).value)
            case Transform.STATE:
                if geography_as_is:
                    return Translation(value=value)
                country = self._salesforce_country(mapping, record)
                return Translation(
                    value=state_to_hubspot(text, country=country, org=self._org).value
                )
            case Transform.VALUE_MAP:
                for hubspot_value, salesforce_value in mapping.value_map:
                    if salesforce_value == text.strip():
                        return Translation(value=hubspot_value)
                return _not_mapped(mapping, text)
            case Transform.OWNER_BY_EMAIL:
                owner = self._owners.hubspot_owner_for(text) if self._owners else None
                if owner is None:
                    return Translation(
                        value=None,
                        skip=True,
                        detail=f"owner '{text}' has no HubSpot owner with the same email",
                    )
                return Translation(value=owner)
            case Transform.REFERENCE:
                return unresolved_reference(mapping, text, System.HUBSPOT)
            case Transform.DATE:
                date = _date_only(text)
                if not date.ok:
                    return date
                return Translation(value=f"{date.value}T00:00:00Z")
            case Transform.DEAL_STAGE | Transform.DEAL_PIPELINE:
                return _no_stage_table(mapping)
            case Transform.TRUNCATE:
                return Translation(value=value)
            case Transform.CONSTANT:
                return Translation(value=None, skip=True, detail="a fixed value stays in HubSpot")

    def _geo(
        self, result: GeoResult, mapping: FieldMapping, *, kind: Transform, country: str | None
    ) -> Translation:
        if result.error is not None:
            return Translation(value=None, error_code=result.error.value, detail=result.detail)
        if (
            result.converted
            and result.value is not None
            and self._picklists is not PicklistSetup.DISABLED
            and mapping.salesforce_field not in _CODE_FIELDS
        ):
            # The text field of an org with picklists must hold the name, not the code.
            return Translation(value=self._name_for_code(result.value, kind, country))
        return Translation(value=result.value)

    def _name_for_code(self, code: str, kind: Transform, country: str | None) -> str:
        if kind is Transform.COUNTRY:
            if self._org is not None:
                return country_to_hubspot(code, org=self._org).value or code
            return salesforce_country_name(code)
        return state_to_hubspot(code, country=country, org=self._org).value or code

    def _hubspot_country(self, record: Mapping[str, Any]) -> str | None:
        raw = record.get(HUBSPOT_COUNTRY_PROPERTY)
        if is_blank(raw):
            return None
        if self._picklists is PicklistSetup.CUSTOMIZED and self._org is not None:
            converted = country_to_salesforce(
                str(raw),
                picklists=self._picklists,
                mode=GeographyMode.MATCH_SALESFORCE,
                org=self._org,
            )
            if converted.value is not None:
                return converted.value
        return country_code(str(raw))

    def _salesforce_country(self, mapping: FieldMapping, record: Mapping[str, Any]) -> str | None:
        for name in SALESFORCE_COUNTRY_FIELDS.get(mapping.salesforce_field, ()):
            raw = record.get(name)
            if not is_blank(raw):
                return country_code(str(raw)) or str(raw)
        return None


REFERENCE_NOT_LINKED = "REFERENCE_NOT_LINKED"


def unresolved_reference(mapping: FieldMapping, record_id: str, target: System) -> Translation:
    """A reference whose record is not linked: ``REFERENCE_NOT_LINKED`` with both ids."""
    other = "HubSpot" if target is System.SALESFORCE else "Salesforce"
    return Translation(
        value=None,
        error_code=REFERENCE_NOT_LINKED,
        detail=(
            f"{mapping.hubspot_property} ⇄ {mapping.salesforce_field}: the {other} record "
            f"{record_id} ({mapping.reference_pair}) is not linked to a record on the other side"
        ),
    )


TRUNCATION_MARKER = " [truncated by crmsync]"
"""Ends a text cut to fit a Salesforce field (a long email body in a task, R24)."""


def truncate(text: str, limit: int | None) -> str:
    """``text`` cut to ``limit`` characters, ending with :data:`TRUNCATION_MARKER`."""
    if limit is None or len(text) <= limit:
        return text
    return text[: max(0, limit - len(TRUNCATION_MARKER))] + TRUNCATION_MARKER


def _date_only(text: str) -> Translation:
    """A date (``2026-06-30``) from a date, an ISO datetime or epoch milliseconds."""
    raw = text.strip()
    try:
        if raw.isdigit():
            moment = datetime.fromtimestamp(int(raw) / 1000, tz=UTC)
        else:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            if moment.tzinfo is not None:
                moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return Translation(value=None, error_code=VALUE_NOT_MAPPED, detail=f"'{raw}' is not a date")
    return Translation(value=moment.date().isoformat())


def _no_stage_table(mapping: FieldMapping) -> Translation:
    return Translation(
        value=None,
        error_code=VALUE_NOT_MAPPED,
        detail=f"{mapping.hubspot_property} ⇄ {mapping.salesforce_field} needs the deal "
        "stage table (deals.stages)",
    )


def _not_mapped(mapping: FieldMapping, text: str) -> Translation:
    return Translation(
        value=None,
        error_code=VALUE_NOT_MAPPED,
        detail=f"'{text}' has no counterpart in the value map of "
        f"{mapping.hubspot_property} ⇄ {mapping.salesforce_field}",
    )


def _owner_not_matched(owner_id: str, other: str) -> Translation:
    return Translation(
        value=None,
        error_code=OWNER_NOT_MATCHED,
        detail=f"owner '{owner_id}' has no active {other} with the same email",
    )
