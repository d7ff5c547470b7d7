"""``crmsync sync``, ``crmsync run`` and ``crmsync resync``: thin shells over the engine."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn

from crmsync.config import load_config
from crmsync.engine.report import SyncReport
from crmsync.errors import RetriableError
from crmsync.runtime import build_engine, connected
from crmsync.terminal import RichHooks

ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="TOML file (default: crmsync.toml if present).")
]


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
