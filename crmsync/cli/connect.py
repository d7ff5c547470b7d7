"""``crmsync connect salesforce``: re-connect as another user or to a sandbox (R5, R6).

Links, settings and history stay in the store. Links are keyed by the org id, so a
sandbox (another org) starts with none of production's links and production's are kept
for when the integration is pointed back at it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from pydantic import SecretStr
from rich.console import Console

from crmsync.config import load_config
from crmsync.connection import CONNECTION_SETTING, save_connection
from crmsync.store import StateStore

app = typer.Typer(help="Connect the integration to a CRM account.", no_args_is_help=True)

__all__ = ["CONNECTION_SETTING", "app", "salesforce"]

ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="TOML file (default: crmsync.toml if present).")
]


@app.command("salesforce")
def salesforce(
    sandbox: Annotated[
        bool, typer.Option("--sandbox", help="Log in via test.salesforce.com.")
    ] = False,
    url: Annotated[str | None, typer.Option("--url", help="Instance or login URL.")] = None,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            help="Access token; saved as a secret in the state store (never printed).",
        ),
    ] = None,
    config_path: ConfigOption = None,
) -> None:
    """Check the new connection, then save it for later commands (R5, R6).

    The org, user, sandbox flag and URL are saved as an audit-logged setting; a
    ``--token`` is saved as a secret (its history records only that it changed);
    connecting without ``--token`` forgets a saved one.
    ``sync``, ``health`` and the dashboard then use the saved connection. Precedence:
    CRMSYNC_SALESFORCE_URL / _TOKEN / _SANDBOX set in the environment, then the saved
    connection, then crmsync.toml.
    """
    from crmsync.connectors.salesforce.config import SalesforceConfig
    from crmsync.connectors.salesforce.connector import SalesforceConnector

    config = load_config(config_path)
    access_token = SecretStr(token) if token else config.salesforce_token
    if access_token is None:
        raise typer.BadParameter("give --token or set CRMSYNC_SALESFORCE_TOKEN")
    connector = SalesforceConnector.from_config(
        SalesforceConfig(
            instance_url=url or config.salesforce_url,
            access_token=access_token,
            sandbox=sandbox,
        )
    )
    user = connector.whoami()
    connection = {
        "org_id": user.org_id,
        "username": user.username,
        "sandbox": user.is_sandbox,
        "url": url or config.salesforce_url,
    }
    store = StateStore.open(config.database_url)
    try:
        save_connection(store, connection=connection, token=SecretStr(token) if token else None)
        with store.begin() as tx:
            links = tx.links_per_org()
    finally:
        store.close()
    console = Console()
    console.print(f"Connected as {user.username} to org {user.org_id}", markup=False)
    kept = sum(count for org_id, count in links.items() if org_id != user.org_id)
    if kept:
        console.print(
            f"This org has {links.get(user.org_id, 0)} links of its own; the {kept} links "
            "made with another org are kept for when you connect back to it.",
            markup=False,
            soft_wrap=True,
        )
