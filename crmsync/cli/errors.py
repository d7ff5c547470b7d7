"""``crmsync errors list|show|retry|export``: the sync error cards on the terminal (R3, R27)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from crmsync.config import load_config
from crmsync.connection import cached_scope
from crmsync.health.errors import (
    PAGE_SIZE,
    RetrySelection,
    error_row,
    export_csv,
    find_error,
    next_retry,
    open_errors_page,
    request_retry,
    write_csv,
)
from crmsync.store import StateStore
from crmsync.store.lock import RETRY_LOCK_WAIT_SECONDS, StoreBusyError, store_lock
from crmsync.store.models import SyncErrorRecord
from crmsync.terminal import plain

app = typer.Typer(help="List, inspect, retry and export sync errors.", no_args_is_help=True)

ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="TOML file (default: crmsync.toml if present).")
]


def _store(config_path: Path | None) -> StateStore:
    return StateStore.open(load_config(config_path).database_url)


@app.command("list")
def list_(  # noqa: PLR0917 - Typer maps options to parameters
    category: Annotated[str | None, typer.Option(help="Only this category.")] = None,
    page: Annotated[int, typer.Option("--page", min=1, help="Which page (1 is the first).")] = 1,
    per_page: Annotated[
        int, typer.Option("--per-page", min=1, max=1000, help="Errors per page.")
    ] = PAGE_SIZE,
    as_json: Annotated[bool, typer.Option("--json", help="Print the errors as JSON.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print the errors as CSV.")] = False,
    config_path: ConfigOption = None,
) -> None:
    """One line per open error of the connected org, a page at a time (R3, R27).

    ``--json`` and ``--csv`` give every column in full, for scripts and narrow terminals.
    """
    if as_json and as_csv:
        raise typer.BadParameter("give --json or --csv, not both")
    config = load_config(config_path)
    store = StateStore.open(config.database_url)
    try:
        found = open_errors_page(
            store,
            scope=cached_scope(config, store),
            category=category,
            offset=(page - 1) * per_page,
            limit=per_page,
        )
    finally:
        store.close()
    rows = list(found.rows)
    if as_json:
        document = [{**error_row(row), "next_retry": next_retry(row)} for row in rows]
        # json.dumps escapes control characters, so record data cannot drive the terminal.
        typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    if as_csv:
        write_csv(rows, sys.stdout)
        return
    title = f"{found.total} open error(s)"
    if found.total > len(rows):
        first = found.offset + 1
        title += f", {first}-{found.offset + len(rows)} shown (--page {page + 1} for more)"
    console = Console()
    if console.width >= WIDE_TABLE:
        console.print(_table(rows, title=title))
    else:
        _print_blocks(console, rows, title=title)


WIDE_TABLE = 120
"""Columns from which ``errors list`` draws a table; below (80 columns, piped) one block each."""


def _cells(row: SyncErrorRecord) -> dict[str, object]:
    return {
        "Id": row.id,
        "Category": row.category,
        "Code": row.api_code,
        "HubSpot": row.hubspot_id,
        "Salesforce": row.salesforce_id,
        "Field": row.field,
        "Message": row.api_message,
        "Next retry": next_retry(row),
    }


def _table(rows: list[SyncErrorRecord], *, title: str) -> Table:
    # Record values are data, never markup (a last name may be "[/]"), and every column
    # folds rather than being cut.
    table = Table(title=title)
    columns = ("Id", "Category", "Code", "HubSpot", "Salesforce", "Field", "Message")
    for column in (*columns, "Next retry"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(plain(cell) for cell in _cells(row).values()))
    return table


def _print_blocks(console: Console, rows: list[SyncErrorRecord], *, title: str) -> None:
    """One block per error: its id, category and code on the first line, never cut."""
    console.print(title, markup=False)
    for row in rows:
        cells = _cells(row)
        console.print()
        console.print(plain(f"#{row.id}  {row.category}  {row.api_code}"))
        for name in ("HubSpot", "Salesforce", "Field", "Message", "Next retry"):
            if cells[name]:
                console.print(plain(f"  {name}: {cells[name]}"), overflow="fold")


@app.command("show")
def show(error_id: int, config_path: ConfigOption = None) -> None:
    """Every detail of one error, with how to resolve it."""
    store = _store(config_path)
    try:
        row = find_error(store, error_id)
    finally:
        store.close()
    if row is None:
        raise typer.BadParameter(f"no error with id {error_id}")
    Console().print_json(json.dumps({**error_row(row), "next_retry": next_retry(row)}))


@app.command("retry")
def retry(
    record: Annotated[
        str | None, typer.Option("--record", help="A HubSpot or Salesforce id.")
    ] = None,
    category: Annotated[str | None, typer.Option("--category", help="One error type.")] = None,
    everything: Annotated[bool, typer.Option("--all", help="Every open error.")] = False,
    config_path: ConfigOption = None,
) -> None:
    """Queue errors for retry by the next sync: one record, one type, or all (R3)."""
    if sum((record is not None, category is not None, everything)) != 1:
        raise typer.BadParameter("give exactly one of --record, --category, --all")
    config = load_config(config_path)
    url = config.database_url
    try:
        # A run under way reads these rows; the retry waits briefly for it to finish.
        with store_lock(url, wait=RETRY_LOCK_WAIT_SECONDS):
            store = StateStore.open(url)
            try:
                queued = request_retry(
                    store,
                    RetrySelection(record_id=record, category=category, everything=everything),
                    scope=cached_scope(config, store),
                )
            finally:
                store.close()
    except StoreBusyError as error:
        Console().print(f"Not queued: {error}.", markup=False, soft_wrap=True)
        raise typer.Exit(code=73) from error
    Console().print(f"{queued} error(s) queued for the next sync.")


@app.command("export")
def export(
    csv_path: Annotated[Path, typer.Option("--csv", help="File to write.")],
    config_path: ConfigOption = None,
) -> None:
    """Write every open error to a CSV file."""
    config = load_config(config_path)
    store = StateStore.open(config.database_url)
    try:
        written = export_csv(store, csv_path, scope=cached_scope(config, store))
    finally:
        store.close()
    Console().print(f"{written} error(s) written to {csv_path}", markup=False)
