"""Opportunity record types and multi-currency, as org options (R22's Salesforce side).

Read through the unmodified simple-salesforce: ``RecordType`` and ``CurrencyType`` rows,
``recordTypeInfos`` in describe, the UI API's picklist values per record type, and the
writes Salesforce refuses (a stage outside the record type's process, an inactive
currency).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from salesforce_clients import TOKEN, connect
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError, SalesforceMalformedRequest

from crmsync.emulators.common.server import running
from crmsync.emulators.salesforce.app import create_app
from crmsync.emulators.salesforce.control import SalesforceEmulatorControl

RECORD_TYPES: list[dict[str, Any]] = [
    {"developer_name": "Enterprise", "name": "Enterprise", "default": True},
    {"developer_name": "Renewal", "name": "Renewal",
     "stages": ["Qualification", "Negotiation/Review", "Closed Won", "Closed Lost"]},
]  # fmt: skip
OPPORTUNITY = {"Name": "Deal", "StageName": "Prospecting", "CloseDate": "2026-06-30"}


def _refused(call: Any, *args: Any) -> dict[str, Any]:
    with pytest.raises(SalesforceError) as raised:
        call(*args)
    assert isinstance(raised.value, SalesforceMalformedRequest), raised.value.content
    first: dict[str, Any] = raised.value.content[0]
    return first


def _record_type_ids(sf: Salesforce) -> dict[str, str]:
    rows = sf.query(
        "SELECT Id, DeveloperName FROM RecordType WHERE SobjectType = 'Opportunity' "
        "AND IsActive = true"
    )["records"]
    return {row["DeveloperName"]: row["Id"] for row in rows}


def test_an_org_without_record_types_has_no_record_type_field(sf: Salesforce) -> None:
    fields = {f["name"] for f in sf.Opportunity.describe()["fields"]}
    assert "RecordTypeId" not in fields
    assert "CurrencyIsoCode" not in fields
    infos = sf.Opportunity.describe()["recordTypeInfos"]
    assert [(i["master"], i["available"]) for i in infos] == [(True, True)]
    assert sf.query("SELECT Id FROM RecordType")["totalSize"] == 0
    org = sf.query("SELECT DefaultCurrencyIsoCode FROM Organization")["records"]
    assert org[0]["DefaultCurrencyIsoCode"] == "USD"
    with pytest.raises(SalesforceError) as raised:
        sf.query("SELECT IsoCode FROM CurrencyType")
    assert raised.value.content[0]["errorCode"] == "INVALID_TYPE"


def test_record_types_in_describe_and_soql(
    sf: Salesforce, control: SalesforceEmulatorControl
) -> None:
    control.update_settings(opportunity_record_types=RECORD_TYPES)
    ids = _record_type_ids(sf)
    assert set(ids) == {"Enterprise", "Renewal"}
    assert all(value.startswith("012") and len(value) == 18 for value in ids.values())
    describe = sf.Opportunity.describe()
    field = next(f for f in describe["fields"] if f["name"] == "RecordTypeId")
    assert field["referenceTo"] == ["RecordType"]
    infos = {i["developerName"]: i for i in describe["recordTypeInfos"]}
    assert infos["Enterprise"]["defaultRecordTypeMapping"] is True
    assert infos["Renewal"]["recordTypeId"] == ids["Renewal"]
    assert infos["Master"]["available"] is False


def test_a_create_takes_the_default_record_type_and_its_process_limits_stages(
    sf: Salesforce, control: SalesforceEmulatorControl
) -> None:
    control.update_settings(opportunity_record_types=RECORD_TYPES)
    ids = _record_type_ids(sf)
    created = sf.Opportunity.create(dict(OPPORTUNITY))["id"]
    assert sf.Opportunity.get(created)["RecordTypeId"] == ids["Enterprise"]
    refused = _refused(sf.Opportunity.create, {**OPPORTUNITY, "RecordTypeId": ids["Renewal"]})
    assert refused["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert "Prospecting" in refused["message"]
    renewal = {**OPPORTUNITY, "StageName": "Qualification", "RecordTypeId": ids["Renewal"]}
    renewal_id = sf.Opportunity.create(renewal)["id"]
    moved = _refused(sf.Opportunity.update, renewal_id, {"StageName": "Prospecting"})
    assert moved["fields"] == ["StageName"]
    bad = _refused(sf.Opportunity.create, {**OPPORTUNITY, "RecordTypeId": "012000000000000AAA"})
    assert bad["errorCode"] in {"INVALID_CROSS_REFERENCE_KEY", "FIELD_INTEGRITY_EXCEPTION"}


def test_ui_api_picklist_values_per_record_type(
    sf: Salesforce, control: SalesforceEmulatorControl
) -> None:
    control.update_settings(opportunity_record_types=RECORD_TYPES)
    ids = _record_type_ids(sf)
    path = "ui-api/object-info/Opportunity/picklist-values/{}/StageName"
    renewal = sf.restful(path.format(ids["Renewal"]))
    assert [v["value"] for v in renewal["values"]] == RECORD_TYPES[1]["stages"]
    enterprise = sf.restful(path.format(ids["Enterprise"]))
    assert len(enterprise["values"]) == 10
    master = sf.restful(path.format("012000000000000AAA"))
    assert len(master["values"]) == 10


def test_multi_currency_fields_and_currency_types(
    sf: Salesforce, control: SalesforceEmulatorControl
) -> None:
    before = sf.Opportunity.create(dict(OPPORTUNITY))["id"]
    control.update_settings(
        currencies=[
            {"iso_code": "EUR"},
            {"iso_code": "USD", "conversion_rate": 1.1},
            {"iso_code": "GBP", "active": False},
        ],
        corporate_currency="EUR",
    )
    rows = sf.query("SELECT IsoCode, IsActive, IsCorporate FROM CurrencyType")["records"]
    assert {(r["IsoCode"], r["IsActive"], r["IsCorporate"]) for r in rows} == {
        ("EUR", True, True), ("USD", True, False), ("GBP", False, False)
    }  # fmt: skip
    assert sf.Opportunity.get(before)["CurrencyIsoCode"] == "EUR"
    dollars = sf.Opportunity.create({**OPPORTUNITY, "Amount": 10, "CurrencyIsoCode": "USD"})
    assert sf.Opportunity.get(dollars["id"])["CurrencyIsoCode"] == "USD"
    assert (
        sf.Opportunity.get(sf.Opportunity.create(dict(OPPORTUNITY))["id"])["CurrencyIsoCode"]
        == "EUR"
    )
    refused = _refused(sf.Opportunity.create, {**OPPORTUNITY, "CurrencyIsoCode": "GBP"})
    assert refused["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert "GBP" in refused["message"]
    account_fields = {f["name"] for f in sf.Account.describe()["fields"]}
    assert "CurrencyIsoCode" in account_fields


def test_record_types_and_currencies_survive_a_restart_with_their_ids(tmp_path: Path) -> None:
    data = tmp_path / "org.sqlite"
    with running(create_app(token=TOKEN, data=data)) as server:
        sf = connect(server)
        SalesforceEmulatorControl(server.url).update_settings(
            opportunity_record_types=RECORD_TYPES, currencies=["USD", "EUR"]
        )
        ids = _record_type_ids(sf)
        renewal = {**OPPORTUNITY, "StageName": "Qualification", "RecordTypeId": ids["Renewal"]}
        kept = sf.Opportunity.create({**renewal, "CurrencyIsoCode": "EUR"})["id"]
    with running(create_app(token=TOKEN, data=data)) as server:
        sf = connect(server)
        assert _record_type_ids(sf) == ids
        record = sf.Opportunity.get(kept)
        assert (record["RecordTypeId"], record["CurrencyIsoCode"]) == (ids["Renewal"], "EUR")
        refused = _refused(sf.Opportunity.update, kept, {"StageName": "Prospecting"})
        assert refused["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
