"""Bulk API 2.0 through simple-salesforce's ``sf.bulk2``: ingest and query jobs."""

from __future__ import annotations

import csv
import io

from simple_salesforce import Salesforce

from crmsync.emulators.salesforce.control import SalesforceEmulatorControl


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_bulk2_insert_reports_successes_and_failures(sf: Salesforce) -> None:
    records = [{"LastName": f"Bulk{n}", "Email": f"b{n}@example.com"} for n in range(5)]
    records.append({"LastName": "", "Email": "nolastname@example.com"})
    results = sf.bulk2.Contact.insert(records=records, wait=0)
    assert results[0]["numberRecordsProcessed"] == 6
    assert results[0]["numberRecordsFailed"] == 1
    job_id = results[0]["job_id"]
    successful = _rows(sf.bulk2.Contact.get_successful_records(job_id))
    assert len(successful) == 5
    assert all(
        row["sf__Id"].startswith("003") and row["sf__Created"] == "true" for row in successful
    )
    failed = _rows(sf.bulk2.Contact.get_failed_records(job_id))
    assert failed[0]["sf__Error"].startswith("REQUIRED_FIELD_MISSING:")
    assert failed[0]["Email"] == "nolastname@example.com"
    assert _rows(sf.bulk2.Contact.get_unprocessed_records(job_id)) == []
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 5


def test_bulk2_upsert_update_and_delete(sf: Salesforce, control: SalesforceEmulatorControl) -> None:
    control.add_field(object="Contact", name="Ext__c", external_id=True)
    sf.bulk2.Contact.upsert(
        records=[{"Ext__c": "e1", "LastName": "One"}], external_id_field="Ext__c", wait=0
    )
    sf.bulk2.Contact.upsert(
        records=[{"Ext__c": "e1", "LastName": "Uno"}], external_id_field="Ext__c", wait=0
    )
    rows = sf.query("SELECT Id, LastName FROM Contact")["records"]
    assert [r["LastName"] for r in rows] == ["Uno"]
    sf.bulk2.Contact.update(records=[{"Id": rows[0]["Id"], "LastName": "Eins"}], wait=0)
    assert sf.Contact.get(rows[0]["Id"])["LastName"] == "Eins"
    sf.bulk2.Contact.delete(records=[{"Id": rows[0]["Id"]}], wait=0)
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 0


def test_bulk2_query_returns_csv_with_flattened_parent_columns(
    sf: Salesforce, control: SalesforceEmulatorControl
) -> None:
    account_id = sf.Account.create({"Name": "Acme"})["id"]
    sf.Contact.create({"LastName": "Kept", "AccountId": account_id, "HasOptedOutOfEmail": True})
    sf.Contact.create({"LastName": "Alone"})
    pages = list(
        sf.bulk2.Contact.query(
            "SELECT Id, LastName, HasOptedOutOfEmail, Account.Name, CreatedDate FROM Contact "
            "ORDER BY LastName",
            max_records=1,
            wait=0,
        )
    )
    assert len(pages) == 2
    rows = [row for page in pages for row in _rows(page)]
    assert list(rows[0]) == ["Id", "LastName", "HasOptedOutOfEmail", "Account.Name", "CreatedDate"]
    assert [(r["LastName"], r["Account.Name"], r["HasOptedOutOfEmail"]) for r in rows] == [
        ("Alone", "", "false"),
        ("Kept", "Acme", "true"),
    ]
    assert rows[0]["CreatedDate"].endswith("Z")
