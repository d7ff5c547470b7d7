"""Open errors come a page at a time and only for the connected org (R3, R6)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from crmsync.cli.main import app
from crmsync.config import load_config
from crmsync.connection import connection_key, save_identity, with_saved_connection
from crmsync.emulators.common.server import running
from crmsync.store import ErrorReport, Scope, StateStore
from crmsync.store.lock import store_lock
from crmsync.web.app import create_dashboard_app
from tests.dashboard_client import PASSWORD, DashboardClient

PRODUCTION = Scope(salesforce_org_id="00D000000000001AAA", hubspot_portal_id="123")
SANDBOX = Scope(salesforce_org_id="00D000000000002AAA", hubspot_portal_id="123")


def _errors(store: StateStore, scope: Scope, count: int, *, first_id: int) -> None:
    with store.begin(scope) as tx:
        for number in range(first_id, first_id + count):
            tx.record_error(
                ErrorReport(
                    pair="contacts",
                    object_type="Contact",
                    source_system="hubspot",
                    source_id=str(number),
                    hubspot_id=str(number),
                    direction="hubspot_to_salesforce",
                    system="salesforce",
                    api_code="REQUIRED_FIELD_MISSING",
                    api_message="Required fields are missing: [LastName]",
                    category="required_fields",
                )
            )


@pytest.fixture
def env(database_url: str) -> Iterator[dict[str, str]]:
    """A store with 60 production errors and 5 sandbox errors, connected to production."""
    values = {
        "CRMSYNC_DATABASE_URL": database_url,
        "CRMSYNC_SALESFORCE_URL": "http://127.0.0.1:9",
        "CRMSYNC_SALESFORCE_TOKEN": "sf",
        "CRMSYNC_HUBSPOT_URL": "http://127.0.0.1:9",
        "CRMSYNC_HUBSPOT_TOKEN": "hs",
    }
    with pytest.MonkeyPatch.context() as patch:
        for key, value in values.items():
            patch.setenv(key, value)
        store = StateStore.open(database_url)
        try:
            _errors(store, PRODUCTION, 60, first_id=1000)
            _errors(store, SANDBOX, 5, first_id=5000)
            config = with_saved_connection(load_config(None), store)
            save_identity(
                store,
                key=connection_key(config),
                identity={
                    "user": {"username": "u", "name": "U", "email": "", "user_id": "1",
                             "org_id": PRODUCTION.salesforce_org_id, "is_sandbox": False},
                    "salesforce_org_id": PRODUCTION.salesforce_org_id,
                    "hubspot_portal_id": PRODUCTION.hubspot_portal_id,
                },
            )  # fmt: skip
        finally:
            store.close()
        yield values


def test_r3_r6_errors_list_pages_through_the_connected_orgs_errors(env: dict[str, str]) -> None:
    result = CliRunner().invoke(
        app, ["errors", "list", "--per-page", "25", "--page", "3"], env=env, terminal_width=250
    )

    assert result.exit_code == 0, result.output
    assert "60 open error(s), 51-60 shown" in result.output
    assert "1059" in result.output
    assert "5000" not in result.output


def test_r6_errors_export_and_retry_leave_the_other_orgs_errors_alone(
    env: dict[str, str], tmp_path: object
) -> None:
    retried = CliRunner().invoke(app, ["errors", "retry", "--all"], env=env)

    assert retried.exit_code == 0, retried.output
    assert "60 error(s) queued" in retried.output


def test_r3_r6_dashboard_api_pages_the_connected_orgs_errors(
    env: dict[str, str], database_url: str
) -> None:
    config = load_config(None, dashboard_password=SecretStr(PASSWORD))
    with (
        running(create_dashboard_app(config=config)) as server,
        DashboardClient(server.url) as http,
    ):
        http.log_in()
        answer = http.get("/api/errors", params={"page": 2, "per_page": 50})
        page = http.get("/")
        second_page = http.get("/errors/required_fields", params={"page": 3})

    assert answer.status_code == 200, answer.text
    body = json.loads(answer.text)
    assert body["total"] == 60
    assert [error["hubspot_id"] for error in body["errors"]] == [str(n) for n in range(1050, 1060)]
    # The card lists its first errors and links the rest, a page at a time.
    assert "More errors of this type (60 in all)" in page.text
    assert "Page 3 of 3" in second_page.text


def test_dashboard_retry_waits_for_a_run_then_says_so(
    env: dict[str, str], database_url: str
) -> None:
    config = load_config(None, dashboard_password=SecretStr(PASSWORD))
    with (
        running(create_dashboard_app(config=config)) as server,
        DashboardClient(server.url) as http,
    ):
        http.log_in()
        http.http.timeout = httpx.Timeout(30)
        with store_lock(database_url):
            answer = http.post("/errors/retry", {"all": "1"})

    assert answer.status_code == 200
    assert "A sync is running: try the retry again in a moment" in answer.text
