"""Edits of one mapping table, as pure functions (``crmsync mappings add|remove|set-rule``).

Each returns a new :class:`~crmsync.core.mapping.ObjectMapping` or raises
:class:`MappingEditError` naming what to fix; the edited table is then validated and
saved like any other (R23).
"""

from __future__ import annotations

import difflib
from dataclasses import replace

from crmsync.core.mapping import FieldMapping, ObjectMapping, Transform
from crmsync.core.sync_rules import SyncRule
from crmsync.errors import ConfigurationError


class MappingEditError(ConfigurationError):
    """An edit names a row that is not there (or is there already)."""


def add_row(mapping: ObjectMapping, row: FieldMapping) -> ObjectMapping:
    """The table with ``row`` appended; a HubSpot property is mapped at most once."""
    if mapping.by_hubspot_property(row.hubspot_property) is not None:
        raise MappingEditError(
            f"'{row.hubspot_property}' is already mapped on {mapping.salesforce_object}: "
            "use `crmsync mappings set-rule` or remove it first"
        )
    return replace(mapping, fields=(*mapping.fields, row))


def remove_row(mapping: ObjectMapping, hubspot_property: str) -> ObjectMapping:
    """The table without the row of ``hubspot_property``."""
    _require_row(mapping, hubspot_property)
    kept = tuple(row for row in mapping.fields if row.hubspot_property != hubspot_property)
    return replace(mapping, fields=kept)


def set_rule(mapping: ObjectMapping, hubspot_property: str, rule: SyncRule) -> ObjectMapping:
    """The table with the row of ``hubspot_property`` syncing under ``rule``."""
    _require_row(mapping, hubspot_property)
    rows = tuple(
        replace(row, rule=rule) if row.hubspot_property == hubspot_property else row
        for row in mapping.fields
    )
    return replace(mapping, fields=rows)


def parse_rule(text: str) -> SyncRule:
    """A sync rule from its name (``two_way``, ``always-salesforce``...), any case."""
    wanted = text.strip().casefold().replace("-", "_")
    for rule in SyncRule:
        if rule.value == wanted:
            return rule
    raise MappingEditError(
        f"unknown rule '{text}': use one of {', '.join(rule.value for rule in SyncRule)}"
    )


def parse_transform(text: str | None) -> Transform | None:
    """A value transform from its name, or ``None``."""
    if text is None or not text.strip():
        return None
    wanted = text.strip().casefold().replace("-", "_")
    for transform in Transform:
        if transform.value == wanted:
            return transform
    names = ", ".join(transform.value for transform in Transform)
    raise MappingEditError(f"unknown transform '{text}': use one of {names}")


def _require_row(mapping: ObjectMapping, hubspot_property: str) -> None:
    if mapping.by_hubspot_property(hubspot_property) is not None:
        return
    mapped = mapping.hubspot_properties()
    close = difflib.get_close_matches(hubspot_property, mapped, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else f"; mapped: {', '.join(mapped)}"
    raise MappingEditError(
        f"'{hubspot_property}' is not mapped on {mapping.salesforce_object}{hint}"
    )
