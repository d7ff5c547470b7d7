"""Record CRUD, upsert by external id, getUpdated/getDeleted, ids and system fields."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceMalformedRequest,
    SalesforceMoreThanOneRecord,
    SalesforceResourceNotFound,
)

from crmsync.emulators.salesforce.control import SalesforceEmulatorControl
from crmsync.emulators.salesforce.ids import normalise_id, to18

SF_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")


def test_checksum_matches_ids_from_salesforce_documentation() -> None:
    documented = [
        "001D000000IqhSLIAZ",
        "00190000001pPvHAAU",
        "005i0000002MUqLAAW",
        "00Di0000000icUBEAY",
        "7506g00000DhRA2AAN",
        "0056g000005HQPyAAO",
    ]
    for record_id in documented:
        assert to18(record_id[:15]) == record_id
        assert normalise_id(record_id) == record_id
        assert normalise_id(record_id[:15]) == record_id
    assert normalise_id("001D000000IqhSLIAA") is None  # wrong checksum


def test_create_returns_18_char_id_with_real_prefix_and_valid_checksum(sf: Salesforce) -> None:
    created = sf.Contact.create({"LastName": "Lovelace"})
    assert created["success"] is True
    record_id = created["id"]
    assert len(record_id) == 18
    assert record_id.startswith("003")
    assert to18(record_id[:15]) == record_id
    prefixes = {
        "Account": ({"Name": "A"}, "001"),
        "Lead": ({"LastName": "L", "Company": "C"}, "00Q"),
        "Campaign": ({"Name": "C"}, "701"),
    }
    for name, (body, prefix) in prefixes.items():
        assert getattr(sf, name).create(body)["id"].startswith(prefix)


def test_get_returns_every_field_with_system_fields_in_salesforce_format(
    sf: Salesforce,
) -> None:
    record_id = sf.Contact.create({"FirstName": "Ada", "LastName": "Lovelace"})["id"]
    record = sf.Contact.get(record_id)
    assert record["attributes"] == {
        "type": "Contact",
        "url": f"/services/data/v62.0/sobjects/Contact/{record_id}",
    }
    assert record["Name"] == "Ada Lovelace"
    assert record["Email"] is None  # null fields are present
    assert record["IsDeleted"] is False
    for stamp in ("CreatedDate", "LastModifiedDate", "SystemModstamp"):
        assert SF_DATETIME.match(record[stamp])
    assert record["CreatedById"].startswith("005")


def test_get_accepts_15_char_id_and_fields_parameter(sf: Salesforce) -> None:
    record_id = sf.Contact.create({"LastName": "Short", "Email": "s@example.com"})["id"]
    record = sf.Contact.get(record_id[:15], params={"fields": "Id,Email"})
    assert set(record) == {"attributes", "Id", "Email"}
    assert record["Id"] == record_id


def test_update_returns_204_and_moves_system_modstamp(
    sf: Salesforce, control: SalesforceEmulatorControl
) -> None:
    record_id = sf.Contact.create({"LastName": "Before"})["id"]
    before = sf.Contact.get(record_id)
    control.advance_clock(seconds=60)
    assert sf.Contact.update(record_id, {"LastName": "After"}) == 204
    after = sf.Contact.get(record_id)
    assert after["LastName"] == "After"
    assert after["SystemModstamp"] > before["SystemModstamp"]
    assert after["CreatedDate"] == before["CreatedDate"]


def test_delete_then_get_update_delete_are_refused(sf: Salesforce) -> None:
    record_id = sf.Contact.create({"LastName": "Gone"})["id"]
    assert sf.Contact.delete(record_id) == 204
    with pytest.raises(SalesforceResourceNotFound) as raised:
        sf.Contact.update(record_id, {"LastName": "Back"})
    assert raised.value.content[0]["errorCode"] == "ENTITY_IS_DELETED"
    with pytest.raises(SalesforceResourceNotFound) as again:
        sf.Contact.delete(record_id)
    assert again.value.content[0]["errorCode"] == "ENTITY_IS_DELETED"
    deleted = sf.query_all("SELECT Id, IsDeleted FROM Contact", include_deleted=True)
    assert deleted["records"][0]["IsDeleted"] is True


def test_unknown_id_is_not_found_and_wrong_object_id_is_malformed(sf: Salesforce) -> None:
    account_id = sf.Account.create({"Name": "Acme"})["id"]
    with pytest.raises(SalesforceResourceNotFound) as missing:
        sf.Contact.get("003" + account_id[3:15])
    assert missing.value.content[0]["errorCode"] == "NOT_FOUND"
    with pytest.raises(SalesforceMalformedRequest) as wrong:
        sf.Contact.get(account_id)
    assert wrong.value.content[0]["errorCode"] == "MALFORMED_ID"


def test_upsert_by_external_id_creates_then_updates_then_reports_multiple_matches(
    sf: Salesforce, control: SalesforceEmulatorControl
) -> None:
    control.add_field(object="Contact", name="HubSpot_Id__c", external_id=True, length=64)
    assert sf.Contact.upsert("HubSpot_Id__c/hs-1", {"LastName": "First"}) == 201
    created = sf.Contact.get_by_custom_id("HubSpot_Id__c", "hs-1")
    response = sf.Contact.upsert("HubSpot_Id__c/hs-1", {"LastName": "Second"}, raw_response=True)
    assert response.status_code == 200
    assert response.json() == {"id": created["Id"], "success": True, "errors": [], "created": False}
    assert sf.Contact.get(created["Id"])["LastName"] == "Second"
    sf.Contact.create({"LastName": "Twin", "HubSpot_Id__c": "hs-1"})
    with pytest.raises(SalesforceMoreThanOneRecord):
        sf.Contact.upsert("HubSpot_Id__c/hs-1", {"LastName": "Third"})


def test_upsert_on_a_field_that_is_not_an_external_id_is_not_found(sf: Salesforce) -> None:
    with pytest.raises(SalesforceResourceNotFound):
        sf.Contact.upsert("LastName/x", {"FirstName": "y"})


def test_updated_and_deleted_windows(sf: Salesforce, control: SalesforceEmulatorControl) -> None:
    start = dt.datetime.fromisoformat(control.now()) - dt.timedelta(minutes=1)
    kept = sf.Contact.create({"LastName": "Kept"})["id"]
    dropped = sf.Contact.create({"LastName": "Dropped"})["id"]
    sf.Contact.delete(dropped)
    control.advance_clock(seconds=120)
    end = dt.datetime.fromisoformat(control.now())
    updated = sf.Contact.updated(start, end)
    assert updated["ids"] == [kept]
    assert updated["latestDateCovered"].endswith("+0000")
    deleted = sf.Contact.deleted(start, end)
    assert [row["id"] for row in deleted["deletedRecords"]] == [dropped]
    assert "earliestDateAvailable" in deleted


def test_opportunity_closed_and_won_follow_the_stage(sf: Salesforce) -> None:
    opportunity_id = sf.Opportunity.create(
        {"Name": "Deal", "StageName": "Prospecting", "CloseDate": "2024-06-30", "Amount": 5000}
    )["id"]
    record = sf.Opportunity.get(opportunity_id)
    assert (record["IsClosed"], record["IsWon"], record["Probability"]) == (False, False, 10)
    sf.Opportunity.update(opportunity_id, {"StageName": "Closed Won"})
    record = sf.Opportunity.get(opportunity_id)
    assert (record["IsClosed"], record["IsWon"], record["Probability"]) == (True, True, 100)
    assert record["Amount"] == 5000.0


def test_lead_conversion_hook_creates_records_and_locks_the_lead(
    sf: Salesforce, control: SalesforceEmulatorControl
) -> None:
    lead_id = sf.Lead.create(
        {"FirstName": "Grace", "LastName": "Hopper", "Company": "Navy", "Email": "g@navy.example"}
    )["id"]
    result = control.convert_lead(lead_id)
    lead = sf.Lead.get(lead_id)
    assert lead["IsConverted"] is True
    assert lead["ConvertedContactId"] == result["contactId"]
    assert lead["ConvertedAccountId"] == result["accountId"]
    assert lead["ConvertedOpportunityId"] == result["opportunityId"]
    assert lead["ConvertedDate"] is not None
    contact = sf.Contact.get(str(result["contactId"]))
    assert (contact["Email"], contact["AccountId"]) == ("g@navy.example", result["accountId"])
    with pytest.raises(SalesforceMalformedRequest) as raised:
        sf.Lead.update(lead_id, {"LastName": "Changed"})
    assert raised.value.content[0]["errorCode"] == "CANNOT_UPDATE_CONVERTED_LEAD"


def test_task_links_and_closed_state(sf: Salesforce) -> None:
    contact_id = sf.Contact.create({"LastName": "Who"})["id"]
    account_id = sf.Account.create({"Name": "What"})["id"]
    task_id = sf.Task.create(
        {
            "Subject": "Call",
            "WhoId": contact_id,
            "WhatId": account_id,
            "ActivityDate": "2024-05-01",
            "TaskSubtype": "Call",
        }
    )["id"]
    task = sf.Task.get(task_id)
    assert (task["Status"], task["Priority"], task["IsClosed"]) == ("Not Started", "Normal", False)
    sf.Task.update(task_id, {"Status": "Completed"})
    assert sf.Task.get(task_id)["IsClosed"] is True


def test_campaign_member_is_unique_per_campaign(sf: Salesforce) -> None:
    campaign_id = sf.Campaign.create({"Name": "Spring"})["id"]
    contact_id = sf.Contact.create({"LastName": "Member"})["id"]
    sf.CampaignMember.create({"CampaignId": campaign_id, "ContactId": contact_id})
    with pytest.raises(SalesforceMalformedRequest) as raised:
        sf.CampaignMember.create({"CampaignId": campaign_id, "ContactId": contact_id})
    assert raised.value.content[0]["errorCode"] == "DUPLICATE_VALUE"
