"""``crmsync mappings list|add|remove|set-rule OBJECT ...``: edit one mapping table (R23).

``OBJECT`` is the Salesforce object of the table (``Lead``, ``Contact``, ``Account``). Every edit is
checked against both CRMs' field descriptions and saved through the same path as
``crmsync settings set contacts.mappings.OBJECT=...``; a refused table changes nothing.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from crmsync.config import load_config
from crmsync.core.mapping import FieldMapping, ObjectMapping
from crmsync.core.mapping_edits import (
    MappingEditError,
    add_row,
    parse_rule,
    parse_transform,
    remove_row,
    set_rule,
)
from crmsync.core.sync_rules import SyncRule
from crmsync.store import StateStore

app = typer.Typer(help="Show and edit the property mapping tables (R23).", no_args_is_help=True)

ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="TOML file (default: crmsync.toml if present).")
]
ObjectArgument = Annotated[
    str, typer.Argument(metavar="OBJECT", help="The Salesforce object: Lead, Contact, Account.")
]
PropertyArgument = Annotated[
    str, typer.Argument(metavar="HUBSPOT_PROPERTY", help="The HubSpot property of the row.")
]


def table_key(text: str) -> str:
    """The setting key of the mapping table of Salesforce object ``text`` (any case)."""
    from crmsync.engine.settings import MAPPING_TABLES

    by_object = {default.salesforce_object: key for key, default in MAPPING_TABLES.items()}
    for name, key in by_object.items():
        if name.casefold() == text.strip().casefold():
            return key
    close = difflib.get_close_matches(text, list(by_object), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    raise MappingEditError(
        f"no mapping table for '{text}': use one of {', '.join(by_object)}{hint}"
    )


@app.command("list")
def list_(
    salesforce_object: ObjectArgument,
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows as JSON.")] = False,
    config_path: ConfigOption = None,
) -> None:
    """Print one mapping table."""
    from crmsync.engine.settings import mapping_table, mapping_to_json

    key = table_key(salesforce_object)
    store = StateStore.open(load_config(config_path).database_url)
    try:
        mapping = mapping_table(store, key)
    finally:
        store.close()
    if as_json:
        typer.echo(json.dumps(mapping_to_json(mapping), indent=2, ensure_ascii=False))
        return
    table = Table(title=f"{mapping.hubspot_object} ⇄ {mapping.salesforce_object}")
    for column in ("HubSpot property", "Salesforce field", "Transform"):
        table.add_column(column, overflow="fold")
    # The rule is the column people read and compare: never cut, even at 80 columns.
    widest = max(len(rule.value) for rule in SyncRule)
    table.add_column("Rule", no_wrap=True, min_width=widest)
    for row in mapping.fields:
        cells = (row.hubspot_property, row.salesforce_field, row.transform or "", row.rule.value)
        table.add_row(*(Text(str(cell)) for cell in cells))
    Console().print(table)


@app.command("add")
def add(
    salesforce_object: ObjectArgument,
    hubspot_property: PropertyArgument,
    salesforce_field: Annotated[
        str, typer.Argument(metavar="SALESFORCE_FIELD", help="The Salesforce field.")
    ],
    *,
    rule: Annotated[str, typer.Option("--rule", help="Sync rule.")] = SyncRule.TWO_WAY.value,
    transform: Annotated[
        str | None, typer.Option("--transform", help="Value transform (state, country...).")
    ] = None,
    config_path: ConfigOption = None,
) -> None:
    """Map a HubSpot property to a Salesforce field."""
    row = FieldMapping(
        hubspot_property=hubspot_property.strip(),
        salesforce_field=salesforce_field.strip(),
        rule=parse_rule(rule),
        transform=parse_transform(transform),
    )
    _edit(salesforce_object, config_path, lambda mapping: add_row(mapping, row))


@app.command("remove")
def remove(
    salesforce_object: ObjectArgument,
    hubspot_property: PropertyArgument,
    config_path: ConfigOption = None,
) -> None:
    """Stop mapping a HubSpot property."""
    _edit(salesforce_object, config_path, lambda mapping: remove_row(mapping, hubspot_property))


@app.command("set-rule")
def set_rule_(
    salesforce_object: ObjectArgument,
    hubspot_property: PropertyArgument,
    rule: Annotated[str, typer.Argument(help="two_way, always_salesforce, dont_sync...")],
    config_path: ConfigOption = None,
) -> None:
    """Change how one mapped property syncs."""
    parsed = parse_rule(rule)
    _edit(
        salesforce_object, config_path, lambda mapping: set_rule(mapping, hubspot_property, parsed)
    )


def _edit(
    salesforce_object: str,
    config_path: Path | None,
    change: Callable[[ObjectMapping], ObjectMapping],
) -> None:
    """Apply ``change`` to the stored table, then validate and save it as a whole."""
    from crmsync.engine.settings import mapping_table, mapping_to_json, save_setting
    from crmsync.runtime import connected

    key = table_key(salesforce_object)
    with connected(load_config(config_path)) as opened:
        edited = change(mapping_table(opened.store, key))
        save_setting(
            opened.store,
            key,
            mapping_to_json(edited),
            hubspot=opened.hubspot,
            salesforce=opened.salesforce,
        )
    Console().print(
        f"{edited.hubspot_object} ⇄ {edited.salesforce_object}: {len(edited.fields)} rows saved.",
        markup=False,
    )
