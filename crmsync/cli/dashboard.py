"""``crmsync dashboard``: serve the sync-health page for the configured accounts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="TOML file (default: crmsync.toml if present).")
]


def dashboard_command(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8080,
    config_path: ConfigOption = None,
) -> None:
    """Serve the health page (API calls, allocation, errors, who we act as) until Ctrl-C."""
    from crmsync.config import load_config
    from crmsync.emulators.common.server import serve_forever
    from crmsync.web.app import create_dashboard_app

    app = create_dashboard_app(config=load_config(config_path))
    Console().print(f"Dashboard on http://127.0.0.1:{port} (Ctrl-C stops it)", markup=False)
    serve_forever(app, port=port)


def register(app: typer.Typer) -> None:
    """Add ``dashboard`` to the main command."""
    app.command("dashboard")(dashboard_command)
