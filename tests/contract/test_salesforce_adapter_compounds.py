"""The Salesforce adapter and address compounds: components are read and written, and a
Bulk API 2.0 backfill never selects a compound (Salesforce refuses such a job)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from salesforce_contract import TOKEN, SalesforceHarness, salesforce_harness
from simple_salesforce.api import Salesforce

from crmsync.connectors.base import WriteRequest
from crmsync.connectors.retry import RetryPolicy
from crmsync.connectors.salesforce.config import SalesforceConfig
from crmsync.connectors.salesforce.connector import SalesforceConnector
from crmsync.connectors.salesforce.loopback import loopback_session

FIELDS = [
    "Name",
    "BillingAddress",  # a compound: described, but never selected by a bulk job
    "BillingStreet",
    "BillingCity",
    "BillingLatitude",
    "BillingLongitude",
    "BillingGeocodeAccuracy",
]


@pytest.fixture(scope="module")
def sf() -> Iterator[SalesforceHarness]:
    with salesforce_harness() as harness:
        yield harness


def _accounts(count: int) -> list[WriteRequest]:
    return [
        WriteRequest(
            object_type="Account",
            key=str(n),
            fields={
                "Name": f"Compound {n}",
                "BillingStreet": f"{n} Unter den Linden",
                "BillingCity": "Berlin",
                "BillingLatitude": 52.5170 + n / 1000,
                "BillingLongitude": 13.3889,
                "BillingGeocodeAccuracy": "Address",
            },
        )
        for n in range(count)
    ]


def _client(sf: SalesforceHarness) -> Salesforce:
    return Salesforce(
        instance_url=sf.url.replace("http://", "https://"),
        session_id=TOKEN,
        session=loopback_session(sf.url),
    )


def test_bulk_backfill_of_accounts_selects_components_and_never_a_compound(
    sf: SalesforceHarness,
) -> None:
    sf.control.reset()
    config = SalesforceConfig(
        instance_url=sf.url, access_token=SecretStr(TOKEN), bulk_threshold=3, bulk_poll_seconds=0.0
    )
    connector = SalesforceConnector.from_config(config, retry=RetryPolicy.immediate())
    written = {str(result.id) for result in connector.write(_accounts(5))}
    delivered, cursor = [], None
    while True:
        page = connector.read_changes("Account", cursor=cursor, fields=FIELDS, page_size=2)
        delivered.extend(page.records)
        cursor = page.next_cursor
        if not page.has_more:
            break
    [job] = _client(sf).restful("jobs/query")["records"]  # the backfill went through bulk
    assert "BillingCity" in job["query"]
    assert "BillingAddress" not in job["query"]
    assert {record.id for record in delivered} == written
    first = next(record for record in delivered if record.fields["Name"] == "Compound 0")
    assert first.fields["BillingStreet"] == "0 Unter den Linden"
    assert first.fields["BillingLatitude"] == pytest.approx(52.517)
    assert first.fields["BillingGeocodeAccuracy"] == "Address"
    assert "BillingAddress" not in first.fields


def test_components_round_trip_through_writes_and_id_reads(sf: SalesforceHarness) -> None:
    connector = sf.connector()
    [created] = connector.write(_accounts(1))
    assert created.id is not None
    connector.write(
        [
            WriteRequest(
                object_type="Account",
                key="moved",
                id=created.id,
                fields={"BillingCity": "Potsdam", "BillingLatitude": 52.3906},
            )
        ]
    )
    [read] = connector.read_by_ids("Account", [created.id], fields=FIELDS)
    assert read.fields["BillingCity"] == "Potsdam"
    assert read.fields["BillingLatitude"] == pytest.approx(52.3906)
    # A REST query may select the compound; it comes back as one object.
    assert read.fields["BillingAddress"]["city"] == "Potsdam"
    assert "BillingAddress" not in connector.describe("Account")  # not synced as a value
    assert "BillingCity" in connector.describe("Account")
