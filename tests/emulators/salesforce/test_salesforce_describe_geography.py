"""Describe, and the org's state/country picklists in their three modes."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from crmsync.emulators.salesforce.control import SalesforceEmulatorControl


def _fields(sf: Salesforce, name: str) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in getattr(sf, name).describe()["fields"]}


def _refused(call: Any, *args: Any) -> dict[str, Any]:
    with pytest.raises(SalesforceMalformedRequest) as raised:
        call(*args)
    first: dict[str, Any] = raised.value.content[0]
    return first


def test_global_describe_lists_the_standard_objects_with_key_prefixes(sf: Salesforce) -> None:
    objects = {o["name"]: o["keyPrefix"] for o in sf.describe()["sobjects"]}
    assert objects["Contact"] == "003"
    assert objects["OpportunityContactRole"] == "00K"
    assert objects["CampaignMember"] == "00v"


def test_describe_reports_types_lengths_and_picklists(sf: Salesforce) -> None:
    contact = _fields(sf, "Contact")
    assert contact["LastName"]["type"] == "string"
    assert contact["LastName"]["length"] == 80
    assert contact["LastName"]["nillable"] is False
    assert contact["Email"]["type"] == "email"
    assert contact["AccountId"]["referenceTo"] == ["Account"]
    assert contact["AccountId"]["relationshipName"] == "Account"
    assert contact["CreatedDate"]["createable"] is False
    assert "MailingCountryCode" not in contact  # picklists are off by default
    stage = _fields(sf, "Opportunity")["StageName"]
    assert stage["restrictedPicklist"] is True
    assert "Closed Won" in [v["value"] for v in stage["picklistValues"]]
    assert _fields(sf, "Task")["WhoId"]["referenceTo"] == ["Contact", "Lead"]


def test_custom_fields_appear_in_describe(
    sf: Salesforce, control: SalesforceEmulatorControl
) -> None:
    control.add_field(object="Contact", name="HubSpot_Id__c", external_id=True, unique=True)
    field = _fields(sf, "Contact")["HubSpot_Id__c"]
    assert (field["custom"], field["externalId"], field["unique"]) == (True, True, True)


def test_enabled_picklists_add_code_fields_with_valid_for_bitmaps(
    sf: Salesforce, control: SalesforceEmulatorControl
) -> None:
    control.update_settings(picklist_mode="enabled")
    for name, prefix in (("Contact", "Mailing"), ("Account", "Billing"), ("Lead", "")):
        fields = _fields(sf, name)
        assert fields[f"{prefix}CountryCode"]["restrictedPicklist"] is True
        assert fields[f"{prefix}StateCode"]["controllerName"] == f"{prefix}CountryCode"
    fields = _fields(sf, "Contact")
    countries = [v["value"] for v in fields["MailingCountryCode"]["picklistValues"]]
    california = next(
        v
        for v in fields["MailingStateCode"]["picklistValues"]
        if v["value"] == "CA" and v["label"] == "California"
    )
    bits = base64.b64decode(california["validFor"])
    valid = [countries[i] for i in range(len(countries)) if bits[i >> 3] & (0x80 >> (i % 8))]
    assert valid == ["US"]


def test_enabled_picklists_fill_code_from_text_and_text_from_code(
    sf: Salesforce, control: SalesforceEmulatorControl
) -> None:
    control.update_settings(picklist_mode="enabled")
    by_code = sf.Contact.create(
        {"LastName": "A", "MailingCountryCode": "US", "MailingStateCode": "CA"}
    )["id"]
    record = sf.Contact.get(by_code)
    assert (record["MailingCountry"], record["MailingState"]) == ("United States", "California")
    by_text = sf.Contact.create({"LastName": "B", "MailingCountry": "Poland"})["id"]
    assert sf.Contact.get(by_text)["MailingCountryCode"] == "PL"


def test_enabled_picklists_refuse_bad_codes_and_text(
    sf: Salesforce, control: SalesforceEmulatorControl
) -> None:
    control.update_settings(picklist_mode="enabled")
    bad_code = _refused(sf.Contact.create, {"LastName": "A", "MailingCountryCode": "XX"})
    assert bad_code["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    bad_text = _refused(sf.Contact.create, {"LastName": "A", "MailingCountry": "Atlantis"})
    assert bad_text["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"
    no_states = _refused(
        sf.Contact.create,
        {"LastName": "A", "MailingCountryCode": "PL", "MailingState": "Mazowieckie"},
    )
    assert no_states["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"
    wrong_country = _refused(
        sf.Account.create, {"Name": "A", "BillingCountryCode": "CA", "BillingStateCode": "TX"}
    )
    assert wrong_country["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"


def test_disabled_picklists_take_free_text_and_have_no_code_fields(sf: Salesforce) -> None:
    record_id = sf.Contact.create(
        {"LastName": "A", "MailingCountry": "Polska", "MailingState": "Anything"}
    )["id"]
    assert sf.Contact.get(record_id)["MailingCountry"] == "Polska"
    assert (
        _refused(sf.Contact.create, {"LastName": "A", "MailingCountryCode": "PL"})["errorCode"]
        == "INVALID_FIELD"
    )


def test_customized_picklists_accept_the_orgs_own_labels(
    sf: Salesforce, control: SalesforceEmulatorControl
) -> None:
    control.update_settings(
        picklist_mode="customized",
        custom_countries={"PL": "Polska"},
        custom_states={"PL": {"MZ": "Mazowieckie"}},
    )
    record_id = sf.Contact.create(
        {"LastName": "A", "MailingCountry": "Polska", "MailingState": "Mazowieckie"}
    )["id"]
    record = sf.Contact.get(record_id)
    assert (record["MailingCountryCode"], record["MailingStateCode"]) == ("PL", "MZ")
    assert (
        _refused(sf.Contact.create, {"LastName": "B", "MailingCountry": "Poland"})["errorCode"]
        == "FIELD_INTEGRITY_EXCEPTION"
    )
