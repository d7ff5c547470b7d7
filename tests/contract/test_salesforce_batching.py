"""Salesforce writes and lookups at the API's largest sizes, against the emulator.

Composite carries five sObject Collections (1,000 records) or five queries (``IN``
lists far longer than a GET URI allows) for one API call (wire facts A.9).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from contract_support import CountingObserver
from pydantic import SecretStr
from salesforce_contract import TOKEN, SalesforceHarness, salesforce_harness
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from crmsync.connectors.base import WriteRequest
from crmsync.connectors.changes import ChangeCursor
from crmsync.connectors.retry import RetryPolicy
from crmsync.connectors.salesforce.change_feed import MAX_SEEN
from crmsync.connectors.salesforce.config import SalesforceConfig
from crmsync.connectors.salesforce.connector import SalesforceConnector
from crmsync.connectors.salesforce.loopback import loopback_session


@pytest.fixture(scope="module")
def sf() -> Iterator[SalesforceHarness]:
    with salesforce_harness() as harness:
        yield harness


def _leads(count: int, tag: str) -> list[WriteRequest]:
    return [
        WriteRequest(
            object_type="Lead",
            key=str(n),
            fields={"LastName": f"Lead{n}", "Company": "Acme", "Email": f"l{n}-{tag}@example.com"},
        )
        for n in range(count)
    ]


def test_1000_creates_are_one_api_call_and_every_record_comes_back_in_order(
    sf: SalesforceHarness,
) -> None:
    observer = CountingObserver()
    connector = sf.connector(observer=observer)
    tag = uuid.uuid4().hex[:8]
    before = sf.calls_served()

    results = connector.write(_leads(1000, tag))

    assert sf.calls_served() - before == 1
    assert [result.key for result in results] == [str(n) for n in range(1000)]
    assert all(result.ok and result.created for result in results)
    assert len({result.id for result in results}) == 1000
    assert observer.purposes == ["write"]


def test_r27_one_bad_record_among_1000_keeps_its_code_and_the_rest_are_written(
    sf: SalesforceHarness,
) -> None:
    connector = sf.connector()
    requests = _leads(1000, uuid.uuid4().hex[:8])
    requests[450] = WriteRequest(object_type="Lead", key="450", fields={"Company": "NoName"})

    results = connector.write(requests)

    assert results[450].errors[0].code == "REQUIRED_FIELD_MISSING"
    assert all(result.ok for index, result in enumerate(results) if index != 450)


def test_updates_of_1000_records_are_one_api_call(sf: SalesforceHarness) -> None:
    connector = sf.connector()
    created = connector.write(_leads(1000, uuid.uuid4().hex[:8]))
    updates = [
        WriteRequest(object_type="Lead", key=str(n), id=result.id, fields={"FirstName": "New"})
        for n, result in enumerate(created)
    ]
    before = sf.calls_served()

    results = connector.write(updates)

    assert sf.calls_served() - before == 1
    assert all(result.ok and not result.created for result in results)
    found = connector.read_by_ids("Lead", [str(r.id) for r in created[:3]], fields=["FirstName"])
    assert {record.fields["FirstName"] for record in found} == {"New"}


def test_find_by_thousands_of_emails_is_one_call_and_case_blind(sf: SalesforceHarness) -> None:
    connector = sf.connector()
    tag = uuid.uuid4().hex[:8]
    created = connector.write(_leads(3, tag))
    wanted = [f"l{n}-{tag}@example.com".upper() for n in range(3)]
    unknown = [f"nobody{n}-{tag}@example.com" for n in range(5000)]
    before = sf.calls_served()

    found = connector.find_by("Lead", "Email", [*unknown, *wanted], fields=["Email"])

    assert sf.calls_served() - before == 1
    assert sorted(record.id for record in found) == sorted(str(r.id) for r in created)


def test_a_lookup_whose_answer_spans_pages_follows_them(sf: SalesforceHarness) -> None:
    connector = sf.connector()
    tag = uuid.uuid4().hex[:8]
    shared = f"shared-{tag}@example.com"
    requests = [
        WriteRequest(
            object_type="Lead",
            key=str(n),
            fields={"LastName": f"Dup{n}", "Company": "Acme", "Email": shared},
        )
        for n in range(2100)
    ]
    assert all(result.ok for result in connector.write(requests))
    values = [shared, *(f"other{n}-{tag}@example.com" for n in range(500))]

    found = connector.find_by("Lead", "Email", values, fields=["Email"])

    assert len({record.id for record in found}) == 2100


def test_emulator_refuses_a_composite_with_six_queries(sf: SalesforceHarness) -> None:
    client = Salesforce(
        instance_url=sf.url.replace("http://", "https://"),
        session_id=TOKEN,
        session=loopback_session(sf.url),
        version="59.0",
    )
    query = "/services/data/v59.0/query?q=SELECT+Id+FROM+Lead+LIMIT+1"
    body = {
        "compositeRequest": [
            {"method": "GET", "url": query, "referenceId": f"q{n}"} for n in range(6)
        ]
    }
    with pytest.raises(SalesforceMalformedRequest) as refused:
        client.restful("composite", method="POST", json=body)
    assert refused.value.content[0]["errorCode"] == "INVALID_BATCH_REQUEST"
    body["compositeRequest"] = body["compositeRequest"][:5]
    answer = client.restful("composite", method="POST", json=body)
    assert [entry["httpStatusCode"] for entry in answer["compositeResponse"]] == [200] * 5


def _bulk_connector(url: str) -> SalesforceConnector:
    config = SalesforceConfig(
        instance_url=url, access_token=SecretStr(TOKEN), bulk_threshold=3, bulk_poll_seconds=0.0
    )
    return SalesforceConnector.from_config(config, retry=RetryPolicy.immediate())


def test_r25_a_bulk_backfill_fetches_results_once_and_a_new_process_resumes_mid_set() -> None:
    with salesforce_harness() as fresh:
        written = {str(r.id) for r in _bulk_connector(fresh.url).write(_leads(25, "bulk"))}

        before = fresh.calls_served()
        one, cursor = _bulk_connector(fresh.url), None
        first: list[str] = []
        for _ in range(3):
            page = one.read_changes("Lead", cursor=cursor, fields=["Email"], page_size=4)
            first.extend(record.id for record in page.records)
            cursor = page.next_cursor
        # count, newest, job, poll, describe, one results fetch: pages 2 and 3 cost nothing.
        assert fresh.calls_served() - before == 6
        assert page.has_more

        rest: list[str] = []
        while page.has_more:
            # Each page from a new connector, as after a restart: it resumes mid-set.
            page = _bulk_connector(fresh.url).read_changes(
                "Lead", cursor=cursor, fields=["Email"], page_size=4
            )
            rest.extend(record.id for record in page.records)
            cursor = page.next_cursor

        assert sorted(first + rest) == sorted(written)
        assert len(first + rest) == len(written)


def test_r25_a_bulk_backfill_inside_the_overlap_window_keeps_a_bounded_cursor() -> None:
    # Every lead is written just now, so every one is inside the overlap window: the
    # cursor keeps at most the feed's MAX_SEEN pairs (not one per record), and the
    # read after the backfill delivers none of them again.
    with salesforce_harness() as fresh:
        connector = _bulk_connector(fresh.url)
        written = {str(r.id) for r in connector.write(_leads(MAX_SEEN + 300, "window"))}
        delivered: list[str] = []
        page, cursor = None, None
        while page is None or page.has_more:
            page = connector.read_changes("Lead", cursor=cursor, fields=["Email"], page_size=500)
            delivered.extend(record.id for record in page.records)
            cursor = page.next_cursor
            assert len(ChangeCursor.decode(cursor).seen) <= MAX_SEEN

        assert sorted(delivered) == sorted(written)
        again = connector.read_changes("Lead", cursor=cursor, fields=["Email"], page_size=500)
        assert again.records == []
