"""``crmsync sync``, ``crmsync run`` and ``crmsync resync``: thin shells over the engine."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn

from crmsync.cli.connection import with_saved_connection
from crmsync.config import CrmsyncConfig, load_config
from crmsync.connectors.base import Connector
from crmsync.engine.hooks import Checkpoint
from crmsync.engine.report import SyncReport
from crmsync.engine.sync import SyncEngine
from crmsync.errors import RetriableError
from crmsync.store import StateStore

ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="TOML file (default: crmsync.toml if present).")
]


@dataclass(frozen=True)
class Connected:
    """Both connectors and the store, opened from a configuration."""

    hubspot: Connector
    salesforce: Connector
    store: StateStore
    retries_paused: Callable[[], bool] | None = None


@contextmanager
def connected(config: CrmsyncConfig) -> Iterator[Connected]:
    """Open both CRMs and the state store (closed on leaving the block)."""
    from crmsync.connectors.hubspot.config import HubSpotConfig
    from crmsync.connectors.hubspot.connector import HubSpotConnector
    from crmsync.connectors.salesforce.config import SalesforceConfig
    from crmsync.connectors.salesforce.connector import SalesforceConnector
    from crmsync.health.budget import ApiBudget

    store = StateStore.open(config.database_url)
    try:
        # The connection saved by ``crmsync connect salesforce`` beats the file; explicitly
        # set CRMSYNC_SALESFORCE_* environment variables beat both (R5, R6).
        config = with_saved_connection(config, store)
        salesforce_token, hubspot_token = config.require_credentials()
        # Every call is counted and Salesforce stays inside its allocation (R1, R2).
        budget = ApiBudget(store)
        salesforce = SalesforceConnector.from_config(
            SalesforceConfig(
                instance_url=config.salesforce_url,
                access_token=salesforce_token,
                sandbox=config.salesforce_sandbox,
            ),
            observer=budget,
        )
        hubspot = HubSpotConnector.from_config(
            HubSpotConfig(base_url=config.hubspot_url, access_token=hubspot_token),
            observer=budget,
        )
        yield Connected(
            hubspot=hubspot,
            salesforce=salesforce,
            store=store,
            retries_paused=lambda: budget.retries_paused,
        )
    finally:
        store.close()


def build_engine(
    opened: Connected, config: CrmsyncConfig, *, hooks: RichHooks | None = None
) -> SyncEngine:
    """The engine for the contacts pair under the stored settings."""
    from crmsync.engine.contacts import contacts_pair
    from crmsync.engine.owners import OwnersOnDemand
    from crmsync.engine.settings import contact_mappings, contact_settings

    owners = OwnersOnDemand(hubspot=opened.hubspot, salesforce=opened.salesforce)
    pair = contacts_pair(
        contact_settings(opened.store), mappings=contact_mappings(opened.store), owners=owners
    )
    return SyncEngine(
        hubspot=opened.hubspot,
        salesforce=opened.salesforce,
        store=opened.store,
        pairs=[pair],
        hooks=hooks,
        page_size=config.page_size,
        batch_size=config.batch_size,
        retries_paused=opened.retries_paused,
    )


class RichHooks:
    """Progress bars (one per change feed) on the terminal."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[tuple[str, str], TaskID] = {}

    def checkpoint(self, point: Checkpoint) -> None:
        """Nothing to show."""

    def progress(self, *, source: str, object_type: str, records: int) -> None:
        """Advance the bar of this feed."""
        key = (source, object_type)
        if key not in self._tasks:
            self._tasks[key] = self._progress.add_task(f"{source} {object_type}", total=None)
        self._progress.advance(self._tasks[key], records)


def _print_report(console: Console, report: SyncReport, *, dry_run: bool) -> None:
    if dry_run:
        for planned in report.planned:
            console.print(planned.describe(), markup=False, highlight=False)
    console.print_json(json.dumps(report.summary()))


def _progress(console: Console) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed} records"),
        console=console,
        transient=True,
    )


TEMPORARY_FAILURE = 75
"""Exit status of a sync stopped by a passing fault or a spent budget (``EX_TEMPFAIL``)."""


def sync_command(
    once: Annotated[bool, typer.Option("--once", help="Run one sync and exit.")] = True,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print each planned write; change nothing.")
    ] = False,
    config_path: ConfigOption = None,
) -> None:
    """Sync HubSpot and Salesforce once (both ways).

    A spent API allocation or a fault that outlasted the retries stops the run early
    with exit status 75; nothing is lost, the next run resumes where this one stopped.
    """
    config = load_config(config_path)
    console = Console()
    try:
        with connected(config) as opened, _progress(console) as progress:
            engine = build_engine(opened, config, hooks=RichHooks(progress))
            report = engine.run_once(dry_run=dry_run)
    except RetriableError as error:
        console.print(f"Sync stopped early: {error}", markup=False)
        console.print("Nothing is lost: the next run resumes where this one stopped.")
        raise typer.Exit(code=TEMPORARY_FAILURE) from error
    _print_report(console, report, dry_run=dry_run)


def run_command(
    interval: Annotated[
        float | None, typer.Option("--interval", help="Seconds between syncs.")
    ] = None,
    runs: Annotated[
        int | None,
        typer.Option("--runs", min=1, help="Stop after this many runs (default: never stop)."),
    ] = None,
    config_path: ConfigOption = None,
) -> None:
    """Sync repeatedly, every ``--interval`` seconds, until interrupted.

    Each run reads the settings afresh. A run deferred by the API budget or stopped by a
    passing fault is tried again after ``Retry-After`` (at most the interval): the
    loop never dies of it (R2).
    """
    config = load_config(config_path)
    console = Console()
    pause = config.interval_seconds if interval is None else interval
    done = 0
    with connected(config) as opened:
        while runs is None or done < runs:
            done += 1
            wait = pause
            try:
                report = build_engine(opened, config).run_once()
            except RetriableError as error:
                if error.retry_after is not None:
                    wait = min(max(error.retry_after, 1.0), pause)
                console.print(
                    f"Deferred: {error}. Trying again in {wait:.0f} s; nothing is lost.",
                    markup=False,
                )
            else:
                console.print_json(json.dumps(report.summary()))
            if runs is None or done < runs:
                time.sleep(wait)


def resync_command(
    key: Annotated[str, typer.Argument(help="An email, or a HubSpot or Salesforce id.")],
    dry_run: Annotated[bool, typer.Option("--dry-run")] = False,
    config_path: ConfigOption = None,
) -> None:
    """Re-evaluate one record both ways, ignoring cursors."""
    config = load_config(config_path)
    console = Console()
    with connected(config) as opened:
        report = build_engine(opened, config).resync(key, dry_run=dry_run)
    _print_report(console, report, dry_run=dry_run)


def register(app: typer.Typer) -> None:
    """Add ``sync``, ``run`` and ``resync`` to the main command."""
    app.command("sync")(sync_command)
    app.command("run")(run_command)
    app.command("resync")(resync_command)
