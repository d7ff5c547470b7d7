"""The health report and error actions: cards, records affected, retry, CSV export (R3)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from crmsync.connectors.base import System
from crmsync.health.budget import ApiBudget
from crmsync.health.errors import RetrySelection, export_csv, open_errors, request_retry
from crmsync.health.report import health_report
from crmsync.store import ErrorReport, Scope, StateStore
from crmsync.store.models import SyncErrorRecord

SCOPE = Scope(salesforce_org_id="00D000000000001", hubspot_portal_id="123")
OTHER_ORG = Scope(salesforce_org_id="00D000000000SBX", hubspot_portal_id="123")


@pytest.fixture
def store(database_url: str) -> Iterator[StateStore]:
    opened = StateStore.open(database_url)
    yield opened
    opened.close()


def _error(source_id: str, *, category: str, field: str = "Email") -> ErrorReport:
    return ErrorReport(
        pair="contacts",
        object_type="contacts",
        source_system="hubspot",
        source_id=source_id,
        direction="hubspot_to_salesforce",
        system="salesforce",
        api_code="INVALID_EMAIL_ADDRESS",
        api_message=f"Email: invalid email address: {source_id}",
        category=category,
        hubspot_id=source_id,
        salesforce_id=f"003{source_id}",
        field=field,
        hint="Correct the email in HubSpot.",
    )


def _seed(store: StateStore) -> None:
    with store.begin(SCOPE) as tx:
        tx.record_error(_error("1", category="property_values"))
        tx.record_error(_error("1", category="property_values", field="Phone"))
        tx.record_error(_error("2", category="property_values"))
        tx.record_error(_error("3", category="required_fields", field="LastName"))
    with store.begin(OTHER_ORG) as tx:
        tx.record_error(_error("9", category="duplicates"))


def test_r3_one_card_per_category_with_errors_and_records_affected(store: StateStore) -> None:
    _seed(store)
    budget = ApiBudget(store, allocation=100)
    budget.before_call(System.SALESFORCE, purpose="query")
    budget.after_call(System.SALESFORCE, status=200, headers={})
    report = health_report(store, budget=budget, scope=SCOPE)
    cards = {card.category: card for card in report.error_cards}
    assert set(cards) == {"property_values", "required_fields"}
    values = cards["property_values"]
    assert values.records_affected == 2
    assert values.count == len(values.errors) >= 2
    listed = values.errors[0]
    assert listed.hubspot_id and listed.salesforce_id and listed.api_message
    assert listed.first_seen <= listed.last_seen
    assert report.salesforce.calls_24h == 1
    assert report.salesforce.allocation == 100
    assert not report.work_deferred


def test_r6_errors_of_another_org_stay_out_of_the_report(store: StateStore) -> None:
    _seed(store)
    report = health_report(store, budget=ApiBudget(store), scope=OTHER_ORG)
    assert [card.category for card in report.error_cards] == ["duplicates"]


def test_r3_retry_of_one_category_queues_only_that_category(store: StateStore) -> None:
    _seed(store)
    with store.begin() as tx:
        for row in tx.session.scalars(select(SyncErrorRecord)):
            row.attempts = 9
    queued = request_retry(store, RetrySelection(category="required_fields"), scope=SCOPE)
    assert queued == 1
    attempts = {row.category: row.attempts for row in open_errors(store, scope=SCOPE)}
    assert attempts == {"property_values": 9, "required_fields": 0}
    assert request_retry(store, RetrySelection(record_id="2"), scope=SCOPE) >= 1
    assert request_retry(store, RetrySelection(everything=True)) == len(open_errors(store))


def test_r3_csv_export_has_one_row_per_open_error(store: StateStore, tmp_path: Path) -> None:
    _seed(store)
    target = tmp_path / "errors.csv"
    written = export_csv(store, target, scope=SCOPE)
    with target.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert written == len(rows) == len(open_errors(store, scope=SCOPE))
    assert {row["category"] for row in rows} == {"property_values", "required_fields"}
    assert all(row["api_message"].startswith("Email: invalid") for row in rows)
