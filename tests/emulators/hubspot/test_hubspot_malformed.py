"""Malformed requests get HubSpot's JSON error with a 400 (or 405), never a 500 or text.

Each case is one a real client sends: the official Node client sends ``limit=null`` for an
unset argument; a hand-written client sends ``properties`` as a list, ids as objects, or
no body at all. HubSpot deserialises every body before acting, so the wrong shape is a
400 ``VALIDATION_ERROR`` and nothing is written.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from crmsync.emulators.common.server import BackgroundServer
from crmsync.emulators.hubspot.control_client import HubSpotEmulatorControl
from tests.emulators.hubspot.conftest import TOKEN

CONTACTS = "/crm/v3/objects/contacts"


@pytest.fixture
def http(hubspot_server: BackgroundServer, emulator: HubSpotEmulatorControl) -> httpx.Client:
    return httpx.Client(
        base_url=hubspot_server.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    )


def assert_hubspot_error(answer: httpx.Response, *, status: int = 400) -> dict[str, Any]:
    """HubSpot's error body: JSON with status, message, correlationId and category."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert body["status"] == "error"
    assert body["message"]
    assert body["correlationId"]
    assert body["category"] == ("VALIDATION_ERROR" if status in (400, 405) else body["category"])
    return body


def _contact_count(http: httpx.Client) -> int:
    return len(http.get(CONTACTS, params={"limit": 100}).json()["results"])


def _list_id(http: httpx.Client) -> str:
    created = http.post(
        "/crm/v3/lists", json={"name": "L", "objectTypeId": "0-1", "processingType": "MANUAL"}
    )
    assert created.status_code == 200, created.text
    return str(created.json()["list"]["listId"])


@pytest.mark.parametrize("limit", ["null", "ten", "", "1.5", "²", "9" * 5000])
@pytest.mark.parametrize(
    "path",
    [
        CONTACTS,
        "/crm/v3/objects/companies",
        "/crm/v3/objects/deals",
        "/crm/v3/owners",
        "lists-memberships",
        "lists-join-order",
    ],
)
def test_a_limit_that_is_not_an_integer_is_a_400(http: httpx.Client, path: str, limit: str) -> None:
    if path.startswith("lists-"):
        list_id = _list_id(http)
        tail = "/join-order" if path.endswith("join-order") else ""
        path = f"/crm/v3/lists/{list_id}/memberships{tail}"
    answer = http.get(path, params={"limit": limit})
    if limit == "":
        assert answer.status_code == 200, answer.text  # an empty value is "not given"
        return
    assert_hubspot_error(answer)


@pytest.mark.parametrize("properties", [["email", "a@example.com"], True, "email=a", 5])
def test_properties_that_are_not_an_object_are_refused_on_create(
    http: httpx.Client, properties: object
) -> None:
    body = assert_hubspot_error(http.post(CONTACTS, json={"properties": properties}))
    assert "Cannot deserialize" in body["message"]
    assert _contact_count(http) == 0


@pytest.mark.parametrize("properties", [["email"], False])
def test_properties_that_are_not_an_object_are_refused_in_batch_create(
    http: httpx.Client, properties: object
) -> None:
    answer = http.post(
        f"{CONTACTS}/batch/create",
        json={"inputs": [{"properties": {"email": "ok@example.com"}}, {"properties": properties}]},
    )
    assert_hubspot_error(answer)
    assert _contact_count(http) == 0


def test_a_property_value_that_is_an_object_is_refused(http: httpx.Client) -> None:
    answer = http.post(CONTACTS, json={"properties": {"email": {"value": "a@example.com"}}})
    assert_hubspot_error(answer)


@pytest.mark.parametrize("item", ["1", 1, None, ["1"], True])
def test_batch_read_inputs_that_are_not_objects_are_refused(
    http: httpx.Client, item: object
) -> None:
    assert_hubspot_error(http.post(f"{CONTACTS}/batch/read", json={"inputs": [item]}))


@pytest.mark.parametrize("inputs", [{"id": "1"}, "1", 7])
def test_inputs_that_are_not_a_list_are_refused(http: httpx.Client, inputs: object) -> None:
    assert_hubspot_error(http.post(f"{CONTACTS}/batch/read", json={"inputs": inputs}))


@pytest.mark.parametrize("path", [CONTACTS, f"{CONTACTS}/search", f"{CONTACTS}/batch/create"])
def test_create_and_search_without_a_body_are_refused(http: httpx.Client, path: str) -> None:
    body = assert_hubspot_error(http.post(path))
    assert "No content" in body["message"]
    assert _contact_count(http) == 0


@pytest.mark.parametrize("body", [[], "text", 3])
def test_a_body_that_is_not_an_object_is_refused(http: httpx.Client, body: object) -> None:
    assert_hubspot_error(http.post(CONTACTS, json=body))


def test_batch_archive_with_an_object_as_id_is_refused(http: httpx.Client) -> None:
    created = http.post(CONTACTS, json={"properties": {"email": "keep@example.com"}}).json()
    answer = http.post(
        f"{CONTACTS}/batch/archive", json={"inputs": [{"id": {"id": created["id"]}}]}
    )
    assert_hubspot_error(answer)
    assert _contact_count(http) == 1


@pytest.mark.parametrize("id_property", [5, ["email"], {"name": "email"}, True])
def test_a_non_string_id_property_is_refused(http: httpx.Client, id_property: object) -> None:
    http.post(CONTACTS, json={"properties": {"email": "a@example.com"}})
    answer = http.post(
        f"{CONTACTS}/batch/read",
        json={"idProperty": id_property, "inputs": [{"id": "a@example.com"}]},
    )
    assert_hubspot_error(answer)


def test_a_non_string_id_property_in_batch_update_is_refused(http: httpx.Client) -> None:
    answer = http.post(
        f"{CONTACTS}/batch/update",
        json={"inputs": [{"id": "a@example.com", "idProperty": 1, "properties": {}}]},
    )
    assert_hubspot_error(answer)


def test_an_association_that_is_not_an_object_is_refused(http: httpx.Client) -> None:
    answer = http.post(
        CONTACTS, json={"properties": {"email": "a@example.com"}, "associations": ["1"]}
    )
    assert_hubspot_error(answer)
    assert _contact_count(http) == 0


def test_list_search_with_a_text_offset_is_refused(http: httpx.Client) -> None:
    assert_hubspot_error(http.post("/crm/v3/lists/search", json={"offset": "x"}))


@pytest.mark.parametrize("after", ["²", "abc"])
def test_a_cursor_of_other_digits_is_not_a_500(http: httpx.Client, after: str) -> None:
    answer = http.get(CONTACTS, params={"after": after})
    assert answer.status_code < 500, answer.text


def test_a_method_the_path_does_not_take_is_a_json_405_with_allow(http: httpx.Client) -> None:
    answer = http.put(f"{CONTACTS}/batch/read", json={})
    assert_hubspot_error(answer, status=405)
    assert "POST" in answer.headers["allow"]
