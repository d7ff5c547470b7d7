"""Each real run is kept for the dashboard's Activity page; a dry run is not."""

from __future__ import annotations

from typer.testing import CliRunner

from crmsync.cli.main import app
from crmsync.health.budget import ALLOCATION_SETTING
from crmsync.store.runs import recent_runs
from tests.e2e.conftest import World


def test_sync_and_run_keep_their_counts_and_a_dry_run_keeps_nothing(
    world: World, database_url: str
) -> None:
    env = world.cli_env(database_url)
    world.hs_create(email="history@acme.io", lastname="History")
    runner = CliRunner()

    assert runner.invoke(app, ["sync", "--dry-run"], env=env).exit_code == 0
    assert recent_runs(world.store) == []
    assert runner.invoke(app, ["sync", "--once"], env=env).exit_code == 0
    world.tick()
    assert runner.invoke(app, ["run", "--runs", "1", "--interval", "1"], env=env).exit_code == 0

    latest, first = recent_runs(world.store)
    assert (first.command, first.outcome) == ("sync", "ok")
    assert first.summary is not None and first.summary["created"] == {"salesforce": 1}
    assert (latest.command, latest.outcome) == ("run", "ok")
    assert latest.summary is not None and latest.summary["created"] == {}
    assert first.started_at <= first.finished_at


def test_r2_a_run_deferred_by_the_allocation_is_kept_as_deferred(
    world: World, database_url: str
) -> None:
    with world.store.begin() as tx:
        tx.set_setting(ALLOCATION_SETTING, 0)
    world.hs_create(email="waits@acme.io", lastname="Waits")

    result = CliRunner().invoke(app, ["sync", "--once"], env=world.cli_env(database_url))

    assert result.exit_code == 75, result.output
    (run,) = recent_runs(world.store)
    assert run.outcome == "deferred"
    assert run.message is not None
    assert run.summary is None  # it did not finish: no counts
