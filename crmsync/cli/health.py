"""``crmsync health``, ``crmsync usage`` and ``crmsync explain`` (R1-R4, R6, R7)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from crmsync.config import load_config
from crmsync.connection import call_accounts, with_saved_connection
from crmsync.connectors.base import System
from crmsync.health.budget import ALLOCATION_SETTING, ApiBudget
from crmsync.health.probe import probe
from crmsync.health.report import HealthReport
from crmsync.store import StateStore
from crmsync.terminal import plain, shown

ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="TOML file (default: crmsync.toml if present).")
]


def health_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    config_path: ConfigOption = None,
) -> None:
    """Show API usage, deferred work, error cards, the user, the last run and the store.

    A monitoring probe: exit status 0 healthy, 1 degraded, 2 broken. It reads the
    store only: no writes, no API calls (the user is the one the last run saw).
    """
    verdict = probe(load_config(config_path))
    console = Console()
    report = verdict.report
    if report is None:
        if as_json:
            console.print_json(
                json.dumps({"status": verdict.status.name.lower(), "problems": verdict.problems})
            )
        else:
            console.print(f"Broken: {verdict.problems[0]}", markup=False, soft_wrap=True)
        raise typer.Exit(code=verdict.status)
    if as_json:
        console.print_json(report.model_dump_json())
        raise typer.Exit(code=verdict.status)
    _print_report(console, report)
    console.print(f"Status: {report.status}", markup=False)
    # A connection to repair is already the first line: say it once.
    shown = {
        f"{problem.fix}: {problem.message} (run `{problem.command}`)"
        for problem in report.connection_problems
    }
    for problem in verdict.problems:
        if problem not in shown:
            console.print(f"  {problem}", markup=False, soft_wrap=True)
    raise typer.Exit(code=verdict.status)


def _print_report(console: Console, report: HealthReport) -> None:
    for problem in report.connection_problems:
        console.print(
            Text.assemble(
                (problem.fix, "bold red"),
                f": {problem.message}. Run `{problem.command}`; syncing resumes after it.",
            ),
            soft_wrap=True,
        )
    sf = report.salesforce
    allocation = "not set" if sf.allocation is None else str(sf.allocation)
    console.print(f"Salesforce API calls in the last 24 h: {sf.calls_24h} of {allocation}")
    if sf.org_limit is not None:
        console.print(f"Whole org: {sf.org_used} of {sf.org_limit} daily API requests")
    if report.work_deferred:
        console.print("[yellow]Allocation spent: Salesforce work waits until calls free up.")
    if report.hubspot.deferred:
        console.print("[yellow]HubSpot's daily limit is nearly used: HubSpot work waits for it.")
    hs = report.hubspot
    console.print(f"HubSpot API calls in the last 24 h: {hs.calls_24h}")
    if hs.org_limit is not None:
        console.print(f"Whole HubSpot account today: {hs.org_used} of {hs.org_limit} daily calls")
    user = report.integration_user
    # The username comes from the CRM: data, never markup.
    console.print(
        f"Integration user: {shown(user.username) if user else 'not known yet'}", markup=False
    )
    console.print(f"Sandbox: {'yes' if report.sandbox else 'no'}")
    for warning in report.warnings:
        console.print(f"Warning: {warning}", markup=False, style="yellow")
    console.print(f"State store: {report.store}", markup=False, soft_wrap=True)
    run = report.last_run
    if run is None:
        console.print("Last run: none yet")
    else:
        when = run.finished_at.strftime("%Y-%m-%d %H:%M:%S")
        detail = f": {run.message}" if run.message else ""
        console.print(
            f"Last run ({run.command}): {run.outcome} at {when} UTC{detail}",
            markup=False,
            soft_wrap=True,
        )
    failure = report.last_failure
    if failure is not None and failure != run:
        when = failure.finished_at.strftime("%Y-%m-%d %H:%M:%S")
        console.print(f"Last failure: {when} UTC: {failure.message}", markup=False, soft_wrap=True)
    table = Table(title="Sync errors")
    for column in ("Category", "Errors", "Records affected"):
        table.add_column(column)
    for card in report.error_cards:
        table.add_row(plain(card.category), str(card.count), str(card.records_affected))
    console.print(table)


def usage_command(
    allocation: Annotated[
        int | None,
        typer.Option("--set-allocation", min=0, help="Save the Salesforce calls per 24 h (R2)."),
    ] = None,
    config_path: ConfigOption = None,
) -> None:
    """Calls per hour over the rolling 24 h, for both CRMs (R1)."""
    config = load_config(config_path)
    store = StateStore.open(config.database_url)
    try:
        if allocation is not None:
            with store.begin() as tx:
                tx.set_setting(ALLOCATION_SETTING, allocation, note="crmsync usage")
        budget = ApiBudget(store, accounts=call_accounts(with_saved_connection(config, store)))
        snapshots = [budget.snapshot(System.SALESFORCE), budget.snapshot(System.HUBSPOT)]
    finally:
        store.close()
    console = Console()
    for snap in snapshots:
        table = Table(title=f"{snap.system}: {snap.calls_24h} calls in 24 h")
        table.add_column("Hour (UTC)")
        table.add_column("Calls")
        for hour, count in snap.hourly:
            table.add_row(hour.strftime("%Y-%m-%d %H:00"), str(count))
        console.print(table)
        if snap.allocation is not None:
            console.print(f"Allocation: {snap.allocation}; retries paused: {snap.retries_paused}")
        if snap.org_limit is not None:
            console.print(f"Org usage: {snap.org_used} of {snap.org_limit}")


def explain_command(config_path: ConfigOption = None) -> None:
    """Say in plain words what syncs each way under the current settings (R7)."""
    from crmsync.health.explain import explain_store

    config = load_config(config_path)
    store = StateStore.open(config.database_url)
    try:
        sections = explain_store(store, allocation=ApiBudget(store).allocation())
    finally:
        store.close()
    console = Console()
    for section in sections:
        console.print(f"[bold]{section.title}")
        for line in section.lines:
            console.print(f"  {line}", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``health``, ``usage`` and ``explain`` to the main command."""
    app.command("health")(health_command)
    app.command("usage")(usage_command)
    app.command("explain")(explain_command)
