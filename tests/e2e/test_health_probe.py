"""``crmsync health`` as a monitoring probe: 0 healthy, 1 degraded, 2 broken; it writes
nothing and makes no API call (the user shown is the one the last run saw, R4).
"""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from crmsync.cli.main import app
from tests.e2e.conftest import HUBSPOT_TOKEN, World

TABLES = ("api_calls", "audit_log", "runs", "settings", "sync_errors", "links", "cursors")


def _rows(database_url: str) -> dict[str, int]:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            return {
                table: int(
                    connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
                )
                for table in TABLES
            }
    finally:
        engine.dispose()


def test_r1_r4_health_after_a_good_run_exits_0_with_no_call_and_no_write(
    world: World, database_url: str
) -> None:
    env = world.cli_env(database_url)
    world.hs_create(email="probe@example.com", lastname="Probe")
    assert CliRunner().invoke(app, ["sync", "--once"], env=env).exit_code == 0
    rows = _rows(database_url)
    salesforce_calls = world.sf_control.usage()
    hubspot_calls = world.hs_control.call_count()

    result = CliRunner().invoke(app, ["health", "--json"], env=env)

    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["status"] == "healthy"
    assert report["integration_user"]["username"]
    assert _rows(database_url) == rows
    assert world.sf_control.usage() == salesforce_calls
    assert world.hs_control.call_count() == hubspot_calls


def test_health_exits_2_when_the_last_run_was_refused_its_token(
    world: World, database_url: str
) -> None:
    env = world.cli_env(database_url)
    assert CliRunner().invoke(app, ["sync", "--once"], env=env).exit_code == 0
    wrong = env | {"CRMSYNC_SALESFORCE_TOKEN": "not-a-valid-token"}
    assert CliRunner().invoke(app, ["sync", "--once"], env=wrong).exit_code == 1

    result = CliRunner().invoke(app, ["health"], env=wrong, terminal_width=250)

    assert result.exit_code == 2, result.output
    assert "Status: broken" in result.output
    assert "the last run failed on configuration" in result.output
    assert "Bad_OAuth_Token" in result.output
    assert "Integration user: not known yet" in result.output


def test_r2_health_exits_1_while_the_allocation_is_spent_and_still_names_the_user(
    world: World, database_url: str
) -> None:
    env = world.cli_env(database_url)
    assert CliRunner().invoke(app, ["sync", "--once"], env=env).exit_code == 0
    assert CliRunner().invoke(app, ["usage", "--set-allocation", "1"], env=env).exit_code == 0
    world.hs_create(email="waits@example.com", lastname="Waits")
    assert CliRunner().invoke(app, ["sync", "--once"], env=env).exit_code == 75

    result = CliRunner().invoke(app, ["health", "--json"], env=env)

    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert report["status"] == "degraded"
    assert report["integration_user"]["username"]
    assert any("deferred" in problem for problem in report["problems"])


def test_health_on_a_missing_store_exits_2_in_one_line_and_creates_nothing(
    world: World, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere" / "crmsync.sqlite"
    env = world.cli_env(f"sqlite:///{missing}")

    result = CliRunner().invoke(app, ["health"], env=env, terminal_width=250)

    assert result.exit_code == 2, result.output
    assert result.output.strip() == (
        f"Broken: no store at {missing}: run `crmsync db upgrade` or a first `crmsync sync`"
    )
    assert not missing.parent.exists()


def test_health_and_run_accept_a_saved_hubspot_connection_without_a_token_in_the_env(
    world: World, database_url: str
) -> None:
    env = {**world.cli_env(database_url), "CRMSYNC_HUBSPOT_TOKEN": None}
    connected = CliRunner().invoke(
        app, ["connect", "hubspot", "--token", "-"], env=env, input=f"{HUBSPOT_TOKEN}\n"
    )
    assert connected.exit_code == 0, connected.output

    ran = CliRunner().invoke(app, ["run", "--interval", "0.1", "--runs", "1"], env=env)
    result = CliRunner().invoke(app, ["health", "--json"], env=env)

    assert ran.exit_code == 0, ran.output
    assert "run finished" in ran.output
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["status"] == "healthy"
