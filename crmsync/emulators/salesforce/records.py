"""Record operations of an org: create, read, update, upsert, delete, lead conversion.

Each operation works on one record and raises :class:`ApiError` with Salesforce's code;
REST handlers, collections, composite and Bulk 2.0 all call these, so every path
validates the same way.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from crmsync.emulators.salesforce.errors import ApiError, not_found
from crmsync.emulators.salesforce.ids import is_malformed_id, normalise_id, prefix_object
from crmsync.emulators.salesforce.org import Caller, Org
from crmsync.emulators.salesforce.soql.source import compound_value
from crmsync.emulators.salesforce.store import Row
from crmsync.emulators.salesforce.validation import check_rules, prepare_write
from crmsync.emulators.salesforce.values import format_datetime

# Deleting a parent deletes these children, as Salesforce's cascade does.
CASCADES: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "Account": (("Contact", "AccountId"), ("Opportunity", "AccountId")),
    "Opportunity": (("OpportunityContactRole", "OpportunityId"),),
    "Contact": (("OpportunityContactRole", "ContactId"), ("CampaignMember", "ContactId")),
    "Lead": (("CampaignMember", "LeadId"),),
    "Campaign": (("CampaignMember", "CampaignId"),),
}


class Records:
    """The record operations of one org, on behalf of one caller."""

    def __init__(self, org: Org, caller: Caller, *, allow_duplicates: bool = False) -> None:
        self.org = org
        self.caller = caller
        self.allow_duplicates = allow_duplicates

    # lookups -------------------------------------------------------------------------
    def object_name(self, name: str) -> str:
        """Canonical object name, or 404 NOT_FOUND."""
        canonical = self.org.canonical_object(name)
        if canonical is None:
            raise not_found()
        return canonical

    def find(self, sobject: str, record_id: str, *, deleted_ok: bool = False) -> Row:
        """The row of ``record_id`` in ``sobject``; MALFORMED_ID / NOT_FOUND / ENTITY_IS_DELETED."""
        normalised = normalise_id(record_id)
        if normalised is None:
            if is_malformed_id(record_id):
                raise ApiError.single(
                    "MALFORMED_ID", f"{sobject} ID: id value of incorrect type: {record_id}"
                )
            raise not_found()
        if prefix_object(normalised) != sobject:
            raise ApiError.single(
                "MALFORMED_ID", f"{sobject} ID: id value of incorrect type: {record_id}"
            )
        found = self.org.store.get(normalised)
        if found is None or found[0] != sobject:
            raise not_found()
        row = found[1]
        if row.get("IsDeleted") and not deleted_ok:
            raise ApiError.single("ENTITY_IS_DELETED", "entity is deleted", status=404)
        return row

    def external_field(self, sobject: str, name: str) -> str:
        """The canonical external-id field (or Id), or 404 as Salesforce answers."""
        definition = self.org.field(sobject, name, self.caller)
        if definition is None or not (definition.external_id or definition.name == "Id"):
            raise ApiError.single(
                "NOT_FOUND",
                f"Provided external ID field does not exist or is not accessible: {name}",
                status=404,
            )
        return definition.name

    def by_external_id(self, sobject: str, field: str, value: str) -> list[Row]:
        """Live rows whose external id ``field`` equals ``value``."""
        if field == "Id":
            try:
                return [self.find(sobject, value)]
            except ApiError:
                return []
        return self.org.store.find(sobject, field, value)

    def render(self, sobject: str, row: Row, api_version: str, fields: list[str] | None = None
               ) -> dict[str, Any]:  # fmt: skip
        """A row as the REST API returns it (``attributes`` first, hidden fields left out)."""
        out: dict[str, Any] = {
            "attributes": {"type": sobject, "url": record_url(api_version, sobject, row["Id"])}
        }
        if fields is None:
            for name in self.org.visible_fields(sobject, self.caller):
                out[name] = self._value(sobject, row, name)
            return out
        for name in fields:
            definition = self.org.field(sobject, name.strip(), self.caller)
            if definition is None:
                raise ApiError.single(
                    "INVALID_FIELD",
                    f"No such column '{name.strip()}' on entity '{sobject}'. If you are "
                    "attempting to use a custom field, be sure to append the '__c' after the "
                    "custom field name. Please reference your WSDL or the describe call for "
                    "the appropriate names.",
                )
            out[definition.name] = self._value(sobject, row, definition.name)
        return out

    def _value(self, sobject: str, row: Row, name: str) -> Any:
        """A stored field's value, or a compound built from its components."""
        definition = self.org.describe(sobject).fields[name]
        if not definition.is_compound:
            return row.get(name)
        return compound_value(row, self.org.components(sobject, name, self.caller))

    # writes --------------------------------------------------------------------------
    def create(self, sobject: str, body: dict[str, Any]) -> str:
        """Insert a record; returns its id."""
        row, values = prepare_write(self.org, sobject, body, self.caller, None)
        row["Id"] = "pending"
        check_rules(self.org, sobject, row, values, allow_duplicates=self.allow_duplicates)
        _check_owner(self.org, row, values)
        row["Id"] = self.org.ids.new(self.org.describe(sobject).key_prefix)
        self.org.store.put(sobject, row)
        self._one_primary(sobject, row)
        return str(row["Id"])

    def update(self, sobject: str, record_id: str, body: dict[str, Any]) -> str:
        """Update a record; returns its canonical id."""
        current = self.find(sobject, record_id)
        if sobject == "Lead" and current.get("IsConverted"):
            raise ApiError.single("CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead")
        row, values = prepare_write(self.org, sobject, body, self.caller, current)
        check_rules(self.org, sobject, row, values, allow_duplicates=self.allow_duplicates)
        _check_owner(self.org, row, values)
        self.org.store.put(sobject, row)
        self._one_primary(sobject, row)
        return str(row["Id"])

    def _one_primary(self, sobject: str, row: Row) -> None:
        """An opportunity has one primary contact role: a new primary clears the others."""
        if sobject != "OpportunityContactRole" or not row.get("IsPrimary"):
            return
        stamp = format_datetime(self.org.now())
        for other in self.org.store.find(sobject, "OpportunityId", row["OpportunityId"]):
            if other["Id"] != row["Id"] and other.get("IsPrimary") and not other.get("IsDeleted"):
                self.org.store.put(sobject, {
                    **other, "IsPrimary": False, "SystemModstamp": stamp,
                    "LastModifiedDate": stamp, "LastModifiedById": self.caller.user_id,
                })  # fmt: skip

    def upsert(
        self, sobject: str, field: str, value: str, body: dict[str, Any], *, update_only: bool
    ) -> tuple[str, bool]:
        """Upsert on an external id; ``(id, created)``; 300 when several records match."""
        matches = self.by_external_id(sobject, field, value)
        if len(matches) > 1:
            raise MultipleMatchesError(sobject, [str(m["Id"]) for m in matches])
        payload = {k: v for k, v in body.items() if k.casefold() != field.casefold()}
        if matches:
            return self.update(sobject, matches[0]["Id"], payload), False
        if update_only or field == "Id":
            raise not_found()
        payload[field] = value
        return self.create(sobject, payload), True

    def delete(self, sobject: str, record_id: str) -> None:
        """Move a record (and its cascading children) to the recycle bin."""
        if not self.org.object_writable(sobject, self.caller):
            raise ApiError.single(
                "INSUFFICIENT_ACCESS_OR_READONLY", "insufficient access rights on object id"
            )
        row = self.find(sobject, record_id)
        self._soft_delete(sobject, row)

    def _soft_delete(self, sobject: str, row: Row) -> None:
        stamp = format_datetime(self.org.now())
        self.org.store.put(sobject, {
            **row, "IsDeleted": True, "SystemModstamp": stamp, "LastModifiedDate": stamp,
            "LastModifiedById": self.caller.user_id,
        })  # fmt: skip
        for child, field in CASCADES.get(sobject, ()):
            for child_row in self.org.store.find(child, field, row["Id"]):
                self._soft_delete(child, child_row)

    # lead conversion (no REST resource in Salesforce; a test hook calls this) -------
    def convert_lead(
        self,
        lead_id: str,
        *,
        create_opportunity: bool = True,
        opportunity_name: str | None = None,
        account_id: str | None = None,
        contact_id: str | None = None,
        converted_status: str = "Closed - Converted",
    ) -> dict[str, str | None]:
        """Convert a lead as ``Database.convertLead`` does; returns the LeadConvertResult ids."""
        lead = self.find("Lead", lead_id)
        if lead.get("IsConverted"):
            raise ApiError.single("CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead")
        if account_id is None:
            account_id = self.create("Account", {
                "Name": lead.get("Company"), "Phone": lead.get("Phone"),
                "Website": lead.get("Website"), "Industry": lead.get("Industry"),
                "OwnerId": lead.get("OwnerId"),
            })  # fmt: skip
        else:
            account_id = self.find("Account", account_id)["Id"]
        if contact_id is None:
            contact_id = self.create("Contact", {
                "FirstName": lead.get("FirstName"), "LastName": lead.get("LastName"),
                "Email": lead.get("Email"), "Phone": lead.get("Phone"),
                "Title": lead.get("Title"), "LeadSource": lead.get("LeadSource"),
                "AccountId": account_id, "OwnerId": lead.get("OwnerId"),
                "MailingStreet": lead.get("Street"), "MailingCity": lead.get("City"),
                "MailingPostalCode": lead.get("PostalCode"),
                **_mailing_from_lead(lead),
            })  # fmt: skip
        else:
            contact_id = self.find("Contact", contact_id)["Id"]
        opportunity_id = None
        if create_opportunity:
            close = self.org.now().date() + dt.timedelta(days=30)
            opportunity_id = self.create("Opportunity", {
                "Name": opportunity_name or f"{lead.get('Company')}-",
                "StageName": "Prospecting", "CloseDate": close.isoformat(),
                "AccountId": account_id, "LeadSource": lead.get("LeadSource"),
                "OwnerId": lead.get("OwnerId"),
            })  # fmt: skip
        stamp = format_datetime(self.org.now())
        self.org.store.put("Lead", {
            **lead, "IsConverted": True, "Status": converted_status,
            "ConvertedDate": self.org.now().date().isoformat(),
            "ConvertedAccountId": account_id, "ConvertedContactId": contact_id,
            "ConvertedOpportunityId": opportunity_id, "LastModifiedDate": stamp,
            "SystemModstamp": stamp, "LastModifiedById": self.caller.user_id,
        })  # fmt: skip
        return {
            "leadId": lead["Id"],
            "accountId": account_id,
            "contactId": contact_id,
            "opportunityId": opportunity_id,
        }


def _mailing_from_lead(lead: Row) -> dict[str, Any]:
    if lead.get("CountryCode") is not None or lead.get("StateCode") is not None:
        return {"MailingCountryCode": lead.get("CountryCode"),
                "MailingStateCode": lead.get("StateCode")}  # fmt: skip
    return {"MailingCountry": lead.get("Country"), "MailingState": lead.get("State")}


def _check_owner(org: Org, row: Row, values: dict[str, Any]) -> None:
    owner = values.get("OwnerId")
    if owner is None:
        return
    found = org.store.get(owner)
    if found is None or found[0] != "User" or not found[1].get("IsActive"):
        raise ApiError.single(
            "INACTIVE_OWNER_OR_USER", "operation performed with inactive user", fields=["OwnerId"]
        )


def record_url(api_version: str, sobject: str, record_id: str) -> str:
    """``/services/data/vNN.N/sobjects/{Object}/{id}``."""
    return f"/services/data/v{api_version}/sobjects/{sobject}/{record_id}"


class MultipleMatchesError(ApiError):
    """An external id matched several records: HTTP 300 with the records' URLs."""

    def __init__(self, sobject: str, ids: list[str]) -> None:
        super().__init__(300, [])
        self.sobject = sobject
        self.ids = ids

    def urls(self, api_version: str) -> list[str]:
        """The matching records' URLs (the 300 body)."""
        return [record_url(api_version, self.sobject, record_id) for record_id in self.ids]
