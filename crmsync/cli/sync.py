"""``crmsync sync``, ``crmsync run`` and ``crmsync resync``: thin shells over the engine."""

from __future__ import annotations

import gc
import json
import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn

from crmsync.cli.failures import describe
from crmsync.config import load_config
from crmsync.engine.report import SyncReport
from crmsync.logs import LogFormat, configure_logging
from crmsync.runner import ExitStatus, StopFlag, run_forever, run_once
from crmsync.store.lock import StoreBusyError
from crmsync.store.runs import RunOutcome
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


TEMPORARY_FAILURE = ExitStatus.TEMPORARY_FAILURE
"""Exit status of a sync stopped by a passing fault or a spent budget (``EX_TEMPFAIL``)."""

WaitOption = Annotated[
    bool,
    typer.Option("--wait", help="If another run is using the store, wait for it to finish."),
]
LogFormatOption = Annotated[
    LogFormat, typer.Option("--log-format", help="text (default) or json, one object a line.")
]


def _one_run(
    console: Console,
    config_path: Path | None,
    *,
    command: str,
    wait: bool,
    dry_run: bool,
    resync_key: str | None = None,
) -> SyncReport:
    """One locked run for ``sync`` and ``resync``; exits with a status a script can read."""
    configure_logging(LogFormat.TEXT, level=logging.WARNING)
    config = load_config(config_path)
    stop = StopFlag()
    try:
        with stop.on_sigterm(), _progress(console) as progress:
            result = run_once(
                config,
                command=command,
                resync_key=resync_key,
                dry_run=dry_run,
                hooks=RichHooks(progress),
                stop=stop,
                wait=None if wait else 0,
            )
    except StoreBusyError as error:
        console.print(
            f"Not started: {error}; wait for it to finish or pass --wait to queue behind it.",
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(code=ExitStatus.STORE_BUSY) from error
    if result.outcome is RunOutcome.DEFERRED:
        console.print(f"Sync stopped early: {result.message}", markup=False, soft_wrap=True)
        console.print("Nothing is lost: the next run resumes where this one stopped.")
        raise typer.Exit(code=ExitStatus.TEMPORARY_FAILURE)
    if result.outcome is RunOutcome.STOPPED:
        console.print("Stopped on request after the current batch; nothing is lost.")
        raise typer.Exit(code=ExitStatus.OK)
    if result.report is None:
        # The same one line naming the fix as every other failure (cli.failures).
        text = describe(result.error)[0] if result.error is not None else result.message
        console.print(f"Sync failed: {text}", markup=False, soft_wrap=True)
        raise typer.Exit(code=ExitStatus.FAILED)
    return result.report


GC_THRESHOLD = 50_000
"""Allocations between young-generation collections in ``crmsync sync`` (Python: 700)."""


def sync_command(
    once: Annotated[bool, typer.Option("--once", help="Run one sync and exit.")] = True,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print each planned write; change nothing.")
    ] = False,
    wait: WaitOption = False,
    config_path: ConfigOption = None,
) -> None:
    """Sync HubSpot and Salesforce once (both ways).

    A spent API allocation or a fault that outlasted the retries stops the run early
    with exit status 75; nothing is lost, the next run resumes where this one stopped.
    Another run on the same store: exit status 73 (or ``--wait`` for it). SIGTERM
    stops after the current batch.
    """
    # One run, then exit: the modules and objects loaded so far live until the end, so
    # the cycle collector need not scan them again and again, and it runs less often
    # while a backfill makes thousands of short-lived objects a chunk.
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    console = Console()
    report = _one_run(console, config_path, command="sync", wait=wait, dry_run=dry_run)
    _print_report(console, report, dry_run=dry_run)


def run_command(
    interval: Annotated[
        float | None, typer.Option("--interval", min=0, help="Seconds between syncs.")
    ] = None,
    runs: Annotated[
        int | None,
        typer.Option("--runs", min=1, help="Stop after this many runs (default: never stop)."),
    ] = None,
    log_format: LogFormatOption = LogFormat.TEXT,
    config_path: ConfigOption = None,
) -> None:
    """Sync repeatedly, every ``--interval`` seconds, until stopped.

    Each run reads the settings and the saved connection afresh. A run deferred by the
    API budget or a passing fault is tried again after ``Retry-After`` (at most the
    interval, R2); a failed run (an expired session, a vanished inclusion list) is
    logged, shown on the health page and tried again after a growing pause. SIGTERM
    finishes the current batch and exits 0; only a setup that can never work (no
    tokens, a store of another schema) stops it, with exit status 78.
    """
    configure_logging(log_format)
    config = load_config(config_path)
    pause = config.interval_seconds if interval is None else interval
    stop = StopFlag()
    with stop.on_sigterm():
        status = run_forever(config, interval=pause, runs=runs, stop=stop)
    if status is not ExitStatus.OK:
        raise typer.Exit(code=status)


def resync_command(
    key: Annotated[str, typer.Argument(help="An email, or a HubSpot or Salesforce id.")],
    dry_run: Annotated[bool, typer.Option("--dry-run")] = False,
    wait: WaitOption = False,
    config_path: ConfigOption = None,
) -> None:
    """Re-evaluate one record both ways, ignoring cursors."""
    console = Console()
    report = _one_run(
        console, config_path, command="resync", wait=wait, dry_run=dry_run, resync_key=key
    )
    _print_report(console, report, dry_run=dry_run)


def register(app: typer.Typer) -> None:
    """Add ``sync``, ``run`` and ``resync`` to the main command."""
    app.command("sync")(sync_command)
    app.command("run")(run_command)
    app.command("resync")(resync_command)
