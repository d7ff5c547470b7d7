"""Schema migrations are one explicit, locked step; a newer store is refused in one line."""

from __future__ import annotations

import os
import subprocess
import sys

import sqlalchemy as sa
from typer.testing import CliRunner

from crmsync.cli.main import app
from crmsync.store import StateStore
from crmsync.store.migrate import SchemaState, schema_status

NO_TOKENS = {"CRMSYNC_SALESFORCE_TOKEN": None, "CRMSYNC_HUBSPOT_TOKEN": None}


def _revision(database_url: str) -> str | None:
    engine = sa.create_engine(database_url)
    try:
        return schema_status(database_url, engine=engine).revision
    finally:
        engine.dispose()


def test_db_upgrade_creates_the_schema_and_a_second_upgrade_changes_nothing(
    database_url: str,
) -> None:
    env = {**NO_TOKENS, "CRMSYNC_DATABASE_URL": database_url}
    first = CliRunner().invoke(app, ["db", "upgrade"], env=env)
    second = CliRunner().invoke(app, ["db", "upgrade"], env=env)

    assert first.exit_code == 0, first.output
    assert "upgraded from empty" in first.output
    assert second.exit_code == 0, second.output
    assert "already at schema" in second.output


def test_four_first_starts_at_once_all_succeed(database_url: str) -> None:
    env = {**os.environ, "CRMSYNC_DATABASE_URL": database_url}
    env.pop("CRMSYNC_SALESFORCE_TOKEN", None)
    starts = [
        subprocess.Popen(
            [sys.executable, "-m", "crmsync.cli.main", "settings", "show"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [start.communicate(timeout=120)[0] for start in starts]

    assert [start.returncode for start in starts] == [0, 0, 0, 0], outputs
    engine = sa.create_engine(database_url)
    try:
        assert schema_status(database_url, engine=engine).state is SchemaState.CURRENT
    finally:
        engine.dispose()


def test_a_store_of_a_newer_crmsync_is_refused_in_one_line(database_url: str) -> None:
    StateStore.open(database_url).close()
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    env = {**NO_TOKENS, "CRMSYNC_DATABASE_URL": database_url}

    upgrade = CliRunner().invoke(app, ["db", "upgrade"], env=env)
    sync = CliRunner().invoke(app, ["sync", "--once"], env=env, terminal_width=250)

    assert upgrade.exit_code == 78, upgrade.output
    assert "last used by a newer crmsync (schema revision 9999" in upgrade.output
    assert sync.exit_code == 1, sync.output
    assert "upgrade crmsync to use it" in sync.output
    assert "Traceback" not in sync.output
    assert _revision(database_url) == "9999"


def test_a_store_of_an_older_schema_asks_for_db_upgrade(database_url: str) -> None:
    StateStore.open(database_url).close()
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        # Back to the schema before revision 0004 (what a store of the previous release has).
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0003'"))
        connection.execute(sa.text("DROP TABLE runs"))
        connection.execute(sa.text("DROP TABLE dashboard_secrets"))  # revision 0007
        connection.execute(sa.text("DROP INDEX ix_api_calls_account_at"))
        connection.execute(sa.text("ALTER TABLE api_calls DROP COLUMN account"))
    engine.dispose()
    env = {**NO_TOKENS, "CRMSYNC_DATABASE_URL": database_url}

    refused = CliRunner().invoke(app, ["sync", "--once"], env=env, terminal_width=250)
    upgraded = CliRunner().invoke(app, ["db", "upgrade"], env=env)

    assert refused.exit_code == 1, refused.output
    assert "run `crmsync db upgrade` first" in refused.output
    assert upgraded.exit_code == 0, upgraded.output
    assert "upgraded from 0003 to 0007" in upgraded.output
    StateStore.open(database_url).close()
