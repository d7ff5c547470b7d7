"""``crmsync demo``: both emulators, a realistic data set, two syncs and a summary."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from crmsync.config import CrmsyncConfig
from crmsync.demo.runner import (
    HUBSPOT_TOKEN,
    SALESFORCE_TOKEN,
    DemoResult,
    Emulators,
    demo_config,
    emulators,
    run_demo,
)
from crmsync.emulators.common.server import BackgroundServer


def demo_command(
    port_salesforce: Annotated[
        int, typer.Option(min=0, max=65535, help="Salesforce emulator port.")
    ] = 8081,
    port_hubspot: Annotated[
        int, typer.Option(min=0, max=65535, help="HubSpot emulator port.")
    ] = 8082,
    port_dashboard: Annotated[int, typer.Option(min=0, max=65535, help="Dashboard port.")] = 8080,
    database: Annotated[Path, typer.Option(help="SQLite state store of the demo.")] = Path(
        "var/demo.sqlite"
    ),
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Keep serving after the summary.")
    ] = True,
) -> None:
    """Start both emulators with seed data, sync both ways, convert a lead, sync again."""
    console = Console()
    ports = {"--port-salesforce": port_salesforce, "--port-hubspot": port_hubspot}
    if serve:
        ports["--port-dashboard"] = port_dashboard
    for option, port in ports.items():
        _require_free(option, port)
    database.parent.mkdir(parents=True, exist_ok=True)
    # A fresh store each time: the emulators start empty, so old links would point nowhere.
    database.unlink(missing_ok=True)
    started = time.monotonic()
    with emulators(salesforce_port=port_salesforce, hubspot_port=port_hubspot) as running:
        config = demo_config(running, database_url=f"sqlite:///{database.resolve()}")
        result = run_demo(running, config, console=console)
        _print_summary(console, result, seconds=time.monotonic() - started)
        if serve:
            _print_where_to_look(console, running, config, dashboard_port=port_dashboard)
            _serve(console, config, dashboard_port=port_dashboard)
        else:
            # The emulators stop with this command: addresses to them would lead nowhere.
            console.print(
                f"\nThe emulators stopped with the demo (--no-serve); its state store is "
                f"kept: {config.database_url}",
                markup=False,
                highlight=False,
            )


def _require_free(option: str, port: int) -> None:
    """Refuse a taken port up front rather than fail inside a server thread."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            raise typer.BadParameter(
                f"port {port} is in use ({error.strerror})", param_hint=option
            ) from error


def _print_summary(console: Console, result: DemoResult, *, seconds: float) -> None:
    counts = result.dataset.counts()
    console.print(
        f"\nSeeded HubSpot with {counts['hubspot_contacts']} contacts and "
        f"{counts['hubspot_companies']} companies, and Salesforce with "
        f"{counts['salesforce_leads']} leads, {counts['salesforce_contacts']} contacts "
        f"and {counts['salesforce_accounts']} accounts."
    )
    table = Table(title=f"Demo sync ({seconds:.1f} s)")
    table.add_column("")
    table.add_column("first sync", justify="right")
    table.add_column("after conversion", justify="right")
    runs = (result.first_run, result.second_run)
    for label, system in (("Salesforce", "salesforce"), ("HubSpot", "hubspot")):
        table.add_row(f"created in {label}", *(str(run.created[system]) for run in runs))
        table.add_row(f"updated in {label}", *(str(run.updated[system]) for run in runs))
    table.add_row("linked by email", *(str(run.linked) for run in runs))
    table.add_row("conversions followed", *(str(run.converted) for run in runs))
    table.add_row("conflicts (newest wins)", *(str(run.conflicts) for run in runs))
    reasons = sorted({reason for run in runs for reason, n in run.skipped.items() if n})
    for reason in reasons:
        table.add_row(f"skipped: {reason}", *(str(run.skipped[reason]) for run in runs))
    table.add_row("record errors", *(str(run.errors) for run in runs))
    console.print(table)
    if result.errors_by_category:
        listed = ", ".join(f"{name} {n}" for name, n in sorted(result.errors_by_category.items()))
        console.print(f"Open errors by category: {listed}")
    console.print(
        f"API calls used: Salesforce {result.api_calls['salesforce']}, "
        f"HubSpot {result.api_calls['hubspot']}"
    )
    console.print(
        f"Linked: {result.links_by_pair.get('contacts', 0)} people, "
        f"{result.links_by_pair.get('companies', 0)} companies with accounts (matched through "
        "shared contacts or created on the other side, R21)"
    )
    console.print(
        f"Lead {result.converted_lead_id} was converted to contact "
        f"{result.converted_contact_id}; the second sync followed it."
    )
    _print_deals(console, result)


def _print_deals(console: Console, result: DemoResult) -> None:
    """Deals, activities and the lifecycle stages the won opportunity moved (R15, R22)."""
    links = result.links_by_pair
    tasks = sum(n for pair, n in links.items() if pair.startswith("activities."))
    console.print(
        f"Deals: {links.get('deals', 0)} deals linked with opportunities (R22); "
        f"activities: {tasks} HubSpot activities became Salesforce tasks (R24)"
    )
    console.print(
        f"Lifecycle: {result.deals.won_contact_email} is now "
        f"'{result.won_contact_stage}' in HubSpot after the demo won their opportunity (R15)"
    )
    for line in result.lifecycle_moves[-5:]:
        console.print(f"  {line}", markup=False, highlight=False)


def _print_where_to_look(
    console: Console, running: Emulators, config: CrmsyncConfig, *, dashboard_port: int
) -> None:
    console.print("\n[bold]Where to look[/bold]")
    console.print(f"  Salesforce emulator  {running.salesforce.url}  (token {SALESFORCE_TOKEN})")
    console.print(f"  HubSpot emulator     {running.hubspot.url}  (token {HUBSPOT_TOKEN})")
    console.print(f"  Dashboard            http://127.0.0.1:{dashboard_port}")
    console.print("  To point other commands (e.g. `crmsync health`) at them:")
    for name, value in (
        ("CRMSYNC_SALESFORCE_URL", running.salesforce.url),
        ("CRMSYNC_SALESFORCE_TOKEN", SALESFORCE_TOKEN),
        ("CRMSYNC_HUBSPOT_URL", running.hubspot.url),
        ("CRMSYNC_HUBSPOT_TOKEN", HUBSPOT_TOKEN),
        ("CRMSYNC_DATABASE_URL", config.database_url),
    ):
        console.print(f"    export {name}={value}", markup=False, highlight=False)


def _serve(console: Console, config: CrmsyncConfig, *, dashboard_port: int) -> None:
    """Keep the emulators (and the dashboard, when installed) up until Ctrl-C."""
    dashboard: BackgroundServer | None = None
    try:
        # Optional: the dashboard ships separately from the emulators and the engine.
        from crmsync.web.app import (  # type: ignore[import-not-found,unused-ignore]
            create_dashboard_app,
        )
    except ImportError:
        console.print("The dashboard is not part of this installation; serving the emulators.")
    else:
        from crmsync.store import StateStore
        from crmsync.web.security import login_instructions, prepare_login

        store = StateStore.open(config.database_url)
        try:
            login = prepare_login(store, configured=config.dashboard_password)
        finally:
            store.close()
        dashboard = BackgroundServer(
            create_dashboard_app(config=config, login=login), port=dashboard_port
        )
        dashboard.start()
        console.print(f"\nDashboard on {dashboard.url}", markup=False, highlight=False)
        console.print(
            f"  {login_instructions(login)}", markup=False, highlight=False, soft_wrap=True
        )
    console.print("\nServing; press Ctrl-C to stop.")
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        console.print("Stopped.")
    finally:
        if dashboard is not None:
            dashboard.stop()


def register(app: typer.Typer) -> None:
    """Add ``demo`` to the main command."""
    app.command("demo")(demo_command)
