"""The dashboard's pages over a store only (no CRM connected): escaping, secrets, object
tabs found in the settings document, the mapping form's rows, numbers and times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crmsync.engine.settings import COMPANIES_ENABLED, switch
from crmsync.health.live import IdentityCache
from crmsync.health.records import find_records
from crmsync.store import ErrorReport, Scope, StateStore
from crmsync.store.runs import RunOutcome, log_run
from crmsync.web import format as fmt
from crmsync.web.chart import hourly_chart
from crmsync.web.objects import names_in, rows_from_form
from tests.dashboard_client import DashboardClient
from tests.unit.web.conftest import SECRET

SCOPE = Scope(salesforce_org_id="00D000000000001", hubspot_portal_id="123")
HOSTILE = "<script>alert('x')</script>&\"quote\""


def _hostile_store(url: str) -> None:
    store = StateStore.open(url)
    try:
        with store.begin(SCOPE) as tx:
            tx.record_error(
                ErrorReport(
                    pair="contacts",
                    object_type="contacts",
                    source_system="hubspot",
                    source_id="77",
                    direction="hubspot_to_salesforce",
                    system="salesforce",
                    api_code=HOSTILE,
                    api_message=HOSTILE,
                    category="property_values",
                    hubspot_id="77",
                    field=HOSTILE,
                    hint=HOSTILE,
                )
            )
            tx.set_setting("contacts.inclusion_list_id", HOSTILE)
        log_run(
            store,
            command="sync",
            started_at=datetime.now(UTC),
            outcome=RunOutcome.OK,
            message=HOSTILE,
            summary={"created": {"salesforce": 1234}, "skipped": {HOSTILE: 2}, "errors": 1},
        )
    finally:
        store.close()


def test_every_value_from_the_crms_and_the_store_is_escaped(
    client: DashboardClient, store_url: str
) -> None:
    _hostile_store(store_url)
    for path in (
        "/",
        "/errors/property_values",
        "/settings/hubspot-to-salesforce",
        "/connection",
        "/records?q=" + "77",
        "/records?q=%3Cscript%3E",
        "/activity",
    ):
        page = client.get(path)
        assert page.status_code == 200, path
        assert "<script>" not in page.text, path
        assert SECRET not in page.text, path
    assert "&lt;script&gt;" in client.get("/").text
    assert "&lt;script&gt;" in client.get("/activity").text
    assert "1,234" in client.get("/activity").text


def test_object_tabs_come_from_the_settings_document() -> None:
    document = {
        "contacts.create_as": "Lead",
        "contacts.mappings.Lead": [],
        "companies.enabled": False,
        "companies.mappings.Account": [],
        "api.salesforce_allocation": 5,
    }
    assert names_in(document) == ["contacts", "companies"]


def test_the_contacts_tab_lists_both_mapping_tables(client: DashboardClient) -> None:
    page = client.get("/objects/contacts").text
    assert 'id="mapping-Contact"' in page
    assert 'id="mapping-Lead"' in page
    assert "always sync while the integration is on" in page
    assert client.get("/objects/nothing-here").url.path == "/"


def test_the_mapping_form_keeps_transforms_by_origin_removes_and_adds_rows() -> None:
    current = [
        {"hubspot_property": "email", "salesforce_field": "Email", "rule": "two_way"},
        {
            "hubspot_property": "country",
            "salesforce_field": "Country",
            "rule": "two_way",
            "transform": "country",
        },
        {"hubspot_property": "website", "salesforce_field": "Website", "rule": "two_way"},
    ]
    form = {
        "row-0-origin": "1",  # shown first after an earlier refused edit
        "row-0-hubspot": "country",
        "row-0-salesforce": "Country",
        "row-0-rule": "always_salesforce",
        "row-1-origin": "2",
        "row-1-hubspot": "website",
        "row-1-salesforce": "Website",
        "remove-1": "on",
        "row-2-origin": "",
        "row-2-hubspot": "salutation",
        "row-2-salesforce": "Description",
        "new-hubspot": "jobtitle",
        "new-salesforce": "Title",
        "new-rule": "dont_sync",
    }

    rows = rows_from_form(form, current)

    assert [(r["hubspot_property"], r["rule"]) for r in rows] == [
        ("country", "always_salesforce"),
        ("salutation", "two_way"),
        ("jobtitle", "dont_sync"),
    ]
    assert rows[0]["transform"] == "country"
    assert rows[1]["transform"] is None


def test_numbers_limits_and_times_read_as_a_person_says_them() -> None:
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    assert fmt.number(1234567) == "1,234,567"
    assert fmt.limit(10**12) == "unlimited"
    assert fmt.limit(100_000) == "100,000"
    assert fmt.limit(None) == "not reported yet"
    assert fmt.relative(now - timedelta(minutes=5), now=now) == "5 minutes ago"
    assert fmt.relative(now + timedelta(hours=2), now=now) == "in 2 hours"
    assert fmt.relative("after a manual retry", now=now) == "after a manual retry"
    assert fmt.absolute(now) == "2026-11-29 12:00 UTC"
    assert fmt.absolute(now.replace(tzinfo=None)) == "2026-11-29 12:00 UTC"


def test_r1_the_hourly_chart_has_24_bars_and_draws_the_allocation_when_near() -> None:
    now = datetime(2026, 11, 29, 12, 30, tzinfo=UTC)
    hour = now.replace(minute=0)
    chart = hourly_chart([(hour, 40)], allocation=24 * 50, org_limit=10**12, now=now)
    assert len(chart.bars) == 24
    assert chart.bars[-1].count == 40
    assert [line.kind for line in chart.lines] == ["alloc"]  # an unlimited org: no line
    far = hourly_chart([(hour, 1)], allocation=24 * 1000, org_limit=None, now=now)
    assert far.lines == ()
    assert far.off_scale == ("allocation ÷ 24 = 1,000/h",)


def test_a_connection_that_just_failed_is_not_asked_again_at_once() -> None:
    cache = IdentityCache(unreachable_ttl_seconds=60)
    assert not cache.recently_failed("conn")
    cache.failed("conn")
    assert cache.recently_failed("conn")
    assert not cache.recently_failed("another connection")
    expired = IdentityCache(unreachable_ttl_seconds=0)
    expired.failed("conn")
    assert not expired.recently_failed("conn")


def test_r3_an_error_card_lists_twenty_errors_a_page(
    client: DashboardClient, store_url: str
) -> None:
    store = StateStore.open(store_url)
    try:
        with store.begin(SCOPE) as tx:
            for number in range(25):
                tx.record_error(
                    ErrorReport(
                        pair="contacts",
                        object_type="contacts",
                        source_system="hubspot",
                        source_id=str(1000 + number),
                        direction="hubspot_to_salesforce",
                        system="salesforce",
                        api_code="REQUIRED_FIELD_MISSING",
                        api_message="Required fields are missing: [LastName]",
                        category="required_fields",
                        hubspot_id=str(1000 + number),
                    )
                )
    finally:
        store.close()

    health = client.get("/").text
    first = client.get("/errors/required_fields").text
    second = client.get("/errors/required_fields?page=2").text

    assert health.count('name="record"') == 20
    assert "More errors of this type (25 in all)" in health
    assert first.count('name="record"') == 20 and "Page 1 of 2" in first
    assert second.count('name="record"') == 5 and "Page 2 of 2" in second
    assert 'rel="prev"' in second


def test_r21_the_companies_tab_switches_company_sync_with_the_cli_setting(
    client: DashboardClient, store_url: str
) -> None:
    page = client.get("/objects/companies").text
    assert 'id="mapping-Account"' in page
    assert 'name="companies.enabled"' in page

    saved = client.post("/objects/companies/switches", {"companies.enabled": "on"})
    assert "Sync of companies is on" in saved.text
    store = StateStore.open(store_url)
    try:
        assert switch(store, COMPANIES_ENABLED) is True
    finally:
        store.close()

    client.post("/objects/companies/switches", {})
    store = StateStore.open(store_url)
    try:
        assert switch(store, COMPANIES_ENABLED) is False
    finally:
        store.close()


@pytest.mark.parametrize("typed", ["Łukasz", "łukasz@przykład.pl", "100%_sure", "lovelace"])
def test_records_are_found_by_any_synced_text_even_non_ascii(database_url: str, typed: str) -> None:
    store = StateStore.open(database_url)
    try:
        with store.begin(SCOPE) as tx:
            tx.add_link(
                pair="contacts",
                hubspot_type="contacts",
                hubspot_id="501",
                salesforce_type="Contact",
                salesforce_id="003000000000501AAA",
                snapshot={
                    "firstname": "Łukasz",
                    "lastname": "Lovelace",
                    "email": "łukasz@przykład.pl",
                    "jobtitle": "100%_sure",
                },
            )
            tx.add_link(
                pair="contacts",
                hubspot_type="contacts",
                hubspot_id="502",
                salesforce_type="Contact",
                salesforce_id="003000000000502AAA",
                snapshot={"firstname": "Other", "jobtitle": "100 percent sure"},
            )
        found = find_records(store, typed)
    finally:
        store.close()
    assert [story.hubspot_id for story in found] == ["501"]
