"""Salesforce adapter pure parts: Collections bodies and results, describe and CSV typing."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest

from crmsync.connectors.base import FieldType, WriteRequest
from crmsync.connectors.salesforce import records
from crmsync.connectors.salesforce.writes import write_collections
from crmsync.connectors.writes import WriteInterruptedError

Collection = Callable[[str, Mapping[str, Any]], list[dict[str, Any]]]


def _through_composite(
    collection: Collection, calls: list[Mapping[str, Any]]
) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """A composite endpoint that runs each Collections subrequest through ``collection``."""

    def send(body: Mapping[str, Any]) -> dict[str, Any]:
        calls.append(body)
        return {
            "compositeResponse": [
                {
                    "body": collection(sub["method"], sub["body"]),
                    "httpHeaders": {},
                    "httpStatusCode": 200,
                    "referenceId": sub["referenceId"],
                }
                for sub in body["compositeRequest"]
            ]
        }

    return send


def _collection(method: str, body: Mapping[str, Any]) -> list[dict[str, Any]]:
    answers: list[dict[str, Any]] = []
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


def _unused(method: str, body: Mapping[str, Any]) -> list[dict[str, Any]]:
    raise AssertionError("a write of several collections goes through composite")


def test_r27_creates_and_updates_share_one_composite_call_and_keep_per_record_codes() -> None:
    calls: list[Mapping[str, Any]] = []
    requests = [
        WriteRequest(object_type="Contact", key="new", fields={"LastName": "A"}),
        WriteRequest(object_type="Contact", key="upd", id="003OLD", fields={"LastName": "B"}),
        WriteRequest(object_type="Contact", key="bad", fields={"FirstName": "C"}),
    ]
    results = write_collections(
        requests,
        send=_unused,
        send_composite=_through_composite(_collection, calls),
        api_version="59.0",
    )
    [call] = calls
    assert call["allOrNone"] is False
    subrequests = call["compositeRequest"]
    assert [(sub["method"], sub["url"]) for sub in subrequests] == [
        ("POST", "/services/data/v59.0/composite/sobjects"),
        ("PATCH", "/services/data/v59.0/composite/sobjects"),
    ]
    assert all(sub["body"]["allOrNone"] is False for sub in subrequests)
    assert subrequests[1]["body"]["records"][0]["id"] == "003OLD"
    assert [(r.key, r.ok, r.created) for r in results] == [
        ("new", True, True),
        ("upd", True, False),
        ("bad", False, False),
    ]
    assert results[2].errors[0].code == "REQUIRED_FIELD_MISSING"
    assert results[2].errors[0].fields == ("LastName",)


def test_one_collection_goes_out_as_a_plain_collections_call() -> None:
    calls: list[tuple[str, Mapping[str, Any]]] = []

    def send(method: str, body: Mapping[str, Any]) -> list[dict[str, Any]]:
        calls.append((method, body))
        return _collection(method, body)

    requests = [WriteRequest(object_type="Lead", key=str(n), fields={}) for n in range(200)]
    results = write_collections(
        requests, send=send, send_composite=_through_composite(_unused, []), api_version="59.0"
    )
    assert len(results) == 200
    assert [(method, len(body["records"])) for method, body in calls] == [("POST", 200)]


def test_1000_records_go_out_in_one_call_and_2050_in_three() -> None:
    calls: list[Mapping[str, Any]] = []
    requests = [
        WriteRequest(object_type="Lead", key=str(n), fields={"LastName": "L"}) for n in range(2050)
    ]
    results = write_collections(
        requests,
        send=_collection,
        send_composite=_through_composite(_collection, calls),
        api_version="59.0",
    )
    assert [r.key for r in results] == [str(n) for n in range(2050)]
    assert all(r.ok for r in results)
    sizes = [[len(sub["body"]["records"]) for sub in call["compositeRequest"]] for call in calls]
    # The last 50 fit one plain Collections call.
    assert sizes == [[200] * 5, [200] * 5]


def test_r27_a_refused_subrequest_fails_its_records_and_the_others_are_written() -> None:
    def send_composite(body: Mapping[str, Any]) -> dict[str, Any]:
        first, second = body["compositeRequest"]
        return {
            "compositeResponse": [
                {
                    "body": [{"errorCode": "UNABLE_TO_LOCK_ROW", "message": "locked"}],
                    "httpStatusCode": 400,
                    "referenceId": first["referenceId"],
                },
                {
                    "body": _collection(second["method"], second["body"]),
                    "httpStatusCode": 200,
                    "referenceId": second["referenceId"],
                },
            ]
        }

    requests = [
        WriteRequest(object_type="Lead", key=str(n), fields={"LastName": "L"}) for n in range(300)
    ]
    results = write_collections(
        requests, send=_unused, send_composite=send_composite, api_version="59.0"
    )
    assert {r.errors[0].code for r in results[:200]} == {"UNABLE_TO_LOCK_ROW"}
    assert all(r.ok for r in results[200:])


def test_r25_a_subrequest_that_failed_for_a_passing_reason_interrupts_with_what_was_written() -> (
    None
):
    def send_composite(body: Mapping[str, Any]) -> dict[str, Any]:
        first, second = body["compositeRequest"]
        return {
            "compositeResponse": [
                {
                    "body": _collection(first["method"], first["body"]),
                    "httpStatusCode": 200,
                    "referenceId": first["referenceId"],
                },
                {
                    "body": [{"errorCode": "SERVER_UNAVAILABLE", "message": "try later"}],
                    "httpStatusCode": 503,
                    "referenceId": second["referenceId"],
                },
            ]
        }

    requests = [
        WriteRequest(object_type="Lead", key=str(n), fields={"LastName": "L"}) for n in range(300)
    ]
    with pytest.raises(WriteInterruptedError) as raised:
        write_collections(requests, send=_unused, send_composite=send_composite, api_version="59.0")
    assert [r.key for r in raised.value.completed] == [str(n) for n in range(200)]


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
