"""``crmsync errors list|show|retry|export``: the sync error cards on the terminal (R3, R27)."""

from __future__ import annotations

import json
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
)
from crmsync.store import StateStore
from crmsync.store.lock import RETRY_LOCK_WAIT_SECONDS, StoreBusyError, store_lock

app = typer.Typer(help="List, inspect, retry and export sync errors.", no_args_is_help=True)

ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="TOML file (default: crmsync.toml if present).")
]


def _store(config_path: Path | None) -> StateStore:
    return StateStore.open(load_config(config_path).database_url)


@app.command("list")
def list_(
    category: Annotated[str | None, typer.Option(help="Only this category.")] = None,
    page: Annotated[int, typer.Option("--page", min=1, help="Which page (1 is the first).")] = 1,
    per_page: Annotated[
        int, typer.Option("--per-page", min=1, max=1000, help="Errors per page.")
    ] = PAGE_SIZE,
    config_path: ConfigOption = None,
) -> None:
    """One line per open error of the connected org, a page at a time."""
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
    rows = found.rows
    title = f"{found.total} open error(s)"
    if found.total > len(rows):
        first = found.offset + 1
        title += f", {first}-{found.offset + len(rows)} shown (--page {page + 1} for more)"
    table = Table(title=title)
    columns = ("Id", "Category", "HubSpot", "Salesforce", "Field", "Message", "Last seen")
    for column in (*columns, "Next retry"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row.id),
            row.category,
            row.hubspot_id or "",
            row.salesforce_id or "",
            row.field or "",
            row.api_message,
            row.last_seen.isoformat(timespec="seconds"),
            next_retry(row),
        )
    Console().print(table)


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
    Console().print(f"{written} error(s) written to {csv_path}")
