"""The dashboard shows calls vs allocation and error cards, and saves the allocation (R1-R3, R7)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from crmsync.config import load_config
from crmsync.connectors.base import System
from crmsync.emulators.common.server import running
from crmsync.health.budget import ApiBudget
from crmsync.health.errors import open_errors
from crmsync.store import ErrorReport, Scope, StateStore
from crmsync.web.app import create_dashboard_app
from tests.dashboard_client import PASSWORD, DashboardClient

SCOPE = Scope(salesforce_org_id="00D000000000001", hubspot_portal_id="123")


@pytest.fixture
def store(database_url: str) -> Iterator[StateStore]:
    opened = StateStore.open(database_url)
    yield opened
    opened.close()


@pytest.fixture
def client(database_url: str, store: StateStore) -> Iterator[DashboardClient]:
    # Real HTTP on loopback: the dashboard as a browser reaches it, logged in.
    config = load_config(
        None,
        database_url=database_url,
        salesforce_token=None,
        hubspot_token=None,
        dashboard_password=SecretStr(PASSWORD),
    )
    with (
        running(create_dashboard_app(config=config)) as server,
        DashboardClient(server.url) as http,
    ):
        http.log_in()
        yield http


def _seed(store: StateStore) -> None:
    budget = ApiBudget(store)
    for _ in range(3):
        budget.before_call(System.SALESFORCE, purpose="query")
        budget.after_call(System.SALESFORCE, status=200, headers={})
    budget.flush()  # as a run's end does
    with store.begin(SCOPE) as tx:
        for source_id in ("11", "12"):
            tx.record_error(
                ErrorReport(
                    pair="contacts",
                    object_type="contacts",
                    source_system="hubspot",
                    source_id=source_id,
                    direction="hubspot_to_salesforce",
                    system="salesforce",
                    api_code="REQUIRED_FIELD_MISSING",
                    api_message="Required fields are missing: [LastName]",
                    category="required_fields",
                    hubspot_id=source_id,
                    salesforce_id=None,
                    field="LastName",
                    hint="Fill in the last name in HubSpot.",
                )
            )


def test_r1_r2_health_page_shows_calls_against_the_saved_allocation(
    client: DashboardClient, store: StateStore
) -> None:
    _seed(store)
    saved = client.post("/allocation", {"allocation": "40"})
    assert saved.status_code == 200
    page = saved.text
    assert '<strong id="calls-24h">3</strong>' in page
    assert '<strong id="allocation">40</strong>' in page
    assert "Allocation saved: 40 calls per 24 hours" in page
    assert ApiBudget(store).allocation() == 40


def test_r3_health_page_has_one_card_per_type_with_records_affected(
    client: DashboardClient, store: StateStore
) -> None:
    _seed(store)
    page = client.get("/").text
    assert 'id="card-required_fields"' in page
    assert '<span class="count">2</span>' in page
    assert '<span class="records">2</span>' in page
    assert "Required fields are missing: [LastName]" in page
    assert "Fill in the last name in HubSpot." in page


def test_r3_retry_button_queues_the_record(client: DashboardClient, store: StateStore) -> None:
    _seed(store)
    with store.begin() as tx:
        for row in open_errors(store):
            merged = tx.session.merge(row)
            merged.attempts = 5
    response = client.post("/errors/retry", {"record": "11"})
    assert "1 error(s) queued" in response.text
    attempts = {row.source_id: row.attempts for row in open_errors(store)}
    assert attempts == {"11": 0, "12": 5}


def test_r7_how_it_works_page_explains_both_directions(client: DashboardClient) -> None:
    page = client.get("/how-it-works").text
    assert "HubSpot to Salesforce" in page
    assert "Salesforce to HubSpot" in page
    assert "created in Salesforce as a Contact" in page


def test_r2_health_page_says_work_waits_when_the_allocation_is_spent(
    client: DashboardClient, store: StateStore
) -> None:
    _seed(store)
    assert 'id="deferred"' not in client.get("/").text
    with store.begin() as tx:
        tx.set_setting("api.salesforce_allocation", 3)
    page = client.get("/").text
    assert 'id="deferred"' in page
    assert '<strong id="allocation">3</strong>' in page


def test_r2_a_non_number_allocation_is_refused(client: DashboardClient, store: StateStore) -> None:
    response = client.post("/allocation", {"allocation": "lots"})
    assert response.status_code == 400
    assert "whole number" in response.text
    assert ApiBudget(store).allocation() is None


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("²", "whole number"),  # a digit to str.isdigit, not to int()
        ("٣", "whole number"),  # Arabic-Indic three
        ("1" * 30, "at most 1,000,000,000"),
        ("1000000001", "at most 1,000,000,000"),
        ("-5", "whole number"),
    ],
)
def test_r2_an_allocation_that_means_nothing_is_refused_with_a_message(
    client: DashboardClient, store: StateStore, raw: str, says: str
) -> None:
    response = client.post("/allocation", {"allocation": raw})

    assert response.status_code == 400
    assert says in response.text
    assert "saved" not in response.text.lower()
    assert ApiBudget(store).allocation() is None


def test_r2_a_form_body_that_is_not_utf8_is_refused_with_a_message(
    client: DashboardClient, store: StateStore
) -> None:
    body = b"csrf_token=" + client.token.encode() + b"&allocation=%FF%FE5000"
    response = client.http.post(
        "/allocation",
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": client.base_url},
    )

    assert response.status_code == 400
    assert "UTF-8" in response.text
    assert ApiBudget(store).allocation() is None

    raw_bytes = b"csrf_token=" + client.token.encode() + b"&allocation=\xff5000"
    response = client.http.post(
        "/allocation",
        content=raw_bytes,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": client.base_url},
    )
    assert response.status_code == 400
    assert "UTF-8" in response.text


def test_r1_an_unlimited_daily_limit_reads_unlimited_not_a_thirteen_digit_number(
    client: DashboardClient, store: StateStore
) -> None:
    budget = ApiBudget(store)
    budget.before_call(System.HUBSPOT, purpose="search")
    budget.after_call(
        System.HUBSPOT,
        status=200,
        headers={
            "X-HubSpot-RateLimit-Daily": "1000000000000",
            "X-HubSpot-RateLimit-Daily-Remaining": "999999999000",
        },
    )
    budget.flush()

    page = client.get("/").text

    assert "of its unlimited daily calls" in page
    assert "1000000000000" not in page


def test_r2_health_page_says_when_hubspot_work_waits_for_its_daily_limit(
    client: DashboardClient, store: StateStore
) -> None:
    budget = ApiBudget(store)
    assert 'id="hubspot-deferred"' not in client.get("/").text
    budget.before_call(System.HUBSPOT, purpose="search")
    budget.after_call(
        System.HUBSPOT,
        status=200,
        headers={"X-HubSpot-RateLimit-Daily": "1000", "X-HubSpot-RateLimit-Daily-Remaining": "20"},
    )
    budget.flush()

    page = client.get("/").text

    assert 'id="hubspot-deferred"' in page
    assert client.get("/api/health").json()["hubspot"]["deferred"] is True


def test_r1_health_page_shows_hubspot_calls_against_the_accounts_daily_limit(
    client: DashboardClient, store: StateStore
) -> None:
    budget = ApiBudget(store)
    budget.before_call(System.HUBSPOT, purpose="search")
    budget.after_call(
        System.HUBSPOT,
        status=200,
        headers={
            "X-HubSpot-RateLimit-Daily": "250000",
            "X-HubSpot-RateLimit-Daily-Remaining": "249000",
        },
    )
    budget.flush()

    page = client.get("/").text

    assert "1 calls in the last 24 hours" in page
    assert "used 1,000 of its 250,000 daily calls" in page


def test_r1_health_page_breaks_the_24_hours_down_by_hour(
    client: DashboardClient, store: StateStore
) -> None:
    now = datetime.now(UTC)
    earlier = ApiBudget(store, clock=lambda: now - timedelta(hours=3))
    later = ApiBudget(store, clock=lambda: now)
    for budget, calls in ((earlier, 2), (later, 4)):
        for _ in range(calls):
            budget.before_call(System.SALESFORCE, purpose="query")
            budget.after_call(System.SALESFORCE, status=200, headers={})
        budget.flush()

    page = client.get("/").text

    counts = [int(cell) for cell in re.findall(r'<td class="hour-count">(\d+)</td>', page)]
    assert counts == [2, 4]
    assert '<strong id="calls-24h">6</strong>' in page


def test_a_refused_grant_shows_once_as_reconnect_until_a_grant_succeeds(
    client: DashboardClient, store: StateStore
) -> None:
    from crmsync.connection import clear_problem, record_problem
    from crmsync.connectors.oauth import ReconnectRequiredError

    refused = ReconnectRequiredError(System.SALESFORCE, reason="invalid_grant: expired")
    record_problem(store, refused)
    record_problem(store, refused)  # the next interval's refusal is the same problem

    shown = client.get("/").text
    clear_problem(store, System.SALESFORCE)
    cleared = client.get("/").text

    assert shown.count("Reconnect Salesforce") == 1
    assert "invalid_grant: expired" in shown
    assert "crmsync connect salesforce" in shown
    assert "Reconnect Salesforce" not in cleared
