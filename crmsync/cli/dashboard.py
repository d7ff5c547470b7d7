"""``crmsync dashboard``: serve the dashboard for the configured accounts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="TOML file (default: crmsync.toml if present).")
]


def dashboard_command(
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8080,
    host: Annotated[
        str,
        typer.Option(
            help="Address to bind. Keep 127.0.0.1 and put a reverse proxy in front "
            "(docs/dashboard.md); the Host names it answers are CRMSYNC_DASHBOARD_ALLOWED_HOSTS."
        ),
    ] = "127.0.0.1",
    config_path: ConfigOption = None,
) -> None:
    """Serve the dashboard (health, settings, mappings, records, activity) until Ctrl-C."""
    from crmsync.config import load_config
    from crmsync.emulators.common.server import serve_forever
    from crmsync.store import StateStore
    from crmsync.web.app import create_dashboard_app
    from crmsync.web.security import login_instructions, prepare_login

    config = load_config(config_path)
    store = StateStore.open(config.database_url)
    try:
        login = prepare_login(store, configured=config.dashboard_password)
    finally:
        store.close()
    app = create_dashboard_app(config=config, login=login)
    console = Console(highlight=False)
    shown = f"[{host}]" if ":" in host else host
    console.print(f"Dashboard on http://{shown}:{port} (Ctrl-C stops it)", markup=False)
    console.print(login_instructions(login), markup=False, soft_wrap=True)
    serve_forever(app, host=host, port=port)


def register(app: typer.Typer) -> None:
    """Add ``dashboard`` to the main command."""
    app.command("dashboard")(dashboard_command)
