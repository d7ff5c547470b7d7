"""What one adapter offers beyond the shared contract, against its emulator."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
from hubspot_contract import HubSpotHarness, hubspot_harness
from pydantic import SecretStr
from salesforce_contract import TOKEN, SalesforceHarness, salesforce_harness
from simple_salesforce.api import Salesforce

from crmsync.connectors.base import RemoteRecord, WriteRequest
from crmsync.connectors.retry import RetryPolicy
from crmsync.connectors.salesforce.config import SalesforceConfig
from crmsync.connectors.salesforce.connector import SalesforceConnector
from crmsync.connectors.salesforce.loopback import loopback_session


@pytest.fixture(scope="module")
def sf() -> Iterator[SalesforceHarness]:
    with salesforce_harness() as harness:
        yield harness


@pytest.fixture(scope="module")
def hs() -> Iterator[HubSpotHarness]:
    with hubspot_harness() as harness:
        yield harness


def contacts(count: int) -> list[WriteRequest]:
    tag = uuid.uuid4().hex[:8]
    return [
        WriteRequest(
            object_type="Contact",
            key=str(n),
            fields={
                "LastName": f"Bulk{n}",
                "Email": f"bulk{n}-{tag}@example.com",
                "HasOptedOutOfEmail": True,
            },
        )
        for n in range(count)
    ]


def test_salesforce_large_first_read_goes_through_bulk_and_resumes_incrementally(
    sf: SalesforceHarness,
) -> None:
    config = SalesforceConfig(
        instance_url=sf.url, access_token=SecretStr(TOKEN), bulk_threshold=3, bulk_poll_seconds=0.0
    )
    connector = SalesforceConnector.from_config(config, retry=RetryPolicy.immediate())
    written = [str(result.id) for result in connector.write(contacts(7))]
    delivered, cursor, pages = [], None, 0
    while True:
        page = connector.read_changes(
            "Contact", cursor=cursor, fields=["Email", "HasOptedOutOfEmail"], page_size=3
        )
        delivered.extend(page.records)
        cursor, pages = page.next_cursor, pages + 1
        if not page.has_more:
            break
    assert pages == 3  # 7 rows, 3 per Bulk result page
    assert set(written) <= {record.id for record in delivered}
    assert all(
        record.fields["HasOptedOutOfEmail"] is True for record in delivered if record.id in written
    )
    # After the backfill the incremental read drops what the bulk job delivered.
    after = connector.read_changes("Contact", cursor=cursor, fields=["Email"], page_size=50)
    assert after.records == []


def test_salesforce_deleted_records_come_through_as_deletions(sf: SalesforceHarness) -> None:
    connector = sf.connector()
    [created] = connector.write(contacts(1))
    first = connector.read_changes("Contact", cursor=None, fields=["Email"], page_size=2000)
    client = Salesforce(
        instance_url=sf.url.replace("http://", "https://"),
        session_id=TOKEN,
        session=loopback_session(sf.url),
    )
    client.Contact.delete(str(created.id))
    later = connector.read_changes(
        "Contact", cursor=first.next_cursor, fields=["Email"], page_size=50
    )
    assert [(record.id, record.deleted) for record in later.records] == [(created.id, True)]


def test_r4_whoami_names_the_integration_user_and_org(sf: SalesforceHarness) -> None:
    connector = sf.connector()
    user = connector.whoami()
    org = sf.control.org_info()
    assert user.org_id == connector.account_id() == org["org_id"]
    assert user.user_id == org["integration_user_id"]
    assert user.username and not user.is_sandbox


def test_hubspot_account_id_is_the_portal_id(hs: HubSpotHarness) -> None:
    assert hs.connector().account_id() == str(hs.control.portal_id())


def test_hubspot_searches_stay_under_the_accounts_per_second_search_limit(
    hs: HubSpotHarness,
) -> None:
    # The default pacing of 5 searches a second; a 429 would raise (one attempt).
    connector = hs.connector(retry=RetryPolicy.immediate(attempts=1), search_per_second=5)
    # A backfill lists (no search); the incremental reads after it search.
    cursor = read_all(hs, None)[1]
    time.sleep(0.002)  # past the instant the backfill's search saw last
    connector.write(hs_contacts("paced", 12))
    hs.control.set_limits(tier="unlimited", search_per_second=5)
    try:
        pages = 0
        more = True
        while more:  # one record a page: a burst of searches
            page = connector.read_changes("contacts", cursor=cursor, fields=["email"], page_size=1)
            cursor, more, pages = page.next_cursor, page.has_more, pages + 1
    finally:
        hs.control.set_limits(tier="unlimited", search_per_second=10_000)

    assert pages >= 12


def hs_contacts(prefix: str, count: int) -> list[WriteRequest]:
    tag = uuid.uuid4().hex[:8]
    return [
        WriteRequest(
            object_type="contacts",
            key=str(n),
            fields={"email": f"{prefix}{n}-{tag}@example.com", "lastname": prefix.title()},
        )
        for n in range(count)
    ]


def read_all(
    hs: HubSpotHarness, cursor: str | None, *, page_size: int = 1000
) -> tuple[list[RemoteRecord], str]:
    connector = hs.connector()
    delivered: list[RemoteRecord] = []
    while True:
        page = connector.read_changes(
            "contacts", cursor=cursor, fields=["email", "lastname"], page_size=page_size
        )
        delivered.extend(page.records)
        assert page.next_cursor is not None
        cursor = page.next_cursor
        if not page.has_more:
            return delivered, cursor


def test_r25_a_hubspot_backfill_reads_contacts_search_does_not_show_yet(
    hs: HubSpotHarness,
) -> None:
    # The first read lists the primary store: no search lag, nothing to sweep for.
    hs.control.set_behaviour(search_lag_seconds=600)
    try:
        created = hs.connector().write(hs_contacts("lagged", 3))
        delivered, _ = read_all(hs, None)
    finally:
        hs.control.set_behaviour(search_lag_seconds=0)

    assert {result.id for result in created} <= {record.id for record in delivered}


def test_r25_a_hubspot_edit_behind_the_backfill_list_is_read_next(hs: HubSpotHarness) -> None:
    connector = hs.connector()
    connector.write(hs_contacts("behind", 3))
    first = connector.read_changes("contacts", cursor=None, fields=["lastname"], page_size=1)
    [passed] = first.records  # the list is past this id now
    [edit] = connector.write(
        [WriteRequest(object_type="contacts", key="e", id=passed.id, fields={"lastname": "Edited"})]
    )
    assert edit.ok
    listed, cursor = read_all(hs, first.next_cursor)
    assert passed.id not in {record.id for record in listed}

    delivered, _ = read_all(hs, cursor)

    assert [(r.id, r.fields["lastname"]) for r in delivered] == [(passed.id, "Edited")]
