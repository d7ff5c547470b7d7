"""Refused writes carry Salesforce's own error codes, raised as simple-salesforce exceptions."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceError,
    SalesforceMalformedRequest,
)

from crmsync.emulators.common.server import BackgroundServer
from crmsync.emulators.salesforce.control import SalesforceEmulatorControl


def _error(call: Any, *args: Any) -> dict[str, Any]:
    with pytest.raises(SalesforceError) as raised:
        call(*args)
    content = raised.value.content
    assert isinstance(raised.value, SalesforceMalformedRequest), content
    first: dict[str, Any] = content[0]
    return first


def test_required_fields_missing(sf: Salesforce) -> None:
    error = _error(sf.Lead.create, {"FirstName": "No"})
    assert error["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert sorted(error["fields"]) == ["Company", "LastName"]
    contact_id = sf.Contact.create({"LastName": "X"})["id"]
    cleared = _error(sf.Contact.update, contact_id, {"LastName": None})
    assert cleared["errorCode"] == "REQUIRED_FIELD_MISSING"


def test_string_too_long(sf: Salesforce) -> None:
    error = _error(sf.Contact.create, {"LastName": "x" * 81})
    assert error["errorCode"] == "STRING_TOO_LONG"
    assert error["fields"] == ["LastName"]
    assert "max length=80" in error["message"]


def test_invalid_email_address(sf: Salesforce) -> None:
    error = _error(sf.Contact.create, {"LastName": "X", "Email": "not-an-email"})
    assert (error["errorCode"], error["fields"]) == ("INVALID_EMAIL_ADDRESS", ["Email"])


def test_restricted_picklist(sf: Salesforce) -> None:
    error = _error(
        sf.Opportunity.create, {"Name": "D", "StageName": "Maybe", "CloseDate": "2024-01-01"}
    )
    assert error["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert error["fields"] == ["StageName"]
    # An unrestricted picklist takes any value.
    sf.Contact.create({"LastName": "X", "LeadSource": "Anything goes"})


def test_unknown_field_id_in_body_and_read_only_field(sf: Salesforce) -> None:
    assert _error(sf.Contact.create, {"LastName": "X", "Foo__c": 1})["errorCode"] == (
        "INVALID_FIELD"
    )
    assert (
        _error(sf.Contact.create, {"LastName": "X", "Id": "003000000000000"})["errorCode"]
        == "INVALID_FIELD"
    )
    error = _error(sf.Lead.create, {"LastName": "X", "Company": "C", "IsConverted": True})
    assert (error["errorCode"], error["fields"]) == (
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        ["IsConverted"],
    )


def test_malformed_and_wrong_type_reference_ids(sf: Salesforce) -> None:
    assert (
        _error(sf.Contact.create, {"LastName": "X", "AccountId": "bogus"})["errorCode"]
        == "MALFORMED_ID"
    )
    contact_id = sf.Contact.create({"LastName": "Y"})["id"]
    assert (
        _error(sf.Contact.create, {"LastName": "X", "AccountId": contact_id})["errorCode"]
        == "FIELD_INTEGRITY_EXCEPTION"
    )


def test_json_parser_error(server: BackgroundServer, sf: Salesforce) -> None:
    response = requests.post(
        f"{server.url}/services/data/v62.0/sobjects/Contact/",
        data="{not json",
        headers={"Authorization": "Bearer crmsync-sf-token"},
        timeout=5,
    )
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "JSON_PARSER_ERROR"
    error = _error(sf.Contact.create, {"LastName": "X", "Birthdate": "2024-13-45"})
    assert error["errorCode"] == "JSON_PARSER_ERROR"


def test_duplicate_rule_on_email_is_switchable(
    sf: Salesforce, control: SalesforceEmulatorControl
) -> None:
    sf.Contact.create({"LastName": "A", "Email": "same@example.com"})
    sf.Contact.create({"LastName": "B", "Email": "same@example.com"})  # no rule yet
    control.update_settings(duplicate_rules={"Contact": "block"})
    error = _error(sf.Contact.create, {"LastName": "C", "Email": "SAME@example.com"})
    assert error["errorCode"] == "DUPLICATES_DETECTED"
    sf.Lead.create({"LastName": "L", "Company": "C", "Email": "same@example.com"})


def test_duplicate_alert_rule_is_bypassed_with_allow_save_header(
    sf: Salesforce, control: SalesforceEmulatorControl
) -> None:
    control.update_settings(duplicate_rules={"Contact": "alert"})
    sf.Contact.create({"LastName": "A", "Email": "same@example.com"})
    _error(sf.Contact.create, {"LastName": "B", "Email": "same@example.com"})
    sf.Contact.create(
        {"LastName": "B", "Email": "same@example.com"},
        headers={"Sforce-Duplicate-Rule-Header": "allowSave=true"},
    )


def test_validation_rule(sf: Salesforce, control: SalesforceEmulatorControl) -> None:
    control.update_settings(
        validation_rules=[
            {
                "object": "Contact",
                "name": "Phone_with_email",
                "field": "Phone",
                "when_field": "Email",
                "message": "Phone must not be blank when Email is set",
            }
        ]
    )
    sf.Contact.create({"LastName": "No email"})
    error = _error(sf.Contact.create, {"LastName": "X", "Email": "x@example.com"})
    assert error == {
        "message": "Phone must not be blank when Email is set",
        "errorCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "fields": ["Phone"],
    }


def test_field_level_security_of_the_integration_user(
    sf: Salesforce, control: SalesforceEmulatorControl, server: BackgroundServer
) -> None:
    control.update_settings(field_security={"Contact.Title": "read", "Contact.Birthdate": "hidden"})
    error = _error(sf.Contact.create, {"LastName": "X", "Title": "CEO"})
    assert (error["errorCode"], error["fields"]) == ("INVALID_FIELD_FOR_INSERT_UPDATE", ["Title"])
    assert (
        _error(sf.Contact.create, {"LastName": "X", "Birthdate": "2000-01-01"})["errorCode"]
        == "INVALID_FIELD"
    )
    assert _error(sf.query, "SELECT Birthdate FROM Contact")["errorCode"] == "INVALID_FIELD"
    names = {f["name"]: f for f in sf.Contact.describe()["fields"]}
    assert "Birthdate" not in names
    assert names["Title"]["updateable"] is False
    record_id = sf.Contact.create({"LastName": "Visible"})["id"]
    assert "Birthdate" not in sf.Contact.get(record_id)


def test_object_access_read_only(sf: Salesforce, control: SalesforceEmulatorControl) -> None:
    control.update_settings(object_access={"Lead": "read"})
    error = _error(sf.Lead.create, {"LastName": "X", "Company": "C"})
    assert error["errorCode"] == "INSUFFICIENT_ACCESS_OR_READONLY"


def test_opportunity_stages_are_queryable_and_read_only(sf: Salesforce) -> None:
    rows = sf.query_all(
        "SELECT ApiName, IsActive, IsClosed, IsWon FROM OpportunityStage ORDER BY SortOrder"
    )["records"]
    meaning = {row["ApiName"]: (row["IsClosed"], row["IsWon"]) for row in rows}
    assert meaning["Closed Won"] == (True, True)
    assert meaning["Closed Lost"] == (True, False)
    assert meaning["Prospecting"] == (False, False)
    with pytest.raises(SalesforceError):
        sf.OpportunityStage.create({"MasterLabel": "Mine"})
