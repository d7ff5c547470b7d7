"""Data that survives a restart (--data), seed files, and signed webhook delivery with retry."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hubspot import HubSpot
from hubspot.utils.signature import Signature

from crmsync.emulators.common.server import running
from crmsync.emulators.hubspot.control_client import HubSpotEmulatorControl
from crmsync.emulators.hubspot.server import create_app

SECRET = "app-secret-for-tests"


def test_r25_data_file_survives_restart_with_same_portal_id(tmp_path: Path) -> None:
    data = tmp_path / "hubspot.sqlite"
    with running(create_app(token="t", data=data)) as server:
        hs = HubSpot(access_token="t", host=server.url)
        contact = hs.crm.contacts.basic_api.create({"properties": {"email": "keep@x.com"}})
        company = hs.crm.companies.basic_api.create({"properties": {"name": "Acme"}})
        hs.crm.associations.v4.basic_api.create_default(
            "contacts", contact.id, "companies", company.id
        )
        hs.crm.properties.core_api.create(
            "contacts",
            {
                "name": "score",
                "label": "Score",
                "type": "number",
                "fieldType": "number",
                "groupName": "contactinformation",
            },
        )
        list_id = hs.crm.lists.lists_api.create(
            {"name": "L", "objectTypeId": "0-1", "processingType": "MANUAL"}
        ).list.list_id
        hs.crm.lists.memberships_api.add(list_id, [contact.id])
        portal = HubSpotEmulatorControl(server.url).portal_id()
    with running(create_app(token="t", data=data)) as server:
        hs = HubSpot(access_token="t", host=server.url)
        again = hs.crm.contacts.basic_api.get_by_id("keep@x.com", id_property="email")
        assert again.id == contact.id
        links = hs.crm.associations.v4.basic_api.get_page("contacts", contact.id, "companies")
        assert [r.to_object_id for r in links.results] == [company.id]
        assert hs.crm.properties.core_api.get_by_name("contacts", "score").type == "number"
        assert [m.record_id for m in hs.crm.lists.memberships_api.get_page(list_id).results] == [
            contact.id
        ]
        assert HubSpotEmulatorControl(server.url).portal_id() == portal
        fresh = hs.crm.contacts.basic_api.create({"properties": {"email": "new@x.com"}})
        assert int(fresh.id) > int(company.id)  # ids keep counting after a restart


def test_seed_file_loads_records_associations_and_lists(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(
        json.dumps(
            {
                "properties": {
                    "contacts": [
                        {
                            "name": "region",
                            "label": "Region",
                            "type": "string",
                            "fieldType": "text",
                            "groupName": "contactinformation",
                        }
                    ]
                },
                "records": {
                    "contacts": [
                        {"id": "5001", "properties": {"email": "s@x.com", "region": "EU"}}
                    ],
                    "companies": [{"id": "6001", "properties": {"name": "Seeded"}}],
                },
                "associations": [
                    {
                        "fromType": "contacts",
                        "fromId": "5001",
                        "toType": "companies",
                        "toId": "6001",
                    }
                ],
                "lists": [
                    {
                        "name": "Inclusion",
                        "objectTypeId": "0-1",
                        "processingType": "MANUAL",
                        "recordIds": ["5001"],
                    }
                ],
            }
        )
    )
    with running(create_app(token="t", seed=seed)) as server:
        hs = HubSpot(access_token="t", host=server.url)
        got = hs.crm.contacts.basic_api.get_by_id(
            "5001", properties=["region"], associations=["companies"]
        )
        assert got.properties["region"] == "EU"
        assert got.associations["companies"].results[0].id == "6001"
        found = hs.crm.lists.lists_api.get_by_name("Inclusion", "0-1")
        assert found.list.size == 1


class _Receiver(BaseHTTPRequestHandler):
    """Records signed webhook posts; answers 500 to the first ``fail_first`` of them."""

    received: list[tuple[dict[str, str], str]]
    fail_first = 0

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self.received.append((dict(self.headers), body))
        failing = len(self.received) <= self.fail_first
        self.send_response(500 if failing else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        """Quiet."""


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[_Receiver]]]:
    handler = type("Receiver", (_Receiver,), {"received": [], "fail_first": 1})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks", handler
    finally:
        server.shutdown()
        server.server_close()


def _wait_for(predicate: object, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return
        time.sleep(0.02)
    raise AssertionError("timed out waiting for webhook delivery")


def test_webhooks_are_batched_signed_v3_and_retried(
    client: HubSpot, emulator: HubSpotEmulatorControl, receiver: tuple[str, type[_Receiver]]
) -> None:
    url, handler = receiver
    emulator.configure_webhooks(
        target_url=url,
        app_secret=SECRET,
        backoff_seconds=0.05,
        subscriptions=[
            {"eventType": "contact.creation"},
            {"eventType": "contact.propertyChange", "propertyName": "firstname"},
            {"eventType": "contact.deletion"},
        ],
    )
    contact = client.crm.contacts.basic_api.create({"properties": {"email": "w@x.com"}})
    client.crm.contacts.basic_api.update(contact.id, {"properties": {"firstname": "Wanda"}})
    client.crm.contacts.basic_api.archive(contact.id)
    events: list[dict[str, object]] = []

    def delivered_all() -> bool:
        ok = [json.loads(b) for _h, b in handler.received[handler.fail_first :]]
        events[:] = [e for batch in ok for e in batch]
        return len(events) >= 3

    _wait_for(delivered_all)
    failed = json.loads(handler.received[0][1])
    assert {e["attemptNumber"] for e in failed} == {0}
    retried = [e for e in events if e["eventId"] in {f["eventId"] for f in failed}]
    assert len(retried) == len(failed)  # the refused batch came again...
    assert {e["attemptNumber"] for e in retried} == {1}  # ...as attempt 1
    for headers, body in handler.received:
        assert Signature.is_valid(
            signature=headers["X-HubSpot-Signature-v3"],
            client_secret=SECRET,
            request_body=body,
            http_uri=url,
            http_method="POST",
            signature_version="v3",
            timestamp=headers["X-HubSpot-Request-Timestamp"],
        )
    events.sort(key=lambda e: int(str(e["eventId"])))
    kinds = [(e["subscriptionType"], e.get("propertyName")) for e in events]
    assert kinds == [
        ("contact.creation", None),
        ("contact.propertyChange", "firstname"),
        ("contact.deletion", None),
    ]
    assert all(e["objectId"] == int(contact.id) for e in events)
    assert emulator.webhook_stats()["failed_attempts"] >= 1
