"""``crmsync health``, ``errors`` and ``connect`` against both emulators (R1, R3-R6)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import func, select
from typer.testing import CliRunner

from crmsync.cli.connect import CONNECTION_SETTING
from crmsync.cli.main import app
from crmsync.emulators.common.server import running
from crmsync.health.errors import next_retry
from crmsync.store.models import Link
from crmsync.web.app import create_dashboard_app
from tests.dashboard_client import PASSWORD, DashboardClient
from tests.e2e.conftest import SALESFORCE_TOKEN, World


def _links(world: World) -> int:
    with world.store.begin() as tx:
        return int(tx.session.scalar(select(func.count(Link.id))) or 0)


def test_r1_r4_health_json_counts_the_sync_calls_and_names_the_integration_user(
    world: World, database_url: str, tmp_path: Path
) -> None:
    world.hs_create(email="cli@example.com", lastname="Cli")
    env = world.cli_env(database_url)
    runner = CliRunner()
    synced = runner.invoke(app, ["sync", "--once"], env=env)
    assert synced.exit_code == 0, synced.output

    result = runner.invoke(app, ["health", "--json"], env=env)

    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["salesforce"]["calls_24h"] > 0
    assert report["hubspot"]["calls_24h"] > 0
    assert report["salesforce"]["org_limit"] is not None
    assert report["integration_user"]["username"]
    assert report["sandbox"] is False


def test_r3_errors_export_writes_the_open_errors(
    world: World, database_url: str, tmp_path: Path
) -> None:
    world.hs_create(email="long@example.com", lastname="L" * 120)
    env = world.cli_env(database_url)
    runner = CliRunner()
    assert runner.invoke(app, ["sync", "--once"], env=env).exit_code == 0
    target = tmp_path / "errors.csv"

    result = runner.invoke(app, ["errors", "export", "--csv", str(target)], env=env)

    assert result.exit_code == 0, result.output
    lines = target.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    assert "STRING_TOO_LONG" in lines[1]


def test_r5_connect_records_the_user_and_org_in_the_settings_history(
    world: World, database_url: str
) -> None:
    env = world.cli_env(database_url)
    result = CliRunner().invoke(
        app,
        [
            "connect",
            "salesforce",
            "--url",
            world.servers.salesforce.url,
            "--token",
            SALESFORCE_TOKEN,
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    with world.store.begin() as tx:
        connection = tx.settings()[CONNECTION_SETTING]
        history = [entry.field for entry in tx.audit_entries(kind="setting")]
    assert connection["org_id"] == world.salesforce.account_id()
    assert connection["sandbox"] is False
    assert CONNECTION_SETTING in history


def test_r5_reconnecting_keeps_links_and_settings_history(world: World, database_url: str) -> None:
    env = world.cli_env(database_url)
    runner = CliRunner()
    world.hs_create(email="prod@example.com", lastname="Prod")
    assert runner.invoke(app, ["sync", "--once"], env=env).exit_code == 0
    assert (
        runner.invoke(app, ["settings", "set", "contacts.create_as=Lead"], env=env).exit_code == 0
    )
    links_before = _links(world)

    result = runner.invoke(
        app, ["connect", "salesforce", "--url", world.servers.salesforce.url], env=env
    )

    assert result.exit_code == 0, result.output
    with world.store.begin() as tx:
        settings = tx.settings()
        history = [entry.field for entry in tx.audit_entries(kind="setting")]
    assert _links(world) == links_before >= 1
    assert settings["contacts.create_as"] == "Lead"
    assert history[-2:] == ["contacts.create_as", CONNECTION_SETTING]


def test_r1_r4_reloading_the_health_page_spends_no_salesforce_calls(
    world: World, database_url: str
) -> None:
    config = world.config(database_url).model_copy(
        update={"dashboard_password": SecretStr(PASSWORD)}
    )
    with (
        running(create_dashboard_app(config=config)) as server,
        DashboardClient(server.url) as http,
    ):
        http.log_in()
        first = http.get("/api/health").json()
        for _ in range(3):
            assert http.get("/").status_code == 200
        reloaded = http.get("/api/health").json()
        # A re-connect is another connection: the page asks again at once (R6).
        switched = CliRunner().invoke(
            app,
            ["connect", "salesforce", "--sandbox", "--url", world.servers.salesforce.url],
            env=world.cli_env(database_url),
        )
        assert switched.exit_code == 0, switched.output
        after_switch = http.get("/api/health").json()

    assert first["integration_user"]["username"] == "integration@crmsync.example"
    assert first["sandbox"] is False
    # The page's own counts (R1) do not grow by being looked at.
    assert reloaded["salesforce"]["calls_24h"] == first["salesforce"]["calls_24h"] > 0
    assert reloaded["hubspot"]["calls_24h"] == first["hubspot"]["calls_24h"] > 0
    assert after_switch["sandbox"] is True
    assert after_switch["integration_user"]["org_id"] != first["integration_user"]["org_id"]


def test_r3_a_fixed_cause_waits_for_the_backoff_unless_retried_by_hand(
    world: World, database_url: str
) -> None:
    rule = {
        "object": "Contact",
        "name": "Phone_required",
        "field": "Phone",
        "when_field": "Email",
        "message": "Phone must not be blank when Email is set",
    }
    world.sf_control.update_settings(validation_rules=[rule])
    world.hs_create(email="wait@example.com", lastname="Wait")
    world.sync()
    # The admin lifts the rule in Salesforce; nothing changed on the record itself.
    world.sf_control.update_settings(validation_rules=[])

    world.sync()
    assert world.sf_by_email("Contact", "wait@example.com") == []  # still backing off
    with world.store.begin(world.engine().scope) as tx:
        (waiting,) = tx.open_errors()
    assert waiting.api_code == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    assert waiting.attempts == 1
    shown = CliRunner().invoke(
        app, ["errors", "show", str(waiting.id)], env=world.cli_env(database_url)
    )
    assert shown.exit_code == 0, shown.output
    details = json.loads(shown.output)
    wait = datetime.fromisoformat(details["next_retry"]) - datetime.fromisoformat(
        details["last_seen"]
    )
    assert timedelta(seconds=59) <= wait <= timedelta(seconds=61)

    retried = CliRunner().invoke(
        app,
        ["errors", "retry", "--category", "custom_code_validation"],
        env=world.cli_env(database_url),
    )
    assert retried.exit_code == 0, retried.output
    world.sync()

    assert len(world.sf_by_email("Contact", "wait@example.com")) == 1
    with world.store.begin(world.engine().scope) as tx:
        assert tx.open_errors() == []


def test_r2_sync_once_with_the_allocation_spent_stops_early_and_says_nothing_is_lost(
    world: World, database_url: str
) -> None:
    env = world.cli_env(database_url)
    runner = CliRunner()
    world.hs_create(email="later@example.com", lastname="Later")
    assert runner.invoke(app, ["usage", "--set-allocation", "1"], env=env).exit_code == 0

    result = runner.invoke(app, ["sync", "--once"], env=env)

    assert result.exit_code == 75, result.output
    assert "allocation spent" in result.output
    assert "Nothing is lost" in result.output
    assert world.sf_by_email("Contact", "later@example.com") == []

    # The allocation raised, the next run delivers the deferred change.
    assert runner.invoke(app, ["usage", "--set-allocation", "1000"], env=env).exit_code == 0
    assert runner.invoke(app, ["sync", "--once"], env=env).exit_code == 0
    assert len(world.sf_by_email("Contact", "later@example.com")) == 1


def test_r2_run_keeps_going_when_its_runs_are_deferred(world: World, database_url: str) -> None:
    env = world.cli_env(database_url)
    runner = CliRunner()
    world.hs_create(email="loop@example.com", lastname="Loop")
    assert runner.invoke(app, ["usage", "--set-allocation", "1"], env=env).exit_code == 0

    deferred = runner.invoke(app, ["run", "--interval", "0", "--runs", "2"], env=env)

    assert deferred.exit_code == 0, deferred.output
    assert deferred.output.count("Deferred: Salesforce allocation spent") == 2
    assert world.sf_by_email("Contact", "loop@example.com") == []

    assert runner.invoke(app, ["usage", "--set-allocation", "1000"], env=env).exit_code == 0
    resumed = runner.invoke(app, ["run", "--interval", "0", "--runs", "1"], env=env)

    assert resumed.exit_code == 0, resumed.output
    assert len(world.sf_by_email("Contact", "loop@example.com")) == 1


def test_r3_errors_list_shows_each_open_error_with_its_next_retry(
    world: World, database_url: str
) -> None:
    world.hs_create(email="listed@example.com", lastname="L" * 120)
    world.hs_create(email="fine@example.com", lastname="Fine")
    world.sync()

    wide = world.cli_env(database_url) | {"COLUMNS": "250"}  # room for every column

    result = CliRunner().invoke(app, ["errors", "list"], env=wide)

    assert result.exit_code == 0, result.output
    assert "1 open error(s)" in result.output
    assert "property_values" in result.output
    assert "Next retry" in result.output
    with world.store.begin(world.engine().scope) as tx:
        (error,) = tx.open_errors()
    assert next_retry(error)[:16] in result.output  # the minute of the next attempt
