"""Tokens and scopes (B.1), rate limits (B.11) and injected faults."""

from __future__ import annotations

import json
import time

import pytest
import urllib3
from hubspot import HubSpot
from hubspot.crm.contacts import PublicObjectSearchRequest
from hubspot.crm.contacts.exceptions import ApiException, ForbiddenException, UnauthorizedException

from crmsync.emulators.common.server import BackgroundServer
from crmsync.emulators.hubspot.control_client import HubSpotEmulatorControl


def test_unknown_token_is_401_invalid_authentication(
    hubspot_server: BackgroundServer, emulator: HubSpotEmulatorControl
) -> None:
    stranger = HubSpot(access_token="pat-na1-wrong", host=hubspot_server.url)
    with pytest.raises(UnauthorizedException) as caught:
        stranger.crm.contacts.basic_api.get_page()
    assert json.loads(caught.value.body)["category"] == "INVALID_AUTHENTICATION"


def test_token_without_scope_is_403_missing_scopes(
    hubspot_server: BackgroundServer, emulator: HubSpotEmulatorControl
) -> None:
    emulator.add_token("pat-na1-readonly", scopes=["crm.objects.contacts.read"])
    limited = HubSpot(access_token="pat-na1-readonly", host=hubspot_server.url)
    assert limited.crm.contacts.basic_api.get_page().results == []
    with pytest.raises(ForbiddenException) as caught:
        limited.crm.contacts.basic_api.create({"properties": {"email": "a@x.com"}})
    body = json.loads(caught.value.body)
    assert body["category"] == "MISSING_SCOPES"
    assert body["errors"][0]["context"]["requiredGranularScopes"] == ["crm.objects.contacts.write"]


def _create(client: HubSpot, email: str) -> None:
    # POST: urllib3's default Retry re-sends GETs that carry Retry-After, POSTs never.
    client.crm.contacts.basic_api.create({"properties": {"email": email}})


def test_ten_second_limit_gives_429_with_retry_after_and_headers(
    client: HubSpot, emulator: HubSpotEmulatorControl
) -> None:
    emulator.set_limits(tier="starter", ten_secondly=3)
    ok = client.crm.contacts.basic_api.create_with_http_info({"properties": {"email": "h@x.com"}})
    headers = ok[2]
    assert headers["X-HubSpot-RateLimit-Max"] == "3"
    assert headers["X-HubSpot-RateLimit-Remaining"] == "2"
    assert headers["X-HubSpot-RateLimit-Daily"] == "250000"
    _create(client, "h1@x.com")
    _create(client, "h2@x.com")
    with pytest.raises(ApiException) as caught:
        _create(client, "h3@x.com")
    assert caught.value.status == 429
    body = json.loads(caught.value.body)
    assert body["policyName"] == "TEN_SECONDLY_ROLLING" and body["errorType"] == "RATE_LIMIT"
    assert 1 <= int(caught.value.headers["Retry-After"]) <= 10
    emulator.advance_clock(seconds=10)
    _create(client, "h4@x.com")


def test_daily_limit_and_search_per_second_limit(
    client: HubSpot, emulator: HubSpotEmulatorControl
) -> None:
    emulator.set_limits(tier="unlimited", daily=2, search_per_second=0)
    _create(client, "d1@x.com")
    _create(client, "d2@x.com")
    with pytest.raises(ApiException) as daily:
        _create(client, "d3@x.com")
    assert json.loads(daily.value.body)["policyName"] == "DAILY"
    emulator.set_limits(tier="unlimited", search_per_second=2)
    client.crm.contacts.search_api.do_search(PublicObjectSearchRequest())
    client.crm.contacts.search_api.do_search(PublicObjectSearchRequest())
    with pytest.raises(ApiException) as secondly:
        client.crm.contacts.search_api.do_search(PublicObjectSearchRequest())
    assert json.loads(secondly.value.body)["policyName"] == "SECONDLY"
    # search is exempt from the 10-second window, so other calls still go through
    _create(client, "d4@x.com")


def test_injected_status_faults_for_next_calls(
    client: HubSpot, emulator: HubSpotEmulatorControl
) -> None:
    emulator.inject_fault(kind="status", status=503, count=1)
    emulator.inject_fault(kind="status", status=429, count=1, retry_after=7)
    with pytest.raises(ApiException) as first:
        _create(client, "f1@x.com")
    assert first.value.status == 503
    with pytest.raises(ApiException) as second:
        _create(client, "f2@x.com")
    assert second.value.status == 429 and second.value.headers["Retry-After"] == "7"
    assert client.crm.contacts.basic_api.get_page().results == []


def test_client_retry_recovers_from_injected_429(
    hubspot_server: BackgroundServer, emulator: HubSpotEmulatorControl
) -> None:
    from tests.emulators.hubspot.conftest import TOKEN

    retrying = HubSpot(
        access_token=TOKEN,
        host=hubspot_server.url,
        retry=urllib3.Retry(
            total=3, status_forcelist=(429,), allowed_methods=None, backoff_factor=0
        ),
    )
    emulator.inject_fault(kind="status", status=429, count=2, retry_after=0)
    created = retrying.crm.contacts.basic_api.create({"properties": {"email": "r@x.com"}})
    assert created.properties["email"] == "r@x.com"


def test_dropped_connection_and_latency(client: HubSpot, emulator: HubSpotEmulatorControl) -> None:
    emulator.inject_fault(kind="drop", count=1)
    with pytest.raises(urllib3.exceptions.HTTPError):
        _create(client, "drop@x.com")
    emulator.inject_fault(kind="latency", latency_ms=300, count=1)
    started = time.monotonic()
    client.crm.contacts.basic_api.get_page()
    assert time.monotonic() - started >= 0.3


def test_call_count_counts_api_calls_only(
    client: HubSpot, emulator: HubSpotEmulatorControl
) -> None:
    emulator.call_count(reset=True)
    client.crm.contacts.basic_api.get_page()
    client.crm.owners.owners_api.get_page()
    assert emulator.call_count() == 2
