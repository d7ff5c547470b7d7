"""``crmsync run`` never dies of a run: an expired session, a vanished inclusion list and a
SIGTERM each leave it alive or stopped cleanly, with nothing lost or duplicated (R25, R26).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import httpx
import sqlalchemy as sa
from typer.testing import CliRunner

from crmsync.cli.main import app
from crmsync.runner import ExitStatus
from crmsync.store.lock import store_lock
from tests.e2e.conftest import HUBSPOT_TOKEN, World
from tests.e2e.test_e2e_create import _inclusion_list


def test_r25_run_survives_an_expired_session_and_syncs_on_the_next_run(
    world: World, database_url: str
) -> None:
    env = world.cli_env(database_url)
    world.hs_create(email="session@example.com", lastname="Session")
    # The first Salesforce call answers 401 INVALID_SESSION_ID, as an expiring session does.
    world.sf_control.add_fault(kind="status", status=401, code="INVALID_SESSION_ID", count=1)

    result = CliRunner().invoke(app, ["run", "--interval", "0.1", "--runs", "2"], env=env)

    assert result.exit_code == 0, result.output
    assert "run failed (1 in a row)" in result.output
    assert "Traceback" not in result.output
    assert "run finished" in result.output
    assert len(world.sf_by_email("Contact", "session@example.com")) == 1
    health = CliRunner().invoke(app, ["health"], env=env | {"COLUMNS": "250"})
    assert "Last run (run): ok" in health.output
    assert "Last failure:" in health.output
    assert "AuthenticationError" in health.output


def test_r8_run_survives_a_vanished_inclusion_list_and_shows_it_on_the_health_page(
    world: World, database_url: str
) -> None:
    env = world.cli_env(database_url)
    member = world.hs_create(email="listed@example.com", lastname="Listed")
    list_id = _inclusion_list(world, member)
    world.set("contacts.inclusion_list_id", list_id)
    deleted = httpx.delete(
        f"{world.servers.hubspot.url}/crm/v3/lists/{list_id}",
        headers={"Authorization": f"Bearer {HUBSPOT_TOKEN}"},
    )
    assert deleted.status_code == 204, deleted.text

    result = CliRunner().invoke(app, ["run", "--interval", "0.1", "--runs", "3"], env=env)

    assert result.exit_code == 0, result.output
    assert "run failed (3 in a row)" in result.output
    assert "Traceback" not in result.output
    report = CliRunner().invoke(app, ["health", "--json"], env=env)
    last = json.loads(report.output)["last_run"]
    assert last["outcome"] == "failed"
    assert last["command"] == "run"
    assert "NotFoundError" in last["message"]


def test_run_without_tokens_stops_at_once_with_one_line_and_status_78(
    world: World, database_url: str
) -> None:
    env = world.cli_env(database_url) | {"CRMSYNC_HUBSPOT_TOKEN": ""}

    result = CliRunner().invoke(app, ["run", "--interval", "0.1"], env=env)

    assert result.exit_code == ExitStatus.CONFIGURATION, result.output
    assert "cannot start: set CRMSYNC_HUBSPOT_TOKEN" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_run_logs_json_lines_with_time_and_level(world: World, database_url: str) -> None:
    env = world.cli_env(database_url)
    world.hs_create(email="logged@example.com", lastname="Logged")

    result = CliRunner().invoke(
        app, ["run", "--interval", "0.1", "--runs", "1", "--log-format", "json"], env=env
    )

    assert result.exit_code == 0, result.output
    (line,) = [json.loads(text) for text in result.output.splitlines() if text.strip()]
    assert line["level"] == "INFO"
    assert line["logger"] == "crmsync.run"
    assert line["time"].endswith("Z")
    assert line["summary"]["created"] == {"salesforce": 1}


def test_r25_sigterm_finishes_the_current_batch_and_exits_0(
    world: World, database_url: str
) -> None:
    people = 300
    world.hs_control.seed(
        {
            "records": {
                "contacts": [
                    {
                        "id": str(700000 + n),
                        "properties": {"email": f"t{n}@example.com", "lastname": "T"},
                    }
                    for n in range(people)
                ]
            }
        }
    )
    env = world.cli_env(database_url) | {"CRMSYNC_BATCH_SIZE": "10", "CRMSYNC_PAGE_SIZE": "10"}
    daemon = subprocess.Popen(
        [sys.executable, "-m", "crmsync.cli.main", "run", "--interval", "600"],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for_a_saved_cursor(database_url)
        daemon.send_signal(signal.SIGTERM)
        output, _ = daemon.communicate(timeout=60)
    finally:
        if daemon.poll() is None:
            daemon.kill()

    assert daemon.returncode == 0, output
    assert "finishing the current batch" in output
    assert "Traceback" not in output
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        outcome = connection.execute(sa.text("SELECT outcome FROM runs")).scalar_one()
    engine.dispose()
    assert outcome == "stopped"
    # What the stopped run left is picked up by the next: one contact per person.
    world.sync()
    emails = sorted(str(r.fields["Email"]) for r in world.sf_all("Contact"))
    assert emails == sorted(f"t{n}@example.com" for n in range(people))


def _wait_for_a_saved_cursor(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            try:
                with engine.connect() as connection:
                    if connection.execute(sa.text("SELECT count(*) FROM cursors")).scalar_one():
                        return
            except (sa.exc.OperationalError, sa.exc.ProgrammingError):
                pass  # the daemon has not created the schema yet
            time.sleep(0.05)
        raise AssertionError("the daemon saved no cursor within 60 s")
    finally:
        engine.dispose()


def test_run_waits_its_turn_while_another_run_holds_the_store(
    world: World, database_url: str
) -> None:
    env = world.cli_env(database_url)
    assert CliRunner().invoke(app, ["db", "upgrade"], env=env).exit_code == 0

    with store_lock(database_url):
        result = CliRunner().invoke(app, ["run", "--interval", "0.1", "--runs", "2"], env=env)

    assert result.exit_code == 0, result.output
    assert result.output.count("another crmsync run is using this store; trying again") == 2
