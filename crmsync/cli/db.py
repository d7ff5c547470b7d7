"""``crmsync db upgrade``: bring the state store to this version's schema, under a lock."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from crmsync.config import load_config
from crmsync.store.location import describe_store, prepare_sqlite_file
from crmsync.store.migrate import SchemaMismatchError, SchemaState, upgrade_to_head

app = typer.Typer(help="The state store's schema.", no_args_is_help=True)

ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="TOML file (default: crmsync.toml if present).")
]


@app.command("upgrade")
def upgrade(config_path: ConfigOption = None) -> None:
    """Apply the schema migrations this version ships (safe to run again, or at once)."""
    url = load_config(config_path).database_url
    console = Console()
    prepare_sqlite_file(url)
    try:
        before = upgrade_to_head(url)
    except SchemaMismatchError as error:
        console.print(f"Not upgraded: {error}.", markup=False, soft_wrap=True)
        raise typer.Exit(code=78) from error
    store = describe_store(url)
    if before.state is SchemaState.CURRENT:
        console.print(f"{store}: already at schema {before.head}.", markup=False, soft_wrap=True)
    else:
        console.print(
            f"{store}: upgraded from {before.revision or 'empty'} to {before.head}.",
            markup=False,
            soft_wrap=True,
        )
