"""Salesforce adapter pure parts: Collections bodies and results, describe and CSV typing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crmsync.connectors.base import FieldType, WriteRequest
from crmsync.connectors.salesforce import records
from crmsync.connectors.salesforce.writes import write_collections


def test_r27_collections_write_splits_creates_from_updates_and_keeps_per_record_codes() -> None:
    calls: list[tuple[str, Mapping[str, Any]]] = []

    def send(method: str, body: Mapping[str, Any]) -> list[dict[str, Any]]:
        calls.append((method, body))
        answers = []
        for row in body["records"]:
            if method == "POST" and "LastName" not in row:
                answers.append(
                    {
                        "success": False,
                        "errors": [
                            {
                                "statusCode": "REQUIRED_FIELD_MISSING",
                                "message": "Required fields are missing: [LastName]",
                                "fields": ["LastName"],
                            }
                        ],
                    }
                )
            else:
                answers.append({"id": row.get("id", "003NEW"), "success": True, "errors": []})
        return answers

    requests = [
        WriteRequest(object_type="Contact", key="new", fields={"LastName": "A"}),
        WriteRequest(object_type="Contact", key="upd", id="003OLD", fields={"LastName": "B"}),
        WriteRequest(object_type="Contact", key="bad", fields={"FirstName": "C"}),
    ]
    results = write_collections(requests, send=send, chunk_size=200)
    assert [call[0] for call in calls] == ["POST", "PATCH"]
    assert calls[0][1]["allOrNone"] is False
    assert calls[1][1]["records"][0]["id"] == "003OLD"
    assert [(r.key, r.ok, r.created) for r in results] == [
        ("new", True, True),
        ("upd", True, False),
        ("bad", False, False),
    ]
    assert results[2].errors[0].code == "REQUIRED_FIELD_MISSING"
    assert results[2].errors[0].fields == ("LastName",)


def test_chunks_never_exceed_the_batch_size() -> None:
    sizes: list[int] = []

    def send(method: str, body: Mapping[str, Any]) -> list[dict[str, Any]]:
        sizes.append(len(body["records"]))
        return [{"id": "003X", "success": True} for _ in body["records"]]

    requests = [WriteRequest(object_type="Lead", key=str(n), fields={}) for n in range(450)]
    assert len(write_collections(requests, send=send, chunk_size=200)) == 450
    assert sizes == [200, 200, 50]


def test_describe_maps_types_and_skips_compound_fields() -> None:
    describe = {
        "fields": [
            {
                "name": "Email",
                "label": "Email",
                "type": "email",
                "createable": True,
                "updateable": True,
            },
            {"name": "MailingAddress", "type": "address"},
            {
                "name": "LeadSource",
                "type": "picklist",
                "restrictedPicklist": True,
                "picklistValues": [
                    {"value": "Web", "active": True},
                    {"value": "Old", "active": False},
                ],
            },
        ]
    }
    fields = records.fields_of(describe)
    assert fields["Email"].type is FieldType.EMAIL
    assert "MailingAddress" not in fields
    assert fields["LeadSource"].picklist_values == ("Web",)
    assert fields["LeadSource"].restricted_picklist


def test_bulk_selects_no_compound_whether_named_by_type_or_by_its_components() -> None:
    describe = {
        "fields": [
            {"name": "BillingCity", "type": "string", "compoundFieldName": "BillingAddress"},
            {"name": "BillingAddress", "type": "address", "compoundFieldName": None},
            {"name": "Site__Latitude__s", "type": "double", "compoundFieldName": "Site__c"},
            {"name": "Site__c", "type": "location"},
            {"name": "Spot__Latitude__s", "type": "double", "compoundFieldName": "Spot__c"},
            {"name": "Name", "type": "string"},
        ]
    }
    assert records.compound_fields(describe) == {"BillingAddress", "Site__c", "Spot__c"}
    fields = ["Name", "billingaddress", "BillingCity", "Site__c", "Spot__c", "Site__Latitude__s"]
    assert records.bulk_selectable(describe, fields) == ["Name", "BillingCity", "Site__Latitude__s"]


def test_bulk_csv_cells_get_rest_types() -> None:
    types = {"IsDeleted": "boolean", "NumberOfEmployees": "int", "AnnualRevenue": "currency"}
    row = records.csv_row(
        {
            "Id": "001A",
            "isdeleted": "false",
            "NumberOfEmployees": "12",
            "AnnualRevenue": "",
            "Name": "X",
        },
        types,
    )
    assert row == {
        "Id": "001A",
        "isdeleted": False,
        "NumberOfEmployees": 12,
        "AnnualRevenue": None,
        "Name": "X",
    }


def test_r11_dependent_picklist_valid_for_bitmaps_name_their_controlling_values() -> None:
    describe = {
        "fields": [
            {
                "name": "MailingCountryCode",
                "type": "picklist",
                "picklistValues": [
                    {"value": "CA", "label": "Canada", "active": True},
                    {"value": "PL", "label": "Poland", "active": True},
                    {"value": "US", "label": "United States", "active": True},
                ],
            },
            {
                "name": "MailingStateCode",
                "type": "picklist",
                "controllerName": "MailingCountryCode",
                "dependentPicklist": True,
                "picklistValues": [
                    # 0b0100_0000: the second country (PL); 0b1010_0000: CA and US.
                    {"value": "MZ", "label": "Mazowsze", "active": True, "validFor": "QA=="},
                    {"value": "WA", "label": "Washington", "active": True, "validFor": "oA=="},
                    {"value": "XX", "label": "Retired", "active": False, "validFor": "QA=="},
                ],
            },
        ]
    }

    states = records.fields_of(describe)["MailingStateCode"].picklist_entries

    assert [(s.value, s.label, s.valid_for) for s in states] == [
        ("MZ", "Mazowsze", ("PL",)),
        ("WA", "Washington", ("CA", "US")),
    ]
    assert records.fields_of(describe)["MailingCountryCode"].picklist_entries[0].valid_for == ()
