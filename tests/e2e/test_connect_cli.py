"""``crmsync connect salesforce`` takes effect for later commands (R5, R6)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from crmsync.cli.main import app
from crmsync.connection import TOKEN_SETTING
from crmsync.store.models import Link
from tests.e2e.conftest import HUBSPOT_TOKEN, SALESFORCE_TOKEN, World


@pytest.fixture
def no_salesforce_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No Salesforce settings in the environment: only the saved connection can supply them."""
    for name in (
        "CRMSYNC_SALESFORCE_URL",
        "CRMSYNC_SALESFORCE_TOKEN",
        "CRMSYNC_SALESFORCE_SANDBOX",
    ):
        monkeypatch.delenv(name, raising=False)


def _links(world: World) -> int:
    with world.store.begin() as tx:
        return int(tx.session.scalar(select(func.count(Link.id))) or 0)


def _connect(world: World, env: dict[str, str]) -> None:
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
    assert SALESFORCE_TOKEN not in result.output


@pytest.mark.usefixtures("no_salesforce_env")
def test_r5_sync_uses_the_saved_connection_without_salesforce_env_vars(
    world: World, database_url: str
) -> None:
    env = {
        "CRMSYNC_DATABASE_URL": database_url,
        "CRMSYNC_HUBSPOT_URL": world.servers.hubspot.url,
        "CRMSYNC_HUBSPOT_TOKEN": HUBSPOT_TOKEN,
    }
    _connect(world, env)
    world.hs_create(email="saved@example.com", lastname="Saved")

    result = CliRunner().invoke(app, ["sync", "--once"], env=env)

    assert result.exit_code == 0, result.output
    assert SALESFORCE_TOKEN not in result.output
    assert _links(world) == 1
    with world.store.begin() as tx:
        token_history = [
            (entry.old_value, entry.new_value)
            for entry in tx.audit_entries(kind="setting")
            if entry.field == TOKEN_SETTING
        ]
    # The history records that a token was saved, never the token itself.
    assert token_history == [(None, "***")]


@pytest.mark.usefixtures("no_salesforce_env")
def test_r5_an_explicit_token_env_var_overrides_the_saved_connection(
    world: World, database_url: str
) -> None:
    env = {
        "CRMSYNC_DATABASE_URL": database_url,
        "CRMSYNC_HUBSPOT_URL": world.servers.hubspot.url,
        "CRMSYNC_HUBSPOT_TOKEN": HUBSPOT_TOKEN,
    }
    _connect(world, env)
    world.hs_create(email="override@example.com", lastname="Override")

    result = CliRunner().invoke(
        app, ["sync", "--once"], env={**env, "CRMSYNC_SALESFORCE_TOKEN": "not-the-token"}
    )

    assert result.exit_code != 0
    assert _links(world) == 0
