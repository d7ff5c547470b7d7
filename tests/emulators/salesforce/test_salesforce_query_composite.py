"""SOQL over /query and /queryAll with paging, sObject Collections and Composite."""

from __future__ import annotations

from typing import Any

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from crmsync.emulators.salesforce.control import SalesforceEmulatorControl


def _create_contacts(sf: Salesforce, count: int, **extra: Any) -> list[str]:
    ids: list[str] = []
    for start in range(0, count, 200):
        records = [
            {"attributes": {"type": "Contact"}, "LastName": f"C{n:05d}", **extra}
            for n in range(start, min(start + 200, count))
        ]
        results = sf.restful(
            "composite/sobjects", method="POST", json={"allOrNone": True, "records": records}
        )
        ids.extend(r["id"] for r in results)
    return ids


def test_query_all_follows_next_records_url_pages(
    sf: Salesforce, control: SalesforceEmulatorControl
) -> None:
    _create_contacts(sf, 450)
    first = sf.query(
        "SELECT Id, LastName FROM Contact ORDER BY LastName",
        headers={"Sforce-Query-Options": "batchSize=200"},
    )
    assert (first["totalSize"], first["done"], len(first["records"])) == (450, False, 200)
    assert first["nextRecordsUrl"].startswith("/services/data/v62.0/query/01g")
    everything = sf.query_all(
        "SELECT Id, LastName FROM Contact ORDER BY LastName",
        headers={"Sforce-Query-Options": "batchSize=200"},
    )
    names = [r["LastName"] for r in everything["records"]]
    assert names == sorted(names)
    assert len(set(names)) == 450
    default = sf.query("SELECT Id FROM Contact")
    assert default["done"] is True  # default batch 2000


def test_query_batch_size_knob_pages_small_results(
    sf: Salesforce, control: SalesforceEmulatorControl
) -> None:
    control.update_settings(query_batch_size=2)
    _create_contacts(sf, 5)
    page = sf.query("SELECT Id FROM Contact")
    assert len(page["records"]) == 2
    assert len(sf.query_all("SELECT Id FROM Contact")["records"]) == 5


def test_query_all_with_include_deleted_and_relationships(sf: Salesforce) -> None:
    account_id = sf.Account.create({"Name": "Acme"})["id"]
    kept = sf.Contact.create({"LastName": "Kept", "AccountId": account_id})["id"]
    gone = sf.Contact.create({"LastName": "Gone"})["id"]
    sf.Contact.delete(gone)
    live = sf.query_all("SELECT Id, Account.Name FROM Contact")["records"]
    assert [(r["Id"], r["Account"]["Name"]) for r in live] == [(kept, "Acme")]
    every = sf.query_all("SELECT Id FROM Contact", include_deleted=True)
    assert {r["Id"] for r in every["records"]} == {kept, gone}
    children = sf.query("SELECT Name, (SELECT LastName FROM Contacts) FROM Account")
    assert children["records"][0]["Contacts"]["records"][0]["LastName"] == "Kept"


def test_soql_errors_carry_salesforce_codes(sf: Salesforce) -> None:
    cases = {
        "SELECT Id FRM Contact": "MALFORMED_QUERY",
        "SELECT Foo FROM Contact": "INVALID_FIELD",
        "SELECT Id FROM Nope": "INVALID_TYPE",
    }
    for text, code in cases.items():
        with pytest.raises(SalesforceMalformedRequest) as raised:
            sf.query(text)
        assert raised.value.content[0]["errorCode"] == code


def test_collections_create_reports_per_record_results_with_status_code(sf: Salesforce) -> None:
    results = sf.restful(
        "composite/sobjects",
        method="POST",
        json={
            "allOrNone": False,
            "records": [
                {"attributes": {"type": "Contact"}, "LastName": "Ok"},
                {"attributes": {"type": "Contact"}, "FirstName": "No last name"},
            ],
        },
    )
    assert results[0]["success"] is True
    assert results[1]["success"] is False
    assert results[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 1


def test_collections_all_or_none_rolls_everything_back(sf: Salesforce) -> None:
    results = sf.restful(
        "composite/sobjects",
        method="POST",
        json={
            "allOrNone": True,
            "records": [
                {"attributes": {"type": "Contact"}, "LastName": "Ok"},
                {"attributes": {"type": "Contact"}, "LastName": "X", "Email": "bad"},
            ],
        },
    )
    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert results[1]["errors"][0]["statusCode"] == "INVALID_EMAIL_ADDRESS"
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 0


def test_collections_update_retrieve_and_delete(sf: Salesforce) -> None:
    ids = _create_contacts(sf, 3)
    updated = sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={
            "records": [
                {"attributes": {"type": "Contact"}, "id": record_id, "Title": "Updated"}
                for record_id in ids
            ]
        },
    )
    assert all(r["success"] for r in updated)
    fetched = sf.restful(
        "composite/sobjects/Contact",
        params={"ids": ",".join([*ids, "003" + "0" * 12]), "fields": "Id,Title"},
    )
    assert [r["Title"] for r in fetched[:3]] == ["Updated"] * 3
    assert fetched[3] is None
    deleted = sf.restful("composite/sobjects", method="DELETE", params={"ids": ",".join(ids)})
    assert [r["id"] for r in deleted] == ids
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 0


def test_composite_resolves_references_between_subrequests(sf: Salesforce) -> None:
    answer = sf.restful(
        "composite",
        method="POST",
        json={
            "allOrNone": True,
            "compositeRequest": [
                {
                    "method": "POST",
                    "url": "/services/data/v62.0/sobjects/Account",
                    "referenceId": "acct",
                    "body": {"Name": "Sample"},
                },
                {
                    "method": "POST",
                    "url": "/services/data/v62.0/sobjects/Contact",
                    "referenceId": "ctc",
                    "body": {"LastName": "Sample", "AccountId": "@{acct.id}"},
                },
                {
                    "method": "GET",
                    "url": "/services/data/v62.0/sobjects/Contact/@{ctc.id}?fields=AccountId",
                    "referenceId": "read",
                },
            ],
        },
    )
    responses = answer["compositeResponse"]
    assert [r["httpStatusCode"] for r in responses] == [201, 201, 200]
    assert responses[2]["body"]["AccountId"] == responses[0]["body"]["id"]
    assert responses[0]["httpHeaders"]["Location"].endswith(responses[0]["body"]["id"])


def test_composite_all_or_none_rolls_back_and_halts_the_rest(sf: Salesforce) -> None:
    answer = sf.restful(
        "composite",
        method="POST",
        json={
            "allOrNone": True,
            "compositeRequest": [
                {
                    "method": "POST",
                    "url": "/services/data/v62.0/sobjects/Account",
                    "referenceId": "ok",
                    "body": {"Name": "Rolled back"},
                },
                {
                    "method": "POST",
                    "url": "/services/data/v62.0/sobjects/Contact",
                    "referenceId": "bad",
                    "body": {"FirstName": "No last name"},
                },
                {
                    "method": "POST",
                    "url": "/services/data/v62.0/sobjects/Account",
                    "referenceId": "after",
                    "body": {"Name": "Never"},
                },
            ],
        },
    )
    codes = [r["body"][0]["errorCode"] for r in answer["compositeResponse"]]
    assert codes == ["PROCESSING_HALTED", "REQUIRED_FIELD_MISSING", "PROCESSING_HALTED"]
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == 0


def test_composite_refuses_more_than_25_subrequests(sf: Salesforce) -> None:
    subrequests = [
        {"method": "GET", "url": "/services/data/v62.0/limits", "referenceId": f"r{n}"}
        for n in range(26)
    ]
    with pytest.raises(SalesforceMalformedRequest):
        sf.restful("composite", method="POST", json={"compositeRequest": subrequests})
