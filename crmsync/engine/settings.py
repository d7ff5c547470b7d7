"""Integration settings kept in the state store (JSON, with history in the audit log).

Keys are core's dotted contact keys (``contacts.create_as``...), the company switches
(``companies.enabled``, ``companies.auto_create_and_associate``), plus one mapping table
per Salesforce object (``contacts.mappings.Lead``, ``contacts.mappings.Contact``,
``companies.mappings.Account``), saved only after
:func:`crmsync.core.mapping.validate_object_mapping` accepts them against both CRMs'
field descriptions (R23: type mismatches are refused when saved).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from crmsync.connectors.base import Connector, OrgSetup, Stages
from crmsync.core.contact_role_labels import (
    CREATE_LABELS_KEY,
    DEFAULT_PRIMARY_LABEL,
    LABELS_KEY,
    PRIMARY_LABEL_KEY,
    ROLE_FIELD,
    RoleLabels,
    check_roles,
    parse_labels,
    parse_primary_label,
)
from crmsync.core.deal_stages import StageTable, table_problems
from crmsync.core.mapping import (
    DEFAULT_ACCOUNT_MAPPING,
    DEFAULT_CONTACT_MAPPING,
    DEFAULT_LEAD_MAPPING,
    DEFAULT_OPPORTUNITY_MAPPING,
    FieldMapping,
    ObjectMapping,
    Transform,
    validate_object_mapping,
)
from crmsync.core.policies import (
    SETTING_KEYS,
    ContactSettings,
    SettingError,
    apply_setting,
    lead_creation_warning,
)
from crmsync.core.sync_rules import SyncRule
from crmsync.store.state import StateStore

MAPPING_PREFIX = "contacts.mappings."
DEFAULT_MAPPINGS: Mapping[str, ObjectMapping] = {
    "Contact": DEFAULT_CONTACT_MAPPING,
    "Lead": DEFAULT_LEAD_MAPPING,
}
MAPPING_TABLES: Mapping[str, ObjectMapping] = {
    "contacts.mappings.Contact": DEFAULT_CONTACT_MAPPING,
    "contacts.mappings.Lead": DEFAULT_LEAD_MAPPING,
    "companies.mappings.Account": DEFAULT_ACCOUNT_MAPPING,
    "deals.mappings.Opportunity": DEFAULT_OPPORTUNITY_MAPPING,
}
"""Every editable mapping table by its setting key, with its default."""

COMPANIES_ENABLED = "companies.enabled"
AUTO_CREATE_COMPANIES = "companies.auto_create_and_associate"
DEALS_ENABLED = "deals.enabled"
DELETE_DEAL_WITH_OPPORTUNITY = "deals.delete_with_opportunity"
DEAL_STAGES = "deals.stages"
LIFECYCLE_FROM_OPPORTUNITIES = "lifecycle.update_from_opportunities"
LIFECYCLE_TO_COMPANY_CONTACTS = "lifecycle.sync_company_stage_to_contacts"
ACTIVITY_TYPE_NAMES = ("emails", "calls", "meetings", "notes", "tasks")
"""HubSpot engagement types that can sync to Salesforce tasks (R24)."""


def activity_switch(name: str) -> str:
    """The on/off setting of one activity type."""
    return f"activities.{name}.enabled"


def activity_inbound_switch(name: str) -> str:
    """The Salesforce → HubSpot setting of one activity type (§1.10)."""
    return f"activities.{name}.from_salesforce"


INBOUND_ACTIVITY_TYPES = ("emails", "calls", "meetings", "tasks")
"""Activity types Salesforce tasks can come back as (not notes)."""

SWITCHES: Mapping[str, bool] = {
    **{activity_switch(name): False for name in ACTIVITY_TYPE_NAMES},
    **{activity_inbound_switch(name): False for name in INBOUND_ACTIVITY_TYPES},
    COMPANIES_ENABLED: False,
    AUTO_CREATE_COMPANIES: False,
    DEALS_ENABLED: False,
    DELETE_DEAL_WITH_OPPORTUNITY: True,
    CREATE_LABELS_KEY: False,
    LIFECYCLE_FROM_OPPORTUNITIES: False,
    LIFECYCLE_TO_COMPANY_CONTACTS: False,
}
"""On/off settings and their defaults. ``companies.auto_create_and_associate`` mirrors
HubSpot's "automatically create and associate companies with contacts" (R10);
``deals.delete_with_opportunity`` deletes a deal when its opportunity is deleted (R22);
``deals.contact_roles.create_labels`` lets crmsync add association labels (R22);
the ``lifecycle.`` switches are R15 and R19; ``activities.<type>.enabled`` are R24."""

_TRUE = {"true", "on", "yes", "1"}
_FALSE = {"false", "off", "no", "0"}


def switch(store: StateStore, key: str) -> bool:
    """An on/off setting (its default when never set)."""
    with store.begin() as tx:
        value = tx.settings().get(key)
    return SWITCHES[key] if value is None else bool(value)


def parse_switch(key: str, value: Any) -> bool:
    """An on/off value as ``crmsync settings set`` reads it; anything else is refused."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise SettingError(key, "expected on or off (true/false)")


def mapping_table(store: StateStore, key: str) -> ObjectMapping:
    """One mapping table (stored, or its default)."""
    with store.begin() as tx:
        rows = tx.settings().get(key)
    default = MAPPING_TABLES[key]
    if rows is None:
        return default
    return mapping_from_json(default.salesforce_object, rows, hubspot_object=default.hubspot_object)


def r10_warning(store: StateStore) -> str | None:
    """The R10 warning when leads are created while HubSpot auto-creates companies."""
    return lead_creation_warning(
        settings=contact_settings(store),
        auto_create_companies=switch(store, AUTO_CREATE_COMPANIES),
    )


def contact_settings(store: StateStore) -> ContactSettings:
    """The stored contact settings over core's defaults."""
    with store.begin() as tx:
        stored = tx.settings()
    settings = ContactSettings()
    for key in SETTING_KEYS:
        if key in stored:
            settings = apply_setting(settings, key, stored[key], checked=False)
    return settings


def contact_mappings(store: StateStore) -> dict[str, ObjectMapping]:
    """The mapping table of each Salesforce object (stored, or core's default)."""
    with store.begin() as tx:
        stored = tx.settings()
    result: dict[str, ObjectMapping] = {}
    for name, default in DEFAULT_MAPPINGS.items():
        rows = stored.get(MAPPING_PREFIX + name)
        result[name] = default if rows is None else mapping_from_json(name, rows)
    return result


def settings_document(store: StateStore) -> dict[str, Any]:
    """Every setting with its effective value, as ``crmsync settings show`` prints it."""
    settings = contact_settings(store)
    document: dict[str, Any] = {
        "contacts.create_as": settings.create_as.value,
        "contacts.inclusion_list_id": settings.inclusion_list_id,
        "contacts.state_country.picklists": settings.state_country_picklists.value,
        "contacts.state_country.mode": settings.state_country_mode.value,
        "contacts.salesforce_leads": settings.salesforce_leads.value,
        "contacts.salesforce_contacts": (
            None if settings.salesforce_contacts is None else settings.salesforce_contacts.value
        ),
    }
    for key in SWITCHES:
        document[key] = switch(store, key)
    for key in MAPPING_TABLES:
        document[key] = mapping_to_json(mapping_table(store, key))
    table = stage_table(store)
    document[DEAL_STAGES] = None if table is None else table.to_json()
    labels = role_labels(store)
    document[LABELS_KEY] = dict(labels.labels)
    document[PRIMARY_LABEL_KEY] = labels.primary_label
    return document


def role_labels(store: StateStore) -> RoleLabels:
    """How deal ⇄ contact association labels read as contact roles (R22)."""
    with store.begin() as tx:
        saved = tx.settings()
    primary = saved.get(PRIMARY_LABEL_KEY, DEFAULT_PRIMARY_LABEL)
    return RoleLabels(
        labels=dict(saved.get(LABELS_KEY) or {}),
        primary_label=parse_primary_label(primary),
        create_labels=switch(store, CREATE_LABELS_KEY),
    )


def stage_table(store: StateStore) -> StageTable | None:
    """The saved deal stage table (``None``: generated on the first deal sync)."""
    with store.begin() as tx:
        rows = tx.settings().get(DEAL_STAGES)
    if rows is None:
        return None
    try:
        return StageTable.from_json(rows)
    except ValueError as error:
        raise SettingError(DEAL_STAGES, str(error)) from error


def save_stage_table(store: StateStore, table: StageTable) -> None:
    """Store a stage table without checks (the generated default)."""
    with store.begin() as tx:
        tx.set_setting(DEAL_STAGES, table.to_json())


def save_setting(
    store: StateStore,
    key: str,
    value: Any,
    *,
    hubspot: Connector | None = None,
    salesforce: Connector | None = None,
) -> Any:
    """Validate and store one setting; returns the value as stored.

    A mapping table (JSON text or a list of rows) needs both connectors to check field
    types on both sides; it is refused with
    :class:`~crmsync.core.mapping.MappingValidationError` listing every problem.
    """
    stored: Any
    if key == LABELS_KEY:
        stored = parse_labels(value)
        if salesforce is None:
            raise SettingError(key, "checking Role values needs Salesforce connected")
        role = salesforce.describe("OpportunityContactRole").get(ROLE_FIELD)
        check_roles(stored, role.picklist_values if role is not None else ())
    elif key == PRIMARY_LABEL_KEY:
        stored = parse_primary_label(value) or ""
    elif key == DEAL_STAGES:
        stored = _checked_stage_table(key, value, hubspot=hubspot, salesforce=salesforce)
    elif ".mappings." in key:
        default = MAPPING_TABLES.get(key)
        if default is None:
            raise SettingError(key, f"no mapping table; known: {', '.join(MAPPING_TABLES)}")
        name = default.salesforce_object
        try:
            rows = json.loads(value) if isinstance(value, str) else value
        except ValueError as error:
            raise SettingError(key, f"the table is not valid JSON: {error}") from None
        mapping = mapping_from_json(name, rows, hubspot_object=default.hubspot_object)
        if hubspot is None or salesforce is None:
            raise SettingError(key, "checking a mapping needs both CRMs connected")
        validate_object_mapping(
            mapping,
            hubspot_fields=hubspot.describe(mapping.hubspot_object),
            salesforce_fields=salesforce.describe(name),
        )
        stored = mapping_to_json(mapping)
    elif key in SWITCHES:
        stored = parse_switch(key, value)
    else:
        updated = apply_setting(contact_settings(store), key, value)
        field_value = getattr(updated, _attribute(key))
        stored = field_value.value if isinstance(field_value, StrEnum) else field_value
        if key == "contacts.inclusion_list_id" and stored is not None:
            _require_list(key, stored, hubspot)
    with store.begin() as tx:
        tx.set_setting(key, stored)
    return stored


def _checked_stage_table(
    key: str, value: Any, *, hubspot: Connector | None, salesforce: Connector | None
) -> list[dict[str, str]]:
    """A stage table both CRMs agree with (stages exist, closed won/lost consistent)."""
    try:
        table = StageTable.from_json(json.loads(value) if isinstance(value, str) else value)
    except ValueError as error:
        raise SettingError(key, str(error)) from error
    if not isinstance(hubspot, Stages) or not isinstance(salesforce, Stages):
        raise SettingError(key, "checking the stage table needs both CRMs connected")
    record_types = salesforce.opportunity_record_types() if isinstance(salesforce, OrgSetup) else ()
    problems = table_problems(
        table,
        hubspot=hubspot.deal_stages(),
        salesforce=salesforce.deal_stages(),
        record_types=record_types,
    )
    if problems:
        raise SettingError(key, "; ".join(problems))
    return table.to_json()


@runtime_checkable
class ListLookup(Protocol):
    """A HubSpot connector that can look a list up by id (R8)."""

    def list_name(self, list_id: str) -> str | None:
        """The list's name, or ``None`` when there is no such list."""
        ...


def _require_list(key: str, list_id: str, hubspot: Connector | None) -> None:
    """Refuse an inclusion list the HubSpot portal does not have (checked when saved).

    Without a HubSpot connector (a caller with no CRM at hand) only the id's form is
    checked; ``crmsync settings set`` always passes one.
    """
    if not isinstance(hubspot, ListLookup):
        return
    if hubspot.list_name(list_id) is None:
        raise SettingError(
            key, f"HubSpot has no list {list_id}: give the id in the list's URL in HubSpot"
        )


def _attribute(key: str) -> str:
    return {
        "contacts.create_as": "create_as",
        "contacts.inclusion_list_id": "inclusion_list_id",
        "contacts.state_country.picklists": "state_country_picklists",
        "contacts.state_country.mode": "state_country_mode",
        "contacts.salesforce_leads": "salesforce_leads",
        "contacts.salesforce_contacts": "salesforce_contacts",
    }[key]


def mapping_to_json(mapping: ObjectMapping) -> list[dict[str, Any]]:
    """A mapping table as JSON rows."""
    return [
        {
            "hubspot_property": row.hubspot_property,
            "salesforce_field": row.salesforce_field,
            "rule": row.rule.value,
            "transform": None if row.transform is None else row.transform.value,
            "value_map": [list(pair) for pair in row.value_map],
            "salesforce_code_field": row.salesforce_code_field,
        }
        for row in mapping.fields
    ]


def mapping_from_json(
    salesforce_object: str, rows: Any, *, hubspot_object: str = "contacts"
) -> ObjectMapping:
    """A mapping table from JSON rows (unknown rules or transforms are refused)."""
    key = f"{hubspot_object}.mappings.{salesforce_object}"
    if not isinstance(rows, list):
        raise SettingError(key, "expected a list of mapping rows")
    fields: list[FieldMapping] = []
    for row in rows:
        if not isinstance(row, dict):
            raise SettingError(key, "each mapping row is an object")
        try:
            fields.append(
                FieldMapping(
                    hubspot_property=str(row["hubspot_property"]),
                    salesforce_field=str(row["salesforce_field"]),
                    rule=SyncRule(row.get("rule", SyncRule.TWO_WAY.value)),
                    transform=Transform(row["transform"]) if row.get("transform") else None,
                    value_map=tuple(
                        (str(pair[0]), str(pair[1])) for pair in row.get("value_map") or ()
                    ),
                    salesforce_code_field=row.get("salesforce_code_field"),
                )
            )
        except (KeyError, ValueError, IndexError) as error:
            raise SettingError(key, f"bad mapping row {row!r}: {error}") from error
    return ObjectMapping(
        hubspot_object=hubspot_object, salesforce_object=salesforce_object, fields=tuple(fields)
    )
