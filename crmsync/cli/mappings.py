"""``crmsync mappings list|add|remove|set-rule OBJECT ...`` (R23)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Show and edit the property mapping tables (R23).", no_args_is_help=True)
