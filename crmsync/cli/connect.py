"""``crmsync connect salesforce|hubspot|status``: connect the CRMs once (R5, R6).

Links, settings and history stay in the store. Links are keyed by the org id, so a
sandbox (another org) starts with none of production's links and production's are kept
for when the integration is pointed back at it. Credentials are saved encrypted; a
``--token`` can come from standard input (``--token -``) so it never shows in ``ps``.
"""

from __future__ import annotations

import sys
import webbrowser
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from pydantic import SecretStr
from rich.console import Console
from rich.table import Table

from crmsync.authorize import DEFAULT_PORT
from crmsync.config import CrmsyncConfig, load_config
from crmsync.connection import CONNECTION_SETTING
from crmsync.errors import CrmsyncError
from crmsync.terminal import plain

app = typer.Typer(help="Connect the integration to a CRM account.", no_args_is_help=True)

__all__ = ["CONNECTION_SETTING", "app"]

ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="TOML file (default: crmsync.toml if present).")
]
TokenOption = Annotated[
    str | None,
    typer.Option(
        "--token",
        help="An access token (Salesforce) or private-app token (HubSpot); '-' reads it "
        "from standard input. Saved encrypted, never printed.",
    ),
]
TokenStdinOption = Annotated[
    bool, typer.Option("--token-stdin", help="Read the token from standard input.")
]
OpenOption = Annotated[bool, typer.Option("--open", help="Open the authorize URL in a browser.")]
PortOption = Annotated[
    int,
    typer.Option("--callback-port", help="Port of the loopback callback (register its URL)."),
]
TimeoutOption = Annotated[
    float, typer.Option("--timeout", help="Seconds to wait for the browser's approval.")
]


@contextmanager
def _one_line_errors() -> Iterator[None]:
    """A crmsync error becomes one line naming what to fix, exit status 1."""
    try:
        yield
    except CrmsyncError as error:
        Console(stderr=True).print(f"Not connected: {error}", markup=False, soft_wrap=True)
        raise typer.Exit(code=1) from None


def _token(token: str | None, *, stdin: bool) -> SecretStr | None:
    if stdin or token == "-":
        value = sys.stdin.readline().strip()
        if not value:
            raise typer.BadParameter("no token on standard input", param_hint="--token")
        return SecretStr(value)
    return SecretStr(token) if token else None


def _shower(open_browser: bool) -> Callable[[str], None]:
    def show(url: str) -> None:
        typer.echo("Open this URL in a browser and approve crmsync:")
        typer.echo(url)
        if open_browser:
            webbrowser.open(url)

    return show


def _config(config_path: Path | None, **updates: object) -> CrmsyncConfig:
    config = load_config(config_path)
    chosen = {key: value for key, value in updates.items() if value is not None}
    return config.model_copy(update=chosen) if chosen else config


@app.command("salesforce")
def salesforce(  # noqa: PLR0917 - Typer maps options to parameters
    sandbox: Annotated[
        bool, typer.Option("--sandbox", help="Log in via test.salesforce.com.")
    ] = False,
    url: Annotated[str | None, typer.Option("--url", help="Instance or login URL.")] = None,
    token: TokenOption = None,
    token_stdin: TokenStdinOption = False,
    client_id: Annotated[
        str | None, typer.Option("--client-id", help="The app's consumer key.")
    ] = None,
    login_url: Annotated[
        str | None, typer.Option("--login-url", help="My Domain login URL.")
    ] = None,
    open_browser: OpenOption = False,
    callback_port: PortOption = DEFAULT_PORT,
    timeout: TimeoutOption = 300.0,
    config_path: ConfigOption = None,
) -> None:
    """Connect Salesforce, check who crmsync acts as, and save it for later commands.

    With --token the access token is checked and saved. Without it the web-server flow
    with PKCE runs: open the printed URL, approve, and the refresh token is saved
    (encrypted). Precedence: CRMSYNC_SALESFORCE_* set in the environment, then the
    saved connection, then crmsync.toml.
    """
    from crmsync.connecting import connect_salesforce_oauth, connect_salesforce_token

    config = _config(config_path, salesforce_client_id=client_id, salesforce_login_url=login_url)
    target = url or config.salesforce_url
    given = _token(token, stdin=token_stdin)
    with _one_line_errors():
        if given is not None:
            result = connect_salesforce_token(config, token=given, url=target, sandbox=sandbox)
        elif config.salesforce_token is not None and not config.salesforce_client_id:
            # CRMSYNC_SALESFORCE_TOKEN: checked, not saved (the environment supplies it).
            result = connect_salesforce_token(
                config,
                token=config.salesforce_token,
                url=target,
                sandbox=sandbox,
                save_token=False,
            )
        else:
            result = connect_salesforce_oauth(
                config,
                url=target,
                sandbox=sandbox,
                port=callback_port,
                timeout=timeout,
                show_url=_shower(open_browser),
            )
    console = Console()
    console.print(
        f"Connected as {result.user.username} to org {result.user.org_id} ({result.flow})",
        markup=False,
    )
    if result.links_elsewhere:
        console.print(
            f"This org has {result.links_here} links of its own; the {result.links_elsewhere} "
            "links made with another org are kept for when you connect back to it.",
            markup=False,
            soft_wrap=True,
        )


@app.command("hubspot")
def hubspot(  # noqa: PLR0917 - Typer maps options to parameters
    url: Annotated[str | None, typer.Option("--url", help="HubSpot API URL.")] = None,
    token: TokenOption = None,
    token_stdin: TokenStdinOption = False,
    client_id: Annotated[str | None, typer.Option("--client-id", help="The app's id.")] = None,
    open_browser: OpenOption = False,
    callback_port: PortOption = DEFAULT_PORT,
    timeout: TimeoutOption = 300.0,
    config_path: ConfigOption = None,
) -> None:
    """Connect HubSpot with a private-app token (--token) or an OAuth app.

    The OAuth app's secret comes from CRMSYNC_HUBSPOT_CLIENT_SECRET. After approval the
    token's scopes are read and any scope the synced objects need is named.
    """
    from crmsync.connecting import connect_hubspot_oauth, connect_hubspot_token

    config = _config(config_path, hubspot_client_id=client_id)
    target = url or config.hubspot_url
    given = _token(token, stdin=token_stdin)
    with _one_line_errors():
        if given is not None:
            result = connect_hubspot_token(config, token=given, url=target)
        else:
            result = connect_hubspot_oauth(
                config,
                url=target,
                port=callback_port,
                timeout=timeout,
                show_url=_shower(open_browser),
            )
    console = Console()
    who = f" as {result.user}" if result.user else ""
    console.print(
        f"Connected{who} to HubSpot portal {result.portal_id} ({result.flow})", markup=False
    )
    if result.missing_scopes:
        console.print(
            "Missing scopes (add them to the app and connect again): "
            + ", ".join(result.missing_scopes),
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(code=2)


@app.command("status")
def status(config_path: ConfigOption = None) -> None:
    """Each connection: flow, user, org or portal, scopes and token expiry."""
    from crmsync.connecting import connection_status

    config = load_config(config_path)
    with _one_line_errors():
        rows = connection_status(config)
    table = Table(title="Connections")
    for column in ("CRM", "Flow", "User", "Org / portal", "Scopes", "Token expires", "Problem"):
        table.add_column(column, overflow="fold")
    for row in rows:
        # Users, scopes and problems come from the CRMs: data, never markup.
        cells = (
            row.system,
            row.flow,
            row.user,
            row.account,
            " ".join(row.scopes),
            row.expires or "when the CRM refuses it",
            row.problem,
        )
        table.add_row(*(plain(cell) for cell in cells))
    Console(width=200).print(table)
    if any(row.problem for row in rows):
        raise typer.Exit(code=1)
