"""The on/off settings the pages show, as data: each key with its words (R15-R24).

A page lists the :class:`SwitchField` rows of its tab; a form posts each ticked box as
``on`` under the setting's own key, and a box left empty means off (HTML sends
nothing for it). Every value goes through
:func:`crmsync.engine.settings.parse_switch`, the check ``crmsync settings set``
applies, before any of the form is saved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from crmsync.core.policies import SettingError
from crmsync.engine.settings import (
    ACTIVITY_TYPE_NAMES,
    COMPANIES_ENABLED,
    DEALS_ENABLED,
    DELETE_DEAL_WITH_OPPORTUNITY,
    INBOUND_ACTIVITY_TYPES,
    LIFECYCLE_FROM_OPPORTUNITIES,
    LIFECYCLE_TO_COMPANY_CONTACTS,
    activity_inbound_switch,
    activity_switch,
    parse_switch,
    save_setting,
    switch,
)
from crmsync.store import StateStore


@dataclass(frozen=True, kw_only=True)
class SwitchField:
    """One checkbox: the setting it saves, its label, what it does, and its group."""

    key: str
    label: str
    hint: str
    group: str = "Sync"


@dataclass(frozen=True, kw_only=True)
class SwitchState:
    """A :class:`SwitchField` with its stored value, for a page."""

    field: SwitchField
    on: bool

    @property
    def element_id(self) -> str:
        """The checkbox's HTML id (the key with dashes)."""
        return "switch-" + self.field.key.replace(".", "-")


LIFECYCLE_SWITCHES: tuple[SwitchField, ...] = (
    SwitchField(
        key=LIFECYCLE_FROM_OPPORTUNITIES,
        label="Update lifecycle stages from opportunities",
        hint=(
            "A synced Salesforce contact with a contact role on an open opportunity moves its "
            "HubSpot contact to Opportunity; a role on a Closed Won opportunity moves it to "
            "Customer, even when the role is added after the win (R15)."
        ),
        group="Lifecycle stage",
    ),
    SwitchField(
        key=LIFECYCLE_TO_COMPANY_CONTACTS,
        label="Move the company's other contacts too",
        hint=(
            "When a contact moves because of an opportunity, its company moves with it and "
            "every other contact of that company follows, forward only (R19). Applies only "
            "while the box above is ticked."
        ),
        group="Lifecycle stage",
    ),
)
"""The lifecycle settings on the Salesforce → HubSpot tab."""

LIFECYCLE_RULES: tuple[str, ...] = (
    "Stages only move forward: a Customer stays a Customer, and a contact at a later stage "
    "(such as Evangelist) keeps it (R16).",
    "It works one way only: a lifecycle stage changed in HubSpot never changes anything in "
    "Salesforce, and a mapping that would write lifecyclestage to Salesforce is refused "
    "when it is saved (R17).",
    "Only opportunity contact roles count: an account's opportunities without a role, "
    "custom relationships and leads do not move anyone (R18).",
    "Every move is in the audit log with the opportunity that caused it.",
)
"""The plain-language rules shown under the lifecycle settings (R16-R18)."""

OBJECT_SWITCHES: Mapping[str, tuple[SwitchField, ...]] = {
    "companies": (
        SwitchField(
            key=COMPANIES_ENABLED,
            label="Sync companies",
            hint="HubSpot companies sync with Salesforce accounts, both ways (R21).",
        ),
    ),
    "deals": (
        SwitchField(
            key=DEALS_ENABLED,
            label="Sync deals",
            hint=(
                "HubSpot deals sync with Salesforce opportunities, both ways, through the "
                "stage table below (R22)."
            ),
        ),
        SwitchField(
            key=DELETE_DEAL_WITH_OPPORTUNITY,
            label="Deleting an opportunity deletes its deal",
            hint=(
                "Deleting a deal in HubSpot never deletes its opportunity, as in HubSpot's "
                "own integration (R22)."
            ),
        ),
    ),
    "activities": (
        *(
            SwitchField(
                key=activity_switch(name),
                label=f"HubSpot {name} become Salesforce tasks",
                hint="" if index else "On a synced contact; each activity makes one task (R24).",
                group="HubSpot → Salesforce",
            )
            for index, name in enumerate(ACTIVITY_TYPE_NAMES)
        ),
        *(
            SwitchField(
                key=activity_inbound_switch(name),
                label=f"Salesforce {name} become HubSpot {name}",
                hint=(
                    ""
                    if index
                    else "Salesforce tasks come back by their type, associated with the linked "
                    "contact; only for a type that also syncs to Salesforce (above)."
                ),
                group="Salesforce → HubSpot",
            )
            for index, name in enumerate(INBOUND_ACTIVITY_TYPES)
        ),
    ),
}
"""Each object tab's switches; an object not listed shows ``<object>.enabled``."""


def switch_fields(name: str, document_keys: Sequence[str]) -> tuple[SwitchField, ...]:
    """The switches of object ``name``'s tab (none: it always syncs)."""
    if name in OBJECT_SWITCHES:
        return OBJECT_SWITCHES[name]
    key = f"{name}.enabled"
    if key in document_keys:
        return (SwitchField(key=key, label=f"Sync {name}", hint=""),)
    return ()


def states(store: StateStore, fields: Sequence[SwitchField]) -> tuple[SwitchState, ...]:
    """Each switch with its stored value."""
    return tuple(SwitchState(field=field, on=switch(store, field.key)) for field in fields)


def grouped(
    switches: Sequence[SwitchState],
) -> list[tuple[str, list[SwitchState]]]:
    """The switches by group, groups in the order they first appear."""
    groups: dict[str, list[SwitchState]] = {}
    for state in switches:
        groups.setdefault(state.field.group, []).append(state)
    return list(groups.items())


def posted(
    form: Mapping[str, str], fields: Sequence[SwitchField]
) -> tuple[dict[str, bool], dict[str, str]]:
    """The values a form sets for ``fields`` and the refusals by key.

    A missing box is off; a present one must read as on or off.
    """
    values: dict[str, bool] = {}
    errors: dict[str, str] = {}
    for field in fields:
        try:
            values[field.key] = parse_switch(field.key, form.get(field.key, "off"))
        except SettingError as error:
            errors[field.key] = str(error).removeprefix(f"{field.key}: ")
    return values, errors


def save_switches(store: StateStore, values: Mapping[str, bool]) -> None:
    """Store checked values, as ``crmsync settings set`` does."""
    for key, value in values.items():
        save_setting(store, key, value)
