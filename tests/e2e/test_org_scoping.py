"""After a switch to a sandbox, its call count and its errors are its own (R1, R3, R6)."""

from __future__ import annotations

import json

import sqlalchemy as sa
from typer.testing import CliRunner

from crmsync.cli.main import app
from tests.e2e.conftest import SALESFORCE_TOKEN, World


def _ok(args: list[str], env: dict[str, str]) -> str:
    result = CliRunner().invoke(app, args, env=env, terminal_width=250)
    assert result.exit_code in (0, 1), result.output  # health may say degraded
    return result.output


def _salesforce_rows(database_url: str) -> int:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            query = "SELECT count(*) FROM api_calls WHERE system = 'salesforce' AND NOT deferred"
            return int(connection.execute(sa.text(query)).scalar_one())
    finally:
        engine.dispose()


def test_r1_r6_call_count_and_errors_after_a_sandbox_switch_are_the_sandboxs(
    world: World, database_url: str
) -> None:
    env = world.cli_env(database_url)
    world.hs_create(email="long@example.com", lastname="L" * 120)  # too long: an error
    _ok(["sync", "--once"], env)
    production_calls = json.loads(_ok(["health", "--json"], env))["salesforce"]["calls_24h"]
    assert production_calls > 0
    assert "1 open error(s)" in _ok(["errors", "list"], env)

    _ok(
        [
            "connect", "salesforce", "--sandbox",
            "--url", world.servers.salesforce.url, "--token", SALESFORCE_TOKEN,
        ],
        env,
    )  # fmt: skip
    switched = json.loads(_ok(["health", "--json"], env))

    assert switched["salesforce"]["calls_24h"] == 0
    assert "0 open error(s)" in _ok(["errors", "list"], env)

    world.tick()
    _ok(["sync", "--once"], env)
    sandbox_calls = json.loads(_ok(["health", "--json"], env))["salesforce"]["calls_24h"]

    assert 0 < sandbox_calls < _salesforce_rows(database_url)
    assert sandbox_calls + production_calls == _salesforce_rows(database_url)
