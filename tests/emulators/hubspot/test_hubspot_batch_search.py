"""Batch calls (B.3) and search (B.4) through the official client."""

from __future__ import annotations

import json

import pytest
from hubspot import HubSpot
from hubspot.crm.contacts import (
    BatchInputSimplePublicObjectBatchInput,
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchInputSimplePublicObjectBatchInputUpsert,
    BatchInputSimplePublicObjectId,
    BatchReadInputSimplePublicObjectId,
    BatchResponseSimplePublicObject,
    BatchResponseSimplePublicObjectWithErrors,
    PublicObjectSearchRequest,
)
from hubspot.crm.contacts.exceptions import ApiException

from crmsync.emulators.hubspot.control_client import HubSpotEmulatorControl


def _batch_create(client: HubSpot, emails: list[str], **extra: str) -> list[str]:
    answer = client.crm.contacts.batch_api.create(
        BatchInputSimplePublicObjectBatchInputForCreate(
            inputs=[{"properties": {"email": e, **extra}} for e in emails]
        )
    )
    assert isinstance(answer, BatchResponseSimplePublicObject)  # i.e. the answer was 201
    return [r.id for r in sorted(answer.results, key=lambda r: r.properties["email"])]


def _search(client: HubSpot, filters: list[dict[str, object]], **kw: object) -> list[str]:
    answer = client.crm.contacts.search_api.do_search(
        PublicObjectSearchRequest(filter_groups=[{"filters": filters}], limit=200, **kw)
    )
    return sorted(r.properties["email"] for r in answer.results)


def test_batch_create_is_201_and_whole_batch_409_on_a_duplicate_email(client: HubSpot) -> None:
    _batch_create(client, ["a@x.com", "b@x.com"])
    with pytest.raises(ApiException) as caught:
        _batch_create(client, ["c@x.com", "b@x.com"])
    assert caught.value.status == 409
    assert json.loads(caught.value.body)["category"] == "CONFLICT"
    # nothing of the refused batch was written
    assert len(client.crm.contacts.get_all()) == 2


def test_batch_create_with_trace_ids_reports_rows_with_207(client: HubSpot) -> None:
    answer = client.crm.contacts.batch_api.create(
        BatchInputSimplePublicObjectBatchInputForCreate(
            inputs=[
                {"properties": {"email": "ok@x.com"}, "objectWriteTraceId": "t1"},
                {"properties": {"email": "bad"}, "objectWriteTraceId": "t2"},
            ]
        )
    )
    assert isinstance(answer, BatchResponseSimplePublicObjectWithErrors)
    assert answer.num_errors == 1
    assert answer.errors[0].category == "VALIDATION_ERROR"
    assert [r.properties["email"] for r in answer.results] == ["ok@x.com"]


def test_batch_over_100_inputs_is_400(client: HubSpot) -> None:
    with pytest.raises(ApiException) as caught:
        _batch_create(client, [f"n{i}@x.com" for i in range(101)])
    assert caught.value.status == 400


def test_batch_read_by_id_and_email_reports_missing_with_207(client: HubSpot) -> None:
    ids = _batch_create(client, ["r1@x.com", "r2@x.com"])
    by_id = client.crm.contacts.batch_api.read(
        BatchReadInputSimplePublicObjectId(
            inputs=[{"id": i} for i in ids], properties=["email"], properties_with_history=[]
        )
    )
    assert sorted(r.id for r in by_id.results) == sorted(ids)
    assert getattr(by_id, "num_errors", None) is None
    by_email = client.crm.contacts.batch_api.read(
        BatchReadInputSimplePublicObjectId(
            inputs=[{"id": "r1@x.com"}, {"id": "nobody@x.com"}],
            id_property="email",
            properties=["email"],
            properties_with_history=[],
        )
    )
    assert isinstance(by_email, BatchResponseSimplePublicObjectWithErrors)
    assert by_email.errors[0].category == "OBJECT_NOT_FOUND"
    assert by_email.errors[0].context == {"ids": ["nobody@x.com"]}


def test_batch_update_207_for_unknown_id_and_invalid_value(client: HubSpot) -> None:
    ids = _batch_create(client, ["u1@x.com", "u2@x.com"])
    answer = client.crm.contacts.batch_api.update(
        BatchInputSimplePublicObjectBatchInput(
            inputs=[
                {"id": ids[0], "properties": {"firstname": "One"}},
                {"id": ids[1], "properties": {"lifecyclestage": "nonsense"}},
                {"id": "424242", "properties": {"firstname": "Ghost"}},
            ]
        )
    )
    assert answer.num_errors == 2
    assert {e.category for e in answer.errors} == {"OBJECT_NOT_FOUND", "VALIDATION_ERROR"}
    assert [r.properties["firstname"] for r in answer.results] == ["One"]


def test_batch_upsert_by_email_creates_and_updates(client: HubSpot) -> None:
    (existing,) = _batch_create(client, ["up@x.com"])
    answer = client.crm.contacts.batch_api.upsert(
        BatchInputSimplePublicObjectBatchInputUpsert(
            inputs=[
                {"idProperty": "email", "id": "up@x.com", "properties": {"firstname": "Old"}},
                {"idProperty": "email", "id": "new@x.com", "properties": {"firstname": "New"}},
            ]
        )
    )
    by_new = {r.new: r for r in answer.results}
    assert by_new[False].id == existing
    assert by_new[True].properties["email"] == "new@x.com"


def test_batch_archive_is_204_and_records_disappear(client: HubSpot) -> None:
    ids = _batch_create(client, ["del1@x.com", "del2@x.com"])
    client.crm.contacts.batch_api.archive(
        BatchInputSimplePublicObjectId(inputs=[{"id": i} for i in [*ids, "77777"]])
    )
    assert client.crm.contacts.get_all() == []


def test_search_operators(client: HubSpot) -> None:
    _batch_create(client, ["s1@acme.com"], firstname="Ann", lifecyclestage="lead")
    client.crm.contacts.basic_api.create(
        {"properties": {"email": "s2@other.org", "firstname": "Bob", "associatedcompanyid": "5"}}
    )
    client.crm.contacts.basic_api.create(
        {"properties": {"email": "s3@acme.com", "associatedcompanyid": "9"}}
    )
    assert _search(client, [{"propertyName": "firstname", "operator": "EQ", "value": "ann"}]) == [
        "s1@acme.com"
    ]
    assert _search(client, [{"propertyName": "firstname", "operator": "NEQ", "value": "Ann"}]) == [
        "s2@other.org",
        "s3@acme.com",
    ]
    assert _search(
        client, [{"propertyName": "associatedcompanyid", "operator": "GT", "value": "5"}]
    ) == ["s3@acme.com"]
    assert _search(
        client, [{"propertyName": "associatedcompanyid", "operator": "LTE", "value": "5"}]
    ) == ["s2@other.org"]
    assert _search(
        client,
        [
            {
                "propertyName": "associatedcompanyid",
                "operator": "BETWEEN",
                "value": "4",
                "highValue": "10",
            }
        ],
    ) == ["s2@other.org", "s3@acme.com"]
    assert _search(
        client,
        [{"propertyName": "email", "operator": "IN", "values": ["s1@acme.com", "s3@acme.com"]}],
    ) == ["s1@acme.com", "s3@acme.com"]
    assert _search(
        client, [{"propertyName": "email", "operator": "NOT_IN", "values": ["s1@acme.com"]}]
    ) == ["s2@other.org", "s3@acme.com"]
    assert _search(client, [{"propertyName": "lifecyclestage", "operator": "HAS_PROPERTY"}]) == [
        "s1@acme.com"
    ]
    assert _search(client, [{"propertyName": "firstname", "operator": "NOT_HAS_PROPERTY"}]) == [
        "s3@acme.com"
    ]
    assert _search(
        client, [{"propertyName": "email", "operator": "CONTAINS_TOKEN", "value": "*@acme.com"}]
    ) == ["s1@acme.com", "s3@acme.com"]
    assert _search(
        client, [{"propertyName": "email", "operator": "NOT_CONTAINS_TOKEN", "value": "*@acme.com"}]
    ) == ["s2@other.org"]
    created = client.crm.contacts.basic_api.get_by_id(
        client.crm.contacts.get_all()[0].id, properties=["createdate"]
    ).properties["createdate"]
    assert (
        len(_search(client, [{"propertyName": "createdate", "operator": "GTE", "value": created}]))
        == 3
    )


def test_search_groups_are_ored_and_sort_descending(client: HubSpot) -> None:
    _batch_create(client, ["a@x.com", "b@x.com", "c@x.com"])
    answer = client.crm.contacts.search_api.do_search(
        PublicObjectSearchRequest(
            filter_groups=[
                {"filters": [{"propertyName": "email", "operator": "EQ", "value": "a@x.com"}]},
                {"filters": [{"propertyName": "email", "operator": "EQ", "value": "c@x.com"}]},
            ],
            sorts=[{"propertyName": "email", "direction": "DESCENDING"}],
            properties=["email"],
        )
    )
    assert [r.properties["email"] for r in answer.results] == ["c@x.com", "a@x.com"]


def test_search_pages_with_after_and_caps_at_10000(client: HubSpot) -> None:
    _batch_create(client, [f"pg{i:02d}@x.com" for i in range(25)])
    seen, after = [], "0"
    while after is not None:
        page = client.crm.contacts.search_api.do_search(
            PublicObjectSearchRequest(limit=10, after=after, sorts=["email"], properties=["email"])
        )
        assert page.total == 25
        seen += [r.properties["email"] for r in page.results]
        after = page.paging.next.after if page.paging else None
    assert seen == sorted(seen) and len(seen) == 25
    with pytest.raises(ApiException) as past_cap:
        client.crm.contacts.search_api.do_search(PublicObjectSearchRequest(limit=10, after="10000"))
    assert past_cap.value.status == 400
    with pytest.raises(ApiException) as too_big:
        client.crm.contacts.search_api.do_search(PublicObjectSearchRequest(limit=201))
    assert too_big.value.status == 400
    with pytest.raises(ApiException) as two_sorts:
        client.crm.contacts.search_api.do_search(
            PublicObjectSearchRequest(sorts=["email", "firstname"])
        )
    assert two_sorts.value.status == 400


def test_search_filter_limits_are_enforced(client: HubSpot) -> None:
    one = {"propertyName": "email", "operator": "HAS_PROPERTY"}
    with pytest.raises(ApiException) as groups:
        client.crm.contacts.search_api.do_search(
            PublicObjectSearchRequest(filter_groups=[{"filters": [one]}] * 6)
        )
    assert json.loads(groups.value.body)["category"] == "VALIDATION_ERROR"
    with pytest.raises(ApiException):
        client.crm.contacts.search_api.do_search(
            PublicObjectSearchRequest(filter_groups=[{"filters": [one] * 11}])
        )


def test_search_lag_hides_new_and_changed_records_until_the_clock_moves(
    client: HubSpot, emulator: HubSpotEmulatorControl
) -> None:
    emulator.set_behaviour(search_lag_seconds=5)
    (contact_id,) = _batch_create(client, ["lag@x.com"], firstname="Before")
    everything = [{"propertyName": "email", "operator": "HAS_PROPERTY"}]
    assert _search(client, everything) == []
    emulator.advance_clock(seconds=5)
    assert _search(client, everything) == ["lag@x.com"]
    client.crm.contacts.basic_api.update(contact_id, {"properties": {"firstname": "After"}})
    after_filter = [{"propertyName": "firstname", "operator": "EQ", "value": "After"}]
    assert _search(client, after_filter) == []
    emulator.advance_clock(seconds=6)
    assert _search(client, after_filter) == ["lag@x.com"]
