"""Address compounds (``BillingAddress``...): described, read whole, never written, and
refused by Bulk API 2.0 queries, as Salesforce does."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from crmsync.emulators.salesforce.control import SalesforceEmulatorControl

BILLING = {
    "BillingStreet": "1 Market St",
    "BillingCity": "San Francisco",
    "BillingState": "CA",
    "BillingPostalCode": "94105",
    "BillingCountry": "US",
    "BillingLatitude": 37.7936,
    "BillingLongitude": -122.3952,
    "BillingGeocodeAccuracy": "Address",
}
BILLING_ADDRESS = {
    "city": "San Francisco",
    "country": "US",
    "geocodeAccuracy": "Address",
    "latitude": 37.7936,
    "longitude": -122.3952,
    "postalCode": "94105",
    "state": "CA",
    "street": "1 Market St",
}


def _fields(sf: Salesforce, name: str) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in getattr(sf, name).describe()["fields"]}


def _refused(call: Any, *args: Any) -> dict[str, Any]:
    with pytest.raises(SalesforceMalformedRequest) as raised:
        call(*args)
    first: dict[str, Any] = raised.value.content[0]
    return first


@pytest.mark.parametrize(
    ("sobject", "compounds"),
    [
        ("Account", ("BillingAddress", "ShippingAddress")),
        ("Contact", ("MailingAddress", "OtherAddress")),
        ("Lead", ("Address",)),
    ],
)
def test_describe_lists_read_only_address_compounds_named_by_their_components(
    sf: Salesforce, sobject: str, compounds: tuple[str, ...]
) -> None:
    fields = _fields(sf, sobject)
    for compound in compounds:
        described = fields[compound]
        assert (described["type"], described["soapType"]) == ("address", "urn:address")
        assert (described["createable"], described["updateable"]) == (False, False)
        assert (described["filterable"], described["sortable"]) == (False, False)
        assert described["compoundFieldName"] is None
        prefix = compound.removesuffix("Address")
        parts = {name for name, field in fields.items() if field["compoundFieldName"] == compound}
        assert parts == {
            f"{prefix}{part}"
            for part in ("Street", "City", "State", "PostalCode", "Country", "Latitude",
                         "Longitude", "GeocodeAccuracy")
        }  # fmt: skip
        latitude = fields[f"{prefix}Latitude"]
        assert (latitude["type"], latitude["scale"], latitude["updateable"]) == ("double", 15, True)
        accuracy = fields[f"{prefix}GeocodeAccuracy"]
        assert accuracy["restrictedPicklist"] is True
        assert "NearAddress" in [entry["value"] for entry in accuracy["picklistValues"]]
    assert fields["Name" if sobject != "Lead" else "Company"]["compoundFieldName"] is None


def test_enabled_picklists_put_code_fields_into_the_compound_after_country(
    sf: Salesforce, control: SalesforceEmulatorControl
) -> None:
    control.update_settings(picklist_mode="enabled")
    names = [f["name"] for f in sf.Account.describe()["fields"]]
    country = names.index("BillingCountry")
    assert names[country + 1 : country + 3] == ["BillingStateCode", "BillingCountryCode"]
    fields = _fields(sf, "Account")
    assert fields["BillingCountryCode"]["compoundFieldName"] == "BillingAddress"
    assert fields["BillingStateCode"]["compoundFieldName"] == "BillingAddress"


def test_soql_returns_the_compound_as_one_object_built_from_its_components(
    sf: Salesforce,
) -> None:
    account_id = sf.Account.create({"Name": "Acme", **BILLING})["id"]
    sf.Account.create({"Name": "Nowhere"})
    rows = sf.query(
        "SELECT Name, BillingAddress, ShippingAddress, BillingCity FROM Account ORDER BY Name"
    )["records"]
    assert rows[0]["BillingAddress"] == BILLING_ADDRESS
    assert list(rows[0]["BillingAddress"]) == sorted(BILLING_ADDRESS)
    assert rows[0]["BillingCity"] == "San Francisco"
    assert rows[0]["ShippingAddress"] is None  # no component set
    assert rows[1]["BillingAddress"] is None
    sf.Contact.create({"LastName": "Kept", "AccountId": account_id, "MailingCity": "Oslo"})
    [contact] = sf.query("SELECT MailingAddress, Account.BillingAddress FROM Contact")["records"]
    assert contact["Account"]["BillingAddress"] == BILLING_ADDRESS
    assert contact["MailingAddress"]["city"] == "Oslo"
    assert contact["MailingAddress"]["street"] is None


def test_compound_carries_state_and_country_codes_when_picklists_are_enabled(
    sf: Salesforce, control: SalesforceEmulatorControl
) -> None:
    control.update_settings(picklist_mode="enabled")
    sf.Lead.create({"LastName": "Lee", "Company": "Acme", "CountryCode": "US", "StateCode": "CA"})
    [lead] = sf.query("SELECT Address FROM Lead")["records"]
    assert lead["Address"]["countryCode"] == "US"
    assert lead["Address"]["country"] == "United States"
    assert lead["Address"]["stateCode"] == "CA"
    assert lead["Address"]["state"] == "California"


def test_record_get_returns_the_compound_whole(sf: Salesforce) -> None:
    account_id = sf.Account.create({"Name": "Acme", **BILLING})["id"]
    assert sf.Account.get(account_id)["BillingAddress"] == BILLING_ADDRESS
    assert sf.Account.get(account_id)["ShippingAddress"] is None
    chosen = sf.restful(f"sobjects/Account/{account_id}", params={"fields": "BillingAddress"})
    assert chosen["BillingAddress"] == BILLING_ADDRESS


def test_writing_a_compound_is_refused_as_a_read_only_field(sf: Salesforce) -> None:
    error = _refused(sf.Account.create, {"Name": "Acme", "BillingAddress": {"city": "Oslo"}})
    assert error["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert error["message"].startswith("Unable to create/update fields: BillingAddress.")
    assert error["fields"] == ["BillingAddress"]
    account_id = sf.Account.create({"Name": "Acme"})["id"]
    error = _refused(sf.Account.update, account_id, {"BillingAddress": {"city": "Oslo"}})
    assert error["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    sf.Account.update(account_id, {"BillingCity": "Oslo"})  # the components are writable
    assert sf.Account.get(account_id)["BillingAddress"]["city"] == "Oslo"


def test_geocode_accuracy_is_a_restricted_picklist(sf: Salesforce) -> None:
    error = _refused(sf.Account.create, {"Name": "Acme", "BillingGeocodeAccuracy": "Exact"})
    assert error["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"


def test_a_compound_cannot_be_filtered_or_sorted_on(sf: Salesforce) -> None:
    error = _refused(sf.query, "SELECT Id FROM Account WHERE BillingAddress != null")
    assert error["errorCode"] == "INVALID_FIELD"
    assert "field 'BillingAddress' can not be filtered in query call" in error["message"]
    error = _refused(sf.query, "SELECT Id FROM Account ORDER BY BillingAddress")
    assert error["errorCode"] == "INVALID_FIELD"
    assert "field 'BillingAddress' can not be sorted in a query call" in error["message"]


def test_bulk2_query_selecting_a_compound_is_refused_when_the_job_is_created(
    sf: Salesforce,
) -> None:
    sf.Account.create({"Name": "Acme", **BILLING})
    with pytest.raises(SalesforceMalformedRequest) as raised:
        list(sf.bulk2.Account.query("SELECT Id, BillingAddress FROM Account"))
    assert raised.value.status == 400
    assert raised.value.content == [
        {
            "errorCode": "API_ERROR",
            "message": "Selecting compound data not supported in Bulk Query",
        }
    ]
    with pytest.raises(SalesforceMalformedRequest):
        list(sf.bulk2.Contact.query("SELECT Id, Account.BillingAddress FROM Contact"))
    assert sf.restful("jobs/query")["records"] == []  # no job was created


def test_bulk2_query_reads_the_components(sf: Salesforce) -> None:
    sf.Account.create({"Name": "Acme", **BILLING})
    [page] = sf.bulk2.Account.query(
        "SELECT BillingCity, BillingLatitude, BillingGeocodeAccuracy FROM Account"
    )
    rows = list(csv.DictReader(io.StringIO(page)))
    assert rows == [
        {
            "BillingCity": "San Francisco",
            "BillingLatitude": "37.7936",
            "BillingGeocodeAccuracy": "Address",
        }
    ]


def test_collections_and_bulk_ingest_refuse_a_compound_per_record(sf: Salesforce) -> None:
    [result] = sf.restful(
        "composite/sobjects",
        method="POST",
        json={"records": [{"attributes": {"type": "Account"}, "Name": "A", "BillingAddress": "x"}]},
    )
    assert result["success"] is False
    assert result["errors"][0]["statusCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    [job] = sf.bulk2.Account.insert(records=[{"Name": "B", "BillingAddress": "x"}], wait=0)
    assert job["numberRecordsFailed"] == 1
    failed = list(csv.DictReader(io.StringIO(sf.bulk2.Account.get_failed_records(job["job_id"]))))
    assert failed[0]["sf__Error"].startswith("INVALID_FIELD_FOR_INSERT_UPDATE:")


def test_a_component_hidden_by_field_security_is_left_out_of_the_compound(
    sf: Salesforce, control: SalesforceEmulatorControl
) -> None:
    sf.Account.create({"Name": "Acme", **BILLING})
    control.update_settings(field_security={"Account.BillingLatitude": "hidden"})
    [row] = sf.query("SELECT BillingAddress FROM Account")["records"]
    assert "latitude" not in row["BillingAddress"]
    assert row["BillingAddress"]["longitude"] == BILLING_ADDRESS["longitude"]
