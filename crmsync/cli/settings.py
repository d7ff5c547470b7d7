"""``crmsync settings show`` and ``crmsync settings set KEY=VALUE``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from crmsync.config import load_config
from crmsync.core.policies import SettingError, unknown_key_message
from crmsync.store import StateStore

app = typer.Typer(help="Show and change the integration settings.", no_args_is_help=True)

ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="TOML file (default: crmsync.toml if present).")
]


@app.command("show")
def show(config_path: ConfigOption = None) -> None:
    """Print every setting as JSON."""
    from crmsync.engine.settings import settings_document

    config = load_config(config_path)
    store = StateStore.open(config.database_url)
    try:
        document = settings_document(store)
    finally:
        store.close()
    Console().print_json(json.dumps(document))


@app.command("set")
def set_(
    assignment: Annotated[str, typer.Argument(metavar="KEY=VALUE")],
    config_path: ConfigOption = None,
) -> None:
    """Change one setting (mapping tables are checked against both CRMs first)."""
    from crmsync.core.contact_role_labels import LABELS_KEY, PRIMARY_LABEL_KEY
    from crmsync.core.policies import SETTING_KEYS, ContactSettings, apply_setting
    from crmsync.engine.settings import (
        DEAL_STAGES,
        MAPPING_TABLES,
        SWITCHES,
        r10_warning,
        save_setting,
    )

    key, sep, value = assignment.partition("=")
    if not sep:
        raise typer.BadParameter("expected KEY=VALUE")
    key = key.strip()
    # The key and the value's form first: a typo needs no CRM to be refused.
    known = (*SETTING_KEYS, *SWITCHES, *MAPPING_TABLES, DEAL_STAGES, LABELS_KEY, PRIMARY_LABEL_KEY)
    if key not in known:
        raise SettingError(key, unknown_key_message(key, known))
    if key in SETTING_KEYS:
        apply_setting(ContactSettings(), key, value)
    config = load_config(config_path)
    warning: str | None = None
    # Mapping tables are checked against both CRMs' describe, an inclusion list against
    # HubSpot's lists (R8, R23), the stage table against both CRMs' stages and contact
    # role labels against the Role picklist (R22): those need the CRMs connected.
    if key in (*MAPPING_TABLES, DEAL_STAGES, LABELS_KEY) or (
        key == "contacts.inclusion_list_id" and value.strip()
    ):
        from crmsync.runtime import connected

        with connected(config) as opened:
            stored = save_setting(
                opened.store,
                key,
                value,
                hubspot=opened.hubspot,
                salesforce=opened.salesforce,
            )
    else:
        store = StateStore.open(config.database_url)
        try:
            stored = save_setting(store, key, value)
            warning = r10_warning(store)
        finally:
            store.close()
    console = Console()
    console.print_json(json.dumps({key: stored}))
    if warning:
        console.print(f"Warning (R10): {warning}", markup=False)
