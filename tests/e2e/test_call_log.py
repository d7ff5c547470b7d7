"""The API call log is written in batches, and on every way out of a run (R1)."""

from __future__ import annotations

import sqlalchemy as sa
from typer.testing import CliRunner

from crmsync.cli.main import app
from crmsync.runner import ExitStatus
from tests.e2e.conftest import World


def _logged(database_url: str) -> list[tuple[str, str, int | None]]:
    """(system, purpose, status) of every call logged (refusals by the budget left out)."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT system, purpose, status FROM api_calls WHERE NOT deferred")
            ).all()
    finally:
        engine.dispose()
    return [(str(system), str(purpose), status) for system, purpose, status in rows]


def test_r1_a_run_stopped_by_a_fault_still_logs_every_call_it_made(
    world: World, database_url: str
) -> None:
    world.hs_create(email="logged@example.com", firstname="Ada", lastname="Lovelace")
    # Every Salesforce write fails past its retries: the run stops with a passing fault;
    # every call it made is in the log with its answer.
    world.sf_control.add_fault(kind="status", status=503, rate=1.0, path_contains="/composite")
    world.clear_writes()
    hubspot_before = world.hs_control.call_count()
    salesforce_before = world.sf_control.usage()["api_calls_total"]

    result = CliRunner().invoke(
        app, ["sync", "--once"], env=world.cli_env(database_url), terminal_width=250
    )

    assert result.exit_code == ExitStatus.TEMPORARY_FAILURE, result.output
    logged = _logged(database_url)
    hubspot = [row for row in logged if row[0] == "hubspot"]
    assert len(hubspot) == world.hs_control.call_count() - hubspot_before
    # The emulator bills the calls it served (the identity call is not billed, as on
    # Salesforce); the ones it failed on purpose were made too, and logged with their 503.
    refused = [name for name, status in world.servers.salesforce_log.answered if status == 503]
    assert refused
    salesforce = [row for row in logged if row[0] == "salesforce" and row[1] != "whoami"]
    billed = world.sf_control.usage()["api_calls_total"] - salesforce_before
    assert len(salesforce) == billed + len(refused)
    assert [status for _, _, status in salesforce].count(503) == len(refused)


def test_r1_a_run_that_fails_at_once_still_logs_the_calls_it_made(
    world: World, database_url: str
) -> None:
    # HubSpot refuses the token on its first search: the run ends within a second,
    # well before the call log's periodic flush.
    world.hs_control.inject_fault(kind="status", status=401, rate=1.0, path_contains="/search")
    hubspot_before = world.hs_control.call_count()
    salesforce_before = world.sf_control.usage()["api_calls_total"]

    result = CliRunner().invoke(
        app, ["sync", "--once"], env=world.cli_env(database_url), terminal_width=250
    )

    assert result.exit_code != ExitStatus.OK, result.output
    logged = _logged(database_url)
    assert ("hubspot", "read_changes", 401) in logged
    hubspot = [row for row in logged if row[0] == "hubspot"]
    salesforce = [row for row in logged if row[0] == "salesforce" and row[1] != "whoami"]
    assert len(hubspot) == world.hs_control.call_count() - hubspot_before
    assert len(salesforce) == world.sf_control.usage()["api_calls_total"] - salesforce_before
