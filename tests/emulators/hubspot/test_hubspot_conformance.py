"""The emulator's answers validated against HubSpot's official OpenAPI specs.

Every request below is a real HTTP call; each (request, response) pair is checked with
openapi-core against the spec file that defines the operation, and any schema violation
fails the test. Three adjustments make the specs checkable, none loosens a body schema
beyond what HubSpot itself sends:

- the specs type property values as plain strings, but HubSpot answers ``null`` for a
  requested property that has no value, so the ``properties`` maps of SimplePublicObject*
  schemas are marked nullable;
- error responses are declared as ``*/*``, which openapi-core cannot deserialise; they are
  read as ``application/json`` (what HubSpot sends) and still checked against ``Error``;
- 204 responses declare an empty ``content`` map, which openapi-core reads as "a body is
  required"; the empty map is dropped.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
import requests
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

from crmsync.emulators.common.server import BackgroundServer, running
from crmsync.emulators.hubspot.control_client import HubSpotEmulatorControl
from crmsync.emulators.hubspot.server import create_app
from tests.emulators.hubspot.spec_support import checkable_spec

TOKEN = "pat-na1-conformance"

# path prefix → spec file defining it (first match wins)
SPEC_FOR = [
    ("/crm/v3/objects/contacts", "contacts.json"),
    ("/crm/v3/objects/companies", "companies.json"),
    ("/crm/v3/objects/0-3", "deals.json"),
    ("/crm/v3/objects/tasks", "tasks.json"),
    ("/crm/v3/objects/notes", "notes.json"),
    ("/crm/v3/objects/calls", "calls.json"),
    ("/crm/v3/objects/emails", "emails.json"),
    ("/crm/v3/objects/meetings", "meetings.json"),
    ("/crm/v4/", "associations.json"),
    ("/crm/v3/properties", "properties.json"),
    ("/crm/v3/owners", "crmOwners.json"),
    ("/crm/v3/pipelines", "pipelines.json"),
    ("/crm/v3/lists", "lists.json"),
    ("/webhooks/v3", "webhooks.json"),
]


@cache
def _openapi(file_name: str, base_url: str) -> OpenAPI:
    return OpenAPI.from_dict(checkable_spec(file_name, base_url))


class Recorder:
    """A requests session that keeps every exchange for validation."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {TOKEN}"
        self.exchanges: list[requests.Response] = []

    def call(self, method: str, path: str, *, expect: int, **kw: Any) -> Any:
        answer = self.session.request(method, self.base_url + path, timeout=10, **kw)
        assert answer.status_code == expect, (method, path, answer.status_code, answer.text)
        self.exchanges.append(answer)
        return answer.json() if answer.content else None


@pytest.fixture(scope="module")
def recorder() -> Iterator[Recorder]:
    with running(create_app(token=TOKEN)) as server:
        _unlimited(server)
        yield Recorder(server.url)


def _unlimited(server: BackgroundServer) -> None:
    with HubSpotEmulatorControl(server.url) as ctl:
        ctl.set_limits(tier="unlimited", search_per_second=0)


def _objects(r: Recorder) -> None:
    ct = "/crm/v3/objects/contacts"
    a = r.call("POST", ct, expect=201, json={"properties": {"email": "a@x.com", "firstname": "A"}})
    b = r.call("POST", ct, expect=201, json={"properties": {"email": "b@x.com"}})
    r.call("GET", f"{ct}/{a['id']}", expect=200, params={"properties": "email,phone"})
    r.call(
        "GET",
        f"{ct}/{a['id']}",
        expect=200,
        params={"propertiesWithHistory": "firstname", "associations": "companies"},
    )
    r.call("GET", ct, expect=200, params={"limit": 1})
    r.call("PATCH", f"{ct}/{a['id']}", expect=200, json={"properties": {"lastname": "Z"}})
    r.call("POST", ct, expect=409, json={"properties": {"email": "a@x.com"}})
    r.call("POST", ct, expect=400, json={"properties": {"email": "bad", "nope": "1"}})
    r.call("GET", f"{ct}/424242", expect=404)
    created = r.call(
        "POST",
        f"{ct}/batch/create",
        expect=201,
        json={"inputs": [{"properties": {"email": f"c{i}@x.com"}} for i in range(3)]},
    )
    r.call(
        "POST",
        f"{ct}/batch/create",
        expect=207,
        json={
            "inputs": [
                {"properties": {"email": "ok@x.com"}, "objectWriteTraceId": "1"},
                {"properties": {"email": "bad"}, "objectWriteTraceId": "2"},
            ]
        },
    )
    ids = [x["id"] for x in created["results"]]
    r.call(
        "POST",
        f"{ct}/batch/read",
        expect=200,
        json={
            "inputs": [{"id": i} for i in ids],
            "properties": ["email"],
            "propertiesWithHistory": [],
        },
    )
    r.call(
        "POST",
        f"{ct}/batch/read",
        expect=207,
        json={
            "idProperty": "email",
            "inputs": [{"id": "a@x.com"}, {"id": "zz@x.com"}],
            "properties": ["email"],
            "propertiesWithHistory": [],
        },
    )
    r.call(
        "POST",
        f"{ct}/batch/update",
        expect=200,
        json={"inputs": [{"id": ids[0], "properties": {"firstname": "C"}}]},
    )
    r.call(
        "POST",
        f"{ct}/batch/update",
        expect=207,
        json={"inputs": [{"id": "999999", "properties": {"firstname": "C"}}]},
    )
    r.call(
        "POST",
        f"{ct}/batch/upsert",
        expect=200,
        json={
            "inputs": [{"idProperty": "email", "id": "up@x.com", "properties": {"firstname": "U"}}]
        },
    )
    r.call(
        "POST",
        f"{ct}/search",
        expect=200,
        json={
            "filterGroups": [{"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}]}],
            "sorts": ["email"],
            "properties": ["email"],
            "limit": 2,
            "after": "0",
        },
    )
    r.call(
        "POST",
        f"{ct}/merge",
        expect=200,
        json={"primaryObjectId": a["id"], "objectIdToMerge": b["id"]},
    )
    r.call("DELETE", f"{ct}/{ids[2]}", expect=204)
    r.call("POST", f"{ct}/batch/archive", expect=204, json={"inputs": [{"id": ids[1]}]})
    co = r.call(
        "POST", "/crm/v3/objects/companies", expect=201, json={"properties": {"name": "Acme"}}
    )
    r.call("GET", f"/crm/v3/objects/companies/{co['id']}", expect=200)
    r.call("POST", "/crm/v3/objects/companies/search", expect=200, json={"query": "acme"})
    deal = r.call(
        "POST",
        "/crm/v3/objects/0-3",
        expect=201,
        json={"properties": {"dealname": "D", "dealstage": "qualifiedtobuy"}},
    )
    r.call("GET", f"/crm/v3/objects/0-3/{deal['id']}", expect=200)
    r.call("GET", "/crm/v3/objects/0-3", expect=200)
    r.call("POST", "/crm/v3/objects/0-3/search", expect=200, json={})
    for kind, props in [
        ("tasks", {"hs_task_subject": "T"}),
        ("notes", {"hs_note_body": "N"}),
        ("calls", {"hs_call_title": "C"}),
        ("emails", {"hs_email_subject": "E"}),
        ("meetings", {"hs_meeting_title": "M"}),
    ]:
        one = r.call(
            "POST",
            f"/crm/v3/objects/{kind}",
            expect=201,
            json={
                "properties": {"hs_timestamp": "2024-01-01T00:00:00Z", **props},
                "associations": [
                    {
                        "to": {"id": ids[0]},
                        "types": [
                            {
                                "associationCategory": "HUBSPOT_DEFINED",
                                "associationTypeId": {
                                    "tasks": 204,
                                    "notes": 202,
                                    "calls": 194,
                                    "emails": 198,
                                    "meetings": 200,
                                }[kind],
                            }
                        ],
                    }
                ],
            },
        )
        r.call(
            "GET",
            f"/crm/v3/objects/{kind}/{one['id']}",
            expect=200,
            params={"associations": "contacts"},
        )
        r.call("POST", f"/crm/v3/objects/{kind}/search", expect=200, json={"limit": 5})


def _associations(r: Recorder) -> None:
    c = r.call(
        "POST", "/crm/v3/objects/contacts", expect=201, json={"properties": {"email": "as@x.com"}}
    )
    co = r.call(
        "POST", "/crm/v3/objects/companies", expect=201, json={"properties": {"name": "As"}}
    )
    one = f"/crm/v4/objects/contacts/{c['id']}/associations/companies"
    r.call(
        "PUT",
        f"{one}/{co['id']}",
        expect=201,
        json=[{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1}],
    )
    r.call("GET", one, expect=200)
    r.call(
        "PUT",
        f"/crm/v4/objects/contacts/{c['id']}/associations/default/companies/{co['id']}",
        expect=200,
    )
    batch = "/crm/v4/associations/companies/contacts/batch"
    r.call(
        "POST",
        f"{batch}/create",
        expect=201,
        json={
            "inputs": [
                {
                    "from": {"id": co["id"]},
                    "to": {"id": c["id"]},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 280}],
                }
            ]
        },
    )
    r.call("POST", f"{batch}/read", expect=200, json={"inputs": [{"id": co["id"]}]})
    r.call(
        "POST", f"{batch}/read", expect=207, json={"inputs": [{"id": co["id"]}, {"id": "999999"}]}
    )
    r.call(
        "POST",
        f"{batch}/associate/default",
        expect=200,
        json={"inputs": [{"from": {"id": co["id"]}, "to": {"id": c["id"]}}]},
    )
    r.call(
        "POST",
        f"{batch}/archive",
        expect=204,
        json={"inputs": [{"from": {"id": co["id"]}, "to": [{"id": c["id"]}]}]},
    )
    r.call("DELETE", f"{one}/{co['id']}", expect=204)


def _definitions(r: Recorder) -> None:
    p = "/crm/v3/properties/contacts"
    r.call("GET", p, expect=200)
    r.call("GET", f"{p}/lifecyclestage", expect=200)
    r.call(
        "POST",
        p,
        expect=201,
        json={
            "name": "tier",
            "label": "Tier",
            "type": "enumeration",
            "fieldType": "select",
            "groupName": "contactinformation",
            "options": [{"label": "G", "value": "g"}],
        },
    )
    r.call("PATCH", f"{p}/tier", expect=200, json={"label": "Tier 2"})
    r.call(
        "POST",
        p,
        expect=409,
        json={
            "name": "tier",
            "label": "T",
            "type": "string",
            "fieldType": "text",
            "groupName": "contactinformation",
        },
    )
    r.call("GET", f"{p}/groups", expect=200)
    r.call("GET", f"{p}/groups/contactinformation", expect=200)
    r.call(
        "POST",
        f"{p}/batch/read",
        expect=200,
        json={"inputs": [{"name": "email"}], "archived": False},
    )
    owners = r.call("GET", "/crm/v3/owners", expect=200)
    r.call("GET", f"/crm/v3/owners/{owners['results'][0]['id']}", expect=200)
    r.call("GET", "/crm/v3/pipelines/deals", expect=200)
    r.call("GET", "/crm/v3/pipelines/deals/default", expect=200)
    r.call("GET", "/crm/v3/pipelines/deals/default/stages", expect=200)
    r.call("GET", "/crm/v3/pipelines/deals/default/stages/closedwon", expect=200)


def _lists(r: Recorder) -> None:
    c = r.call(
        "POST", "/crm/v3/objects/contacts", expect=201, json={"properties": {"email": "li@x.com"}}
    )
    made = r.call(
        "POST",
        "/crm/v3/lists",
        expect=200,
        json={"name": "Incl", "objectTypeId": "0-1", "processingType": "MANUAL"},
    )
    lid = made["list"]["listId"]
    r.call(
        "POST",
        "/crm/v3/lists",
        expect=200,
        json={
            "name": "Dyn",
            "objectTypeId": "0-1",
            "processingType": "DYNAMIC",
            "filterBranch": {
                "filterBranchType": "OR",
                "filters": [],
                "filterBranches": [
                    {
                        "filterBranchType": "AND",
                        "filterBranches": [],
                        "filters": [
                            {
                                "filterType": "PROPERTY",
                                "property": "email",
                                "operation": {
                                    "operationType": "ALL_PROPERTY",
                                    "operator": "IS_KNOWN",
                                },
                            }
                        ],
                    }
                ],
            },
        },
    )
    r.call("GET", f"/crm/v3/lists/{lid}", expect=200)
    r.call("GET", "/crm/v3/lists", expect=200, params={"listIds": lid})
    r.call("GET", "/crm/v3/lists/object-type-id/0-1/name/Incl", expect=200)
    r.call(
        "POST", "/crm/v3/lists/search", expect=200, json={"query": "in", "offset": 0, "count": 5}
    )
    r.call("PUT", f"/crm/v3/lists/{lid}/memberships/add", expect=200, json=[c["id"], "999999"])
    r.call(
        "PUT",
        f"/crm/v3/lists/{lid}/memberships/add-and-remove",
        expect=200,
        json={"recordIdsToAdd": [], "recordIdsToRemove": []},
    )
    r.call("GET", f"/crm/v3/lists/{lid}/memberships", expect=200)
    r.call("GET", f"/crm/v3/lists/{lid}/memberships/join-order", expect=200)
    r.call("GET", f"/crm/v3/lists/records/0-1/{c['id']}/memberships", expect=200)
    r.call("PUT", f"/crm/v3/lists/{lid}/memberships/remove", expect=200, json=[c["id"]])
    r.call(
        "PUT", f"/crm/v3/lists/{lid}/update-list-name", expect=200, params={"listName": "Incl 2"}
    )
    r.call("DELETE", f"/crm/v3/lists/{lid}", expect=204)
    r.call("GET", f"/crm/v3/lists/{lid}", expect=404)


def _webhooks(r: Recorder) -> None:
    base = "/webhooks/v3/987654"
    r.call(
        "PUT",
        f"{base}/settings",
        expect=200,
        json={"targetUrl": "http://127.0.0.1:9/none", "throttling": {"maxConcurrentRequests": 5}},
    )
    r.call("GET", f"{base}/settings", expect=200)
    sub = r.call(
        "POST",
        f"{base}/subscriptions",
        expect=201,
        json={"eventType": "contact.creation", "active": True},
    )
    r.call("GET", f"{base}/subscriptions", expect=200)
    r.call("GET", f"{base}/subscriptions/{sub['id']}", expect=200)
    r.call("PATCH", f"{base}/subscriptions/{sub['id']}", expect=200, json={"active": False})
    r.call("DELETE", f"{base}/subscriptions/{sub['id']}", expect=204)
    r.call("DELETE", f"{base}/settings", expect=204)


def _violations(r: Recorder) -> list[str]:
    problems = []
    for answer in r.exchanges:
        path = answer.request.path_url.split("?")[0]
        spec_file = next(f for prefix, f in SPEC_FOR if path.startswith(prefix))
        api = _openapi(spec_file, r.base_url)
        try:
            api.validate_response(
                RequestsOpenAPIRequest(answer.request), RequestsOpenAPIResponse(answer)
            )
        except Exception as exc:  # noqa: BLE001 - collect every violation, report them together
            detail = getattr(exc, "__cause__", None) or exc
            problems.append(
                f"{answer.request.method} {path} {answer.status_code}: {exc!r} {detail!r}"[:1500]
            )
    return problems


@pytest.mark.parametrize(
    "scenario",
    [_objects, _associations, _definitions, _lists, _webhooks],
    ids=lambda f: f.__name__.strip("_"),
)
def test_responses_match_official_specs(recorder: Recorder, scenario: Any) -> None:
    recorder.exchanges.clear()
    scenario(recorder)
    assert recorder.exchanges
    problems = _violations(recorder)
    assert not problems, "\n".join(problems)
