"""Single-record calls through the official client: create, read, update, archive, merge,
and HubSpot's error bodies (wire facts B.2, B.7, B.12)."""

from __future__ import annotations

import json

import pytest
from hubspot import HubSpot
from hubspot.crm.contacts import SimplePublicObjectInput, SimplePublicObjectInputForCreate
from hubspot.crm.contacts.exceptions import ApiException, NotFoundException
from hubspot.crm.objects import SimplePublicObjectInputForCreate as ObjectInputForCreate
from hubspot.crm.objects.exceptions import ApiException as ObjectsApiException
from hubspot.crm.objects.notes.exceptions import ApiException as NotesApiException

from crmsync.emulators.hubspot.control_client import HubSpotEmulatorControl


def _create(client: HubSpot, **props: str) -> str:
    created = client.crm.contacts.basic_api.create(
        SimplePublicObjectInputForCreate(properties=props)
    )
    return str(created.id)


def test_create_returns_201_object_with_string_properties_and_iso_dates(client: HubSpot) -> None:
    created = client.crm.contacts.basic_api.create(
        SimplePublicObjectInputForCreate(
            properties={"email": "Ann@Example.com", "firstname": "Ann"}
        )
    )
    assert created.id.isdigit()
    assert created.properties["email"] == "ann@example.com"  # HubSpot stores emails lowercased
    assert created.properties["hs_object_id"] == created.id
    assert created.created_at.tzinfo is not None
    assert created.archived is False


def test_get_by_id_and_by_email_with_requested_and_default_properties(client: HubSpot) -> None:
    contact_id = _create(client, email="b@example.com", phone="+48 600 000 000")
    default = client.crm.contacts.basic_api.get_by_id(contact_id)
    assert set(default.properties) >= {
        "email",
        "firstname",
        "lastname",
        "createdate",
        "lastmodifieddate",
        "hs_object_id",
    }
    assert default.properties["firstname"] is None  # known but unset → null
    by_email = client.crm.contacts.basic_api.get_by_id(
        "b@example.com", id_property="email", properties=["phone"]
    )
    assert by_email.id == contact_id
    assert by_email.properties["phone"] == "+48 600 000 000"


def test_update_changes_value_bumps_lastmodifieddate_and_keeps_history(client: HubSpot) -> None:
    contact_id = _create(client, email="c@example.com", firstname="Old")
    before = client.crm.contacts.basic_api.get_by_id(contact_id)
    updated = client.crm.contacts.basic_api.update(
        contact_id, SimplePublicObjectInput(properties={"firstname": "New"})
    )
    assert updated.properties["firstname"] == "New"
    assert updated.properties["lastmodifieddate"] >= before.properties["lastmodifieddate"]
    page = client.crm.contacts.basic_api.get_page(properties_with_history=["firstname"])
    history = page.results[0].properties_with_history["firstname"]
    assert [h.value for h in history] == ["New", "Old"]


def test_empty_string_clears_a_value(client: HubSpot) -> None:
    contact_id = _create(client, email="d@example.com", jobtitle="CTO")
    client.crm.contacts.basic_api.update(
        contact_id, SimplePublicObjectInput(properties={"jobtitle": ""})
    )
    got = client.crm.contacts.basic_api.get_by_id(contact_id, properties=["jobtitle"])
    assert got.properties["jobtitle"] is None


def test_archive_is_204_then_404_and_listed_as_archived(client: HubSpot) -> None:
    contact_id = _create(client, email="e@example.com")
    client.crm.contacts.basic_api.archive(contact_id)
    client.crm.contacts.basic_api.archive("999999")  # unknown id: still 204
    with pytest.raises(NotFoundException) as caught:
        client.crm.contacts.basic_api.get_by_id(contact_id)
    assert json.loads(caught.value.body)["category"] == "OBJECT_NOT_FOUND"
    archived = client.crm.contacts.basic_api.get_page(archived=True)
    assert [r.id for r in archived.results] == [contact_id]
    assert archived.results[0].archived_at is not None
    # the archived contact's email is free again
    _create(client, email="e@example.com")


def test_list_pages_with_after_cursor_until_no_paging(client: HubSpot) -> None:
    ids = [_create(client, email=f"p{i}@example.com") for i in range(7)]
    seen, after = [], None
    while True:
        page = client.crm.contacts.basic_api.get_page(limit=3, after=after)
        seen += [r.id for r in page.results]
        if page.paging is None:
            break
        after = page.paging.next.after
    assert seen == ids


def test_list_returns_the_asked_properties_on_every_after_page(client: HubSpot) -> None:
    # The first read of a backfill lists with ``properties`` (repeated, as the official
    # client sends them) and ``after`` paging; archived records are not listed.
    ids = [_create(client, email=f"l{i}@example.com", firstname=f"F{i}") for i in range(5)]
    client.crm.contacts.basic_api.archive(ids[1])
    rows, after = [], None
    while True:
        page = client.crm.contacts.basic_api.get_page(
            limit=2, after=after, properties=["firstname", "lastmodifieddate"], archived=False
        )
        rows += page.results
        if page.paging is None:
            break
        after = page.paging.next.after
    assert [r.id for r in rows] == [ids[0], *ids[2:]]
    assert [r.properties["firstname"] for r in rows] == ["F0", "F2", "F3", "F4"]
    assert all(r.properties["lastmodifieddate"] for r in rows)
    assert all("email" not in r.properties for r in rows)


def test_duplicate_email_is_409_conflict_naming_the_existing_id(client: HubSpot) -> None:
    first = _create(client, email="dup@example.com")
    with pytest.raises(ApiException) as caught:
        _create(client, email="DUP@example.com")
    body = json.loads(caught.value.body)
    assert caught.value.status == 409
    assert body["category"] == "CONFLICT"
    assert body["message"] == f"Contact already exists. Existing ID: {first}"
    assert body["correlationId"]


@pytest.mark.parametrize(
    ("props", "error", "name"),
    [
        ({"email": "not-an-email"}, "INVALID_EMAIL", "email"),
        (
            {"email": "x@example.com", "favourite_colour": "red"},
            "PROPERTY_DOESNT_EXIST",
            "favourite_colour",
        ),
        ({"email": "y@example.com", "lifecyclestage": "vip"}, "INVALID_OPTION", "lifecyclestage"),
        ({"email": "z@example.com", "hubspot_owner_id": "1"}, "INVALID_OPTION", "hubspot_owner_id"),
        ({"email": "w@example.com", "hs_object_id": "5"}, "READ_ONLY_VALUE", "hs_object_id"),
    ],
)
def test_invalid_values_are_400_validation_error_in_hubspot_shape(
    client: HubSpot, props: dict[str, str], error: str, name: str
) -> None:
    with pytest.raises(ApiException) as caught:
        _create(client, **props)
    body = json.loads(caught.value.body)
    assert caught.value.status == 400
    assert body["category"] == "VALIDATION_ERROR"
    assert body["message"].startswith("Property values were not valid: ")
    listed = json.loads(body["message"].removeprefix("Property values were not valid: "))
    assert listed[0]["error"] == error
    assert listed[0]["name"] == name
    assert body["errors"][0]["context"]["propertyName"] == [name]


def test_r16_lifecycle_stage_does_not_move_backwards_unless_cleared(client: HubSpot) -> None:
    contact_id = _create(client, email="lc@example.com", lifecyclestage="customer")
    api = client.crm.contacts.basic_api
    api.update(contact_id, SimplePublicObjectInput(properties={"lifecyclestage": "lead"}))
    assert (
        api.get_by_id(contact_id, properties=["lifecyclestage"]).properties["lifecyclestage"]
        == "customer"
    )
    api.update(contact_id, SimplePublicObjectInput(properties={"lifecyclestage": ""}))
    api.update(contact_id, SimplePublicObjectInput(properties={"lifecyclestage": "lead"}))
    assert (
        api.get_by_id(contact_id, properties=["lifecyclestage"]).properties["lifecyclestage"]
        == "lead"
    )


def test_lifecycle_backwards_switch_allows_direct_moves(
    client: HubSpot, emulator: HubSpotEmulatorControl
) -> None:
    emulator.set_behaviour(lifecycle_backwards=True)
    contact_id = _create(client, email="lc2@example.com", lifecyclestage="customer")
    client.crm.contacts.basic_api.update(
        contact_id, SimplePublicObjectInput(properties={"lifecyclestage": "lead"})
    )
    got = client.crm.contacts.basic_api.get_by_id(contact_id, properties=["lifecyclestage"])
    assert got.properties["lifecyclestage"] == "lead"


def test_merge_keeps_primary_fills_blanks_and_redirects_merged_id(client: HubSpot) -> None:
    primary = _create(client, email="keep@example.com", firstname="Keep")
    other = _create(client, email="gone@example.com", firstname="Gone", jobtitle="CEO")
    merged = client.crm.contacts.basic_api.merge(
        {"primaryObjectId": primary, "objectIdToMerge": other}
    )
    assert merged.id == primary
    got = client.crm.contacts.basic_api.get_by_id(
        other, properties=["firstname", "jobtitle", "hs_merged_object_ids"]
    )
    assert got.id == primary
    assert got.properties["firstname"] == "Keep"
    assert got.properties["jobtitle"] == "CEO"
    assert got.properties["hs_merged_object_ids"] == other
    by_old_email = client.crm.contacts.basic_api.get_by_id("gone@example.com", id_property="email")
    assert by_old_email.id == primary


def test_deals_and_engagements_via_generic_objects_api(client: HubSpot) -> None:
    deal = client.crm.objects.basic_api.create(
        "deals",
        ObjectInputForCreate(
            properties={"dealname": "Big", "dealstage": "closedwon", "amount": "100"}
        ),
    )
    got = client.crm.objects.basic_api.get_by_id(
        "deals", deal.id, properties=["pipeline", "hs_is_closed_won", "hs_lastmodifieddate"]
    )
    assert got.properties["pipeline"] == "default"
    assert got.properties["hs_is_closed_won"] == "true"
    assert got.properties["hs_lastmodifieddate"]
    with pytest.raises(ObjectsApiException) as caught:
        client.crm.objects.basic_api.create(
            "deals", ObjectInputForCreate(properties={"dealname": "X", "dealstage": "nope"})
        )
    assert caught.value.status == 400
    task = client.crm.objects.tasks.basic_api.create(
        {"properties": {"hs_timestamp": "1704067200000", "hs_task_subject": "Call back"}}
    )
    assert task.properties["hs_timestamp"] == "2024-01-01T00:00:00.000Z"
    with pytest.raises(NotesApiException) as missing:
        client.crm.objects.notes.basic_api.create({"properties": {"hs_note_body": "no time"}})
    assert missing.value.status == 400


def test_date_property_must_be_midnight_utc(client: HubSpot) -> None:
    client.crm.properties.core_api.create(
        "contacts",
        {
            "name": "renewal_date",
            "label": "Renewal",
            "type": "date",
            "fieldType": "date",
            "groupName": "contactinformation",
        },
    )
    ok = _create(client, email="dt@example.com", renewal_date="2024-03-01")
    assert (
        client.crm.contacts.basic_api.get_by_id(ok, properties=["renewal_date"]).properties[
            "renewal_date"
        ]
        == "2024-03-01"
    )
    with pytest.raises(ApiException) as caught:
        _create(client, email="dt2@example.com", renewal_date="1709290800000")  # 11:00 UTC
    assert "INVALID_DATE" in json.loads(caught.value.body)["message"]
