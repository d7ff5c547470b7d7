"""The connector contract: every CRM adapter passes these, against its running emulator.

Each test runs once per CRM (the ``crm`` fixture is parametrised in ``conftest.py``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from contract_support import CountingObserver, Harness

from crmsync.connectors.base import Connector, FieldType, RemoteRecord, WriteRequest
from crmsync.connectors.retry import RetryPolicy
from crmsync.errors import BudgetExhaustedError, ConfigurationError, RetriableError


@pytest.fixture(autouse=True)
def _no_faults_left(crm: Harness) -> Iterator[None]:
    yield
    crm.clear_faults()


def email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


def create(crm: Harness, connector: Connector, emails: list[str]) -> list[str]:
    requests = [
        WriteRequest(
            object_type=crm.object_type,
            key=address,
            fields=crm.good_fields(email=address, name="Contract"),
        )
        for address in emails
    ]
    results = connector.write(requests)
    assert all(result.ok for result in results), results
    return [str(result.id) for result in results]


def read_to_end(
    crm: Harness, cursor: str | None, *, page_size: int, fresh_connector: bool = False
) -> tuple[list[RemoteRecord], str | None]:
    """Follow has_more to the end; a fresh connector per page proves the cursor is durable."""
    connector = crm.connector()
    delivered: list[RemoteRecord] = []
    for _ in range(200):
        if fresh_connector:
            connector = crm.connector()
        page = connector.read_changes(
            crm.object_type, cursor=cursor, fields=[crm.email_field], page_size=page_size
        )
        assert len(page.records) <= page_size
        delivered.extend(page.records)
        cursor = page.next_cursor
        if not page.has_more:
            return delivered, cursor
    raise AssertionError("read_changes never reached the end")


def test_r25_read_changes_resumes_from_cursor_without_loss_on_equal_timestamps(
    crm: Harness,
) -> None:
    _, cursor = read_to_end(crm, None, page_size=200)
    created = create(crm, crm.connector(), [email("eq") for _ in range(5)])
    delivered, cursor = read_to_end(crm, cursor, page_size=2, fresh_connector=True)
    ids = [record.id for record in delivered]
    assert sorted(ids) == sorted(created), "every change exactly once"
    # The five were written in one call; at least two share a timestamp, so pages of two
    # must have split records with equal timestamps.
    assert len({record.modified_at for record in delivered}) < len(delivered)
    again, _ = read_to_end(crm, cursor, page_size=2)
    assert again == []


def test_r25_a_record_changed_again_is_read_again(crm: Harness) -> None:
    connector = crm.connector()
    [record_id] = create(crm, connector, [email("again")])
    _, cursor = read_to_end(crm, None, page_size=500)
    [update] = connector.write(
        [
            WriteRequest(
                object_type=crm.object_type,
                key="u",
                id=record_id,
                fields={crm.name_field: "Changed"},
            )
        ]
    )
    assert update.ok and not update.created
    delivered, _ = read_to_end(crm, cursor, page_size=50)
    assert [record.id for record in delivered] == [record_id]


def test_r27_batch_write_with_one_bad_record_keeps_the_api_code_and_writes_the_rest(
    crm: Harness,
) -> None:
    connector = crm.connector()
    good = [email("good") for _ in range(3)]
    requests = [
        WriteRequest(
            object_type=crm.object_type,
            key=address,
            fields=crm.good_fields(email=address, name="Good"),
        )
        for address in good
    ]
    requests.insert(
        1, WriteRequest(object_type=crm.object_type, key="bad", fields=dict(crm.bad_record_fields))
    )
    results = connector.write(requests)
    assert [result.key for result in results] == [good[0], "bad", good[1], good[2]]
    bad = results[1]
    assert not bad.ok
    assert bad.errors[0].code == crm.bad_record_code
    assert bad.errors[0].message
    written = [result for result in results if result.key != "bad"]
    assert all(result.ok and result.created for result in written)
    found = connector.read_by_ids(
        crm.object_type, [str(result.id) for result in written], fields=[crm.email_field]
    )
    assert sorted(record.id for record in found) == sorted(str(result.id) for result in written)


def test_id_round_trip_through_write_and_read_by_ids(crm: Harness) -> None:
    connector = crm.connector()
    address = email("roundtrip")
    [record_id] = create(crm, connector, [address])
    found = connector.read_by_ids(
        crm.object_type, [record_id, crm.missing_id], fields=[crm.email_field, crm.name_field]
    )
    assert [record.id for record in found] == [record_id]
    assert str(found[0].fields[crm.email_field]).lower() == address
    assert found[0].fields[crm.name_field] == "Contract"
    assert not found[0].deleted


def test_find_by_email_matches_case_blind_and_leaves_out_unknown(crm: Harness) -> None:
    connector = crm.connector()
    first, second = email("find"), email("find")
    ids = create(crm, connector, [first, second])
    found = connector.find_by(
        crm.object_type,
        crm.email_field,
        [first, second.upper(), email("nobody")],
        fields=[crm.email_field],
    )
    assert sorted(record.id for record in found) == sorted(ids)


def test_describe_types_the_email_field(crm: Harness) -> None:
    fields = crm.connector().describe(crm.object_type)
    assert fields[crm.email_field].type is FieldType.EMAIL
    assert fields[crm.email_field].updateable


def test_401_is_a_configuration_error(crm: Harness) -> None:
    connector = crm.connector(token="not-the-token")
    with pytest.raises(ConfigurationError):
        connector.read_by_ids(crm.object_type, [crm.missing_id], fields=[crm.email_field])


def test_429_is_retried_after_waiting_retry_after(crm: Harness) -> None:
    observer = CountingObserver()
    waits: list[float] = []
    retry = RetryPolicy(attempts=3, base_wait=0.0, max_wait=60.0, sleep=waits.append)
    connector = crm.connector(observer=observer, retry=retry)
    crm.inject_status(status=429, count=1, retry_after=2)
    assert connector.read_by_ids(crm.object_type, [crm.missing_id], fields=[crm.email_field]) == []
    assert observer.statuses[0] == 429
    assert len(observer.statuses) == 2 and observer.statuses[1] < 300
    assert waits == [2.0]


def test_429_that_persists_raises_retriable_with_retry_after(crm: Harness) -> None:
    connector = crm.connector()
    crm.inject_status(status=429, count=10, retry_after=7)
    with pytest.raises(RetriableError) as caught:
        connector.read_by_ids(crm.object_type, [crm.missing_id], fields=[crm.email_field])
    assert caught.value.retry_after == 7


def test_5xx_on_a_read_is_retried_then_raised_as_retriable(crm: Harness) -> None:
    observer = CountingObserver()
    connector = crm.connector(observer=observer)
    crm.inject_status(status=500, count=10)
    with pytest.raises(RetriableError):
        connector.read_by_ids(crm.object_type, [crm.missing_id], fields=[crm.email_field])
    assert observer.statuses == [500, 500, 500]


def test_r25_a_write_is_not_resent_after_a_500(crm: Harness) -> None:
    observer = CountingObserver()
    connector = crm.connector(observer=observer)
    crm.inject_status(status=500, count=1)
    address = email("once")
    with pytest.raises(RetriableError):
        connector.write(
            [
                WriteRequest(
                    object_type=crm.object_type,
                    key="k",
                    fields=crm.good_fields(email=address, name="Once"),
                )
            ]
        )
    assert observer.statuses == [500]


def test_r1_counting_observer_sees_exactly_one_before_and_after_per_http_call(crm: Harness) -> None:
    observer = CountingObserver()
    connector = crm.connector(observer=observer)
    served = crm.calls_served()
    connector.account_id()
    connector.describe(crm.object_type)
    ids = create(crm, connector, [email("count") for _ in range(3)])
    connector.read_by_ids(crm.object_type, ids, fields=[crm.email_field])
    connector.read_changes(crm.object_type, cursor=None, fields=[crm.email_field], page_size=10)
    http_calls = crm.calls_served() - served
    assert http_calls > 0
    assert observer.before == observer.after == http_calls
    assert connector.usage().calls_made == http_calls


def test_r2_refusing_observer_raises_budget_exhausted_without_any_http_call(crm: Harness) -> None:
    observer = CountingObserver(refuse=True)
    connector = crm.connector(observer=observer)
    served = crm.calls_served()
    with pytest.raises(BudgetExhaustedError):
        connector.read_changes(crm.object_type, cursor=None, fields=[crm.email_field], page_size=10)
    with pytest.raises(BudgetExhaustedError):
        connector.write(
            [
                WriteRequest(
                    object_type=crm.object_type,
                    key="k",
                    fields=crm.good_fields(email=email("no"), name="No"),
                )
            ]
        )
    assert crm.calls_served() == served
    assert observer.after == 0
