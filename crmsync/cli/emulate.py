"""``crmsync emulate salesforce|hubspot``: serve an emulator on loopback until stopped."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Serve a local emulator of a CRM's API on loopback.", no_args_is_help=True)

PortOption = Annotated[int, typer.Option(min=0, max=65535, help="TCP port on 127.0.0.1.")]
DataOption = Annotated[
    Path | None, typer.Option(help="SQLite file that keeps the data across restarts.")
]
SeedOption = Annotated[
    Path | None, typer.Option(help="JSON seed file loaded at start (see docs/emulators.md).")
]


@app.command("salesforce")
def salesforce(
    port: PortOption = 8081,
    token: Annotated[str, typer.Option(help="Access token accepted as a Bearer token.")] = (
        "crmsync-sf-token"
    ),
    data: DataOption = None,
    seed: SeedOption = None,
) -> None:
    """Serve the Salesforce REST API (production and sandbox orgs)."""
    from crmsync.emulators.salesforce.server import serve

    serve(port=port, token=token, data=data, seed=seed)


@app.command("hubspot")
def hubspot(
    port: PortOption = 8082,
    token: Annotated[str, typer.Option(help="Private-app token accepted as a Bearer token.")] = (
        "crmsync-hs-token"
    ),
    data: DataOption = None,
    seed: SeedOption = None,
) -> None:
    """Serve the HubSpot CRM API."""
    from crmsync.emulators.hubspot.server import serve

    serve(port=port, token=token, data=data, seed=seed)
