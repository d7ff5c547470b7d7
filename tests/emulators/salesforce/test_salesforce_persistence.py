"""Data kept in a SQLite file across restarts, and seed files loaded at start."""

from __future__ import annotations

import json
from pathlib import Path

from salesforce_clients import connect

from crmsync.emulators.common.server import running
from crmsync.emulators.salesforce.app import create_app
from crmsync.emulators.salesforce.control import SalesforceEmulatorControl

SEED = {
    "settings": {"picklist_mode": "enabled", "duplicate_rules": {"Contact": "block"}},
    "custom_fields": [
        {"object": "Contact", "name": "HubSpot_Id__c", "type": "string", "length": 64,
         "external_id": True, "unique": True},
    ],
    "users": [{"username": "rep@crmsync.example", "first_name": "Rae", "last_name": "Rep"}],
    "records": {
        "Account": [{"ref": "acme", "Name": "Acme", "BillingCountryCode": "US"}],
        "Contact": [{"LastName": "Lovelace", "AccountId": "@{acme}", "HubSpot_Id__c": "hs-1",
                     "OwnerId": "@{user:rep@crmsync.example}"}],
    },
}  # fmt: skip


def test_records_settings_and_custom_fields_survive_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "org.sqlite"
    with running(create_app(data=data)) as server:
        sf = connect(server)
        SalesforceEmulatorControl(server.url).add_field(
            object="Contact", name="Ext__c", external_id=True
        )
        SalesforceEmulatorControl(server.url).update_settings(daily_api_cap=1234)
        kept = sf.Contact.create({"LastName": "Kept", "Ext__c": "x-1"})["id"]
        gone = sf.Contact.create({"LastName": "Gone"})["id"]
        sf.Contact.delete(gone)
        sf.Contact.update(kept, {"FirstName": "Still"})
    with running(create_app(data=data)) as server:
        sf = connect(server)
        record = sf.Contact.get_by_custom_id("Ext__c", "x-1")
        assert (record["Id"], record["Name"]) == (kept, "Still Kept")
        every = sf.query_all("SELECT Id, IsDeleted FROM Contact", include_deleted=True)
        assert {(r["Id"], r["IsDeleted"]) for r in every["records"]} == {
            (kept, False),
            (gone, True),
        }
        assert sf.limits()["DailyApiRequests"]["Max"] == 1234
        fresh = sf.Contact.create({"LastName": "New"})["id"]
        assert fresh not in {kept, gone}  # the id counter was kept too


def test_seed_file_loads_settings_fields_users_and_linked_records(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(SEED), encoding="utf-8")
    with running(create_app(seed=seed)) as server:
        sf = connect(server)
        rows = sf.query(
            "SELECT LastName, HubSpot_Id__c, Account.Name, Account.BillingCountry, "
            "Owner.Username FROM Contact"
        )["records"]
        assert len(rows) == 1
        row = rows[0]
        assert row["Account"]["Name"] == "Acme"
        assert row["Account"]["BillingCountry"] == "United States"
        assert row["Owner"]["Username"] == "rep@crmsync.example"
        assert row["HubSpot_Id__c"] == "hs-1"


def test_seed_is_not_loaded_twice_into_a_kept_data_file(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(SEED), encoding="utf-8")
    data = tmp_path / "org.sqlite"
    for _ in range(2):
        with running(create_app(data=data, seed=seed)) as server:
            assert connect(server).query("SELECT COUNT() FROM Contact")["totalSize"] == 1


def test_seed_hook_targets_the_sandbox(tmp_path: Path) -> None:
    with running(create_app()) as server:
        control = SalesforceEmulatorControl(server.url, org="sandbox")
        refs = control.seed({"records": {"Account": [{"ref": "a", "Name": "Sandbox only"}]}})
        assert refs["a"].startswith("001")
        sandbox = connect(server, instance_url="https://crmsync--sandbox.sandbox.my.salesforce.com")
        assert sandbox.query("SELECT COUNT() FROM Account")["totalSize"] == 1
        assert connect(server).query("SELECT COUNT() FROM Account")["totalSize"] == 0
