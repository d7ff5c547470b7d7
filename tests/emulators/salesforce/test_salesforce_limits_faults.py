"""API usage: limits, Sforce-Limit-Info, the rolling 24-hour cap; and injected faults."""

from __future__ import annotations

import time

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceGeneralError, SalesforceRefusedRequest

from crmsync.emulators.salesforce.control import SalesforceEmulatorControl


def test_limits_and_api_usage_header_count_each_call(
    sf: Salesforce, control: SalesforceEmulatorControl
) -> None:
    control.update_settings(daily_api_cap=500)
    sf.query("SELECT COUNT() FROM Contact")
    assert sf.api_usage["api-usage"].used == 1
    assert sf.api_usage["api-usage"].total == 500
    limits = sf.limits()
    assert limits["DailyApiRequests"] == {"Max": 500, "Remaining": 498}
    assert control.usage()["daily_used"] == 2


def test_rolling_24h_cap_refuses_then_recovers_when_the_clock_moves(
    sf: Salesforce, control: SalesforceEmulatorControl
) -> None:
    control.update_settings(daily_api_cap=3)
    for _ in range(3):
        sf.query("SELECT COUNT() FROM Contact")
    with pytest.raises(SalesforceRefusedRequest) as raised:
        sf.query("SELECT COUNT() FROM Contact")
    assert raised.value.content[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    control.advance_clock(seconds=23 * 3600)
    with pytest.raises(SalesforceRefusedRequest):
        sf.limits()
    control.advance_clock(seconds=3601)
    assert sf.limits()["DailyApiRequests"]["Remaining"] == 2


def test_status_fault_on_the_next_calls(sf: Salesforce, control: SalesforceEmulatorControl) -> None:
    control.add_fault(kind="status", status=503, count=1)
    with pytest.raises(SalesforceGeneralError) as raised:
        sf.query("SELECT COUNT() FROM Contact")
    assert raised.value.status == 503
    assert raised.value.content[0]["errorCode"] == "SERVER_UNAVAILABLE"
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 0


def test_injected_request_limit_exceeded(
    sf: Salesforce, control: SalesforceEmulatorControl
) -> None:
    control.add_fault(kind="status", status=403, count=2, path_contains="/query")
    for _ in range(2):
        with pytest.raises(SalesforceRefusedRequest) as raised:
            sf.query("SELECT COUNT() FROM Contact")
        assert raised.value.content[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    sf.query("SELECT COUNT() FROM Contact")


def test_dropped_connection(sf: Salesforce, control: SalesforceEmulatorControl) -> None:
    control.add_fault(kind="drop", count=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        sf.query("SELECT COUNT() FROM Contact")
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 0


def test_latency_fault_delays_but_answers(
    sf: Salesforce, control: SalesforceEmulatorControl
) -> None:
    control.add_fault(kind="latency", latency_ms=150, count=1)
    started = time.monotonic()
    response = sf.query("SELECT COUNT() FROM Contact")
    assert time.monotonic() - started >= 0.15
    assert response["totalSize"] == 0


def test_fault_rate_applies_to_a_share_of_calls(
    sf: Salesforce, control: SalesforceEmulatorControl
) -> None:
    control.add_fault(kind="status", status=500, rate=1.0)
    with pytest.raises(SalesforceGeneralError):
        sf.query("SELECT COUNT() FROM Contact")
    control.clear_faults()
    sf.query("SELECT COUNT() FROM Contact")
