"""Object tabs read from the settings document, so new object pairs appear on their own.

An object is any ``<object>.enabled`` or ``<object>.mappings.<SalesforceObject>`` key of
:func:`crmsync.engine.settings.settings_document` (contacts, companies, deals, and
activities through ``activities.<type>.enabled``); its switches are listed in
:mod:`crmsync.web.switches`. Mapping rows are edited and saved through
:func:`crmsync.engine.settings.save_setting`, the same validation as
``crmsync settings set`` (R23).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crmsync.core.sync_rules import SyncRule
from crmsync.engine.settings import DEAL_STAGES, settings_document
from crmsync.health.explain import RULE_WORDS
from crmsync.store import StateStore
from crmsync.web.switches import SwitchState, grouped, states, switch_fields

RULE_CHOICES: tuple[tuple[str, str], ...] = tuple(
    (rule.value, RULE_WORDS[rule]) for rule in SyncRule
)
ALWAYS_ON = frozenset({"contacts"})
"""Objects that sync whenever the integration is on (R20) unless a setting says otherwise."""


@dataclass(frozen=True, kw_only=True)
class ObjectTab:
    """One object's tab: its switches, its mapping tables, and for deals the stage table."""

    name: str
    switches: tuple[SwitchState, ...]
    """Sync on or off and the object's other on/off settings (none: it always syncs)."""
    tables: dict[str, list[dict[str, Any]]]
    """Mapping rows by Salesforce object, as the settings document holds them."""
    stages: list[dict[str, str]] | None = None
    """The deal stage table's rows (``deals.stages``), or None when not generated yet."""

    @property
    def switch_groups(self) -> list[tuple[str, list[SwitchState]]]:
        """The switches by group (one fieldset each when there are several)."""
        return grouped(self.switches)

    @property
    def always_on(self) -> bool:
        """Whether the object syncs whenever the integration is on (no switch of its own)."""
        return not self.switches and self.name in ALWAYS_ON


def object_names(store: StateStore) -> list[str]:
    """Every object with settings, contacts first."""
    return names_in(settings_document(store))


def names_in(document: Mapping[str, Any]) -> list[str]:
    """The objects named by the keys of a settings document."""
    found = {
        key.split(".", 1)[0] for key in document if ".mappings." in key or key.endswith(".enabled")
    }
    return sorted(found, key=lambda name: (name != "contacts", name))


def object_tab(store: StateStore, name: str) -> ObjectTab | None:
    """The tab of ``name``, or None when no setting names it."""
    document = settings_document(store)
    if name not in names_in(document):
        return None
    prefix = f"{name}.mappings."
    tables = {
        key.removeprefix(prefix): list(value)
        for key, value in sorted(document.items())
        if key.startswith(prefix) and isinstance(value, list)
    }
    stages = document.get(DEAL_STAGES) if name == "deals" else None
    return ObjectTab(
        name=name,
        switches=states(store, switch_fields(name, list(document))),
        tables=tables,
        stages=list(stages) if isinstance(stages, list) else None,
    )


def rows_from_form(form: Mapping[str, str], current: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The mapping table as the editor posted it.

    Rows are ``row-<n>-hubspot``/``-salesforce``/``-rule`` for n = 0, 1, ...;
    ``row-<n>-origin`` names the stored row it was shown from (its transform and value
    map are kept), empty for a row added earlier in an edit that was refused.
    ``remove-<n>`` drops a row; ``new-hubspot``/``new-salesforce``/``new-rule`` add one.
    """
    rows: list[dict[str, Any]] = []
    index = 0
    while f"row-{index}-hubspot" in form:
        prefix = f"row-{index}-"
        origin = form.get(f"{prefix}origin", "")
        base = (
            current[int(origin)]
            if origin.isascii() and origin.isdigit() and int(origin) < len(current)
            else _blank_row()
        )
        if not form.get(f"remove-{index}"):
            row = dict(base)
            row["hubspot_property"] = form[f"{prefix}hubspot"].strip()
            row["salesforce_field"] = form.get(f"{prefix}salesforce", "").strip()
            row["rule"] = form.get(f"{prefix}rule", base.get("rule", SyncRule.TWO_WAY.value))
            row[ORIGIN] = origin
            rows.append(row)
        index += 1
    new_hubspot = form.get("new-hubspot", "").strip()
    new_salesforce = form.get("new-salesforce", "").strip()
    if new_hubspot or new_salesforce:
        rows.append(
            {
                **_blank_row(),
                "hubspot_property": new_hubspot,
                "salesforce_field": new_salesforce,
                "rule": form.get("new-rule", SyncRule.TWO_WAY.value),
                ORIGIN: "",
            }
        )
    return rows


ORIGIN = "origin"
"""The editor's own key on a posted row: the stored row it came from (not saved)."""


def without_origin(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows as the settings store keeps them."""
    return [{key: value for key, value in row.items() if key != ORIGIN} for row in rows]


def _blank_row() -> dict[str, Any]:
    return {
        "hubspot_property": "",
        "salesforce_field": "",
        "rule": SyncRule.TWO_WAY.value,
        "transform": None,
        "value_map": [],
        "salesforce_code_field": None,
    }
