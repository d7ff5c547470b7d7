"""The seed's contact settings and the decisions they make (R8-R10, R13, R14).

:class:`ContactSettings` holds the settings under their dotted keys
(:data:`SETTING_KEYS`); :func:`apply_setting` returns a changed copy or raises
:class:`SettingError`. The decisions are pure functions of the settings and facts the
engine already knows (is the contact on the inclusion list, is it linked, is the
Salesforce record new, is its email valid):

- :func:`hubspot_to_salesforce` — may a HubSpot contact go to Salesforce, as what (R8, R9).
- :func:`salesforce_to_hubspot` — what a Salesforce lead/contact does in HubSpot
  (R12, R13, R14, and R8 for updates).
- :func:`lead_creation_warning` — the R10 warning text, or ``None``.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from crmsync.core.geography import GeographyMode, PicklistSetup
from crmsync.errors import ConfigurationError


class CreateAs(StrEnum):
    """What a new HubSpot contact becomes in Salesforce (R9)."""

    LEAD = "Lead"
    CONTACT = "Contact"


class SalesforcePolicy(StrEnum):
    """What a created or updated Salesforce lead/contact does in HubSpot (R13)."""

    NOTHING = "nothing"
    CREATE_OR_UPDATE = "create_or_update"


@dataclass(frozen=True, kw_only=True)
class ContactSettings:
    """The contact settings of one integration.

    ``salesforce_contacts`` is ``None`` while "same rule for contacts" is ticked: the
    leads' policy then applies to contacts too.
    """

    create_as: CreateAs = CreateAs.CONTACT
    inclusion_list_id: str | None = None
    state_country_picklists: PicklistSetup = PicklistSetup.DISABLED
    state_country_mode: GeographyMode = GeographyMode.MATCH_SALESFORCE
    salesforce_leads: SalesforcePolicy = SalesforcePolicy.CREATE_OR_UPDATE
    salesforce_contacts: SalesforcePolicy | None = None

    def policy_for(self, salesforce_object: str) -> SalesforcePolicy:
        """The R13 policy for ``Lead`` or ``Contact`` records."""
        if salesforce_object == "Contact" and self.salesforce_contacts is not None:
            return self.salesforce_contacts
        return self.salesforce_leads


class SettingError(ConfigurationError):
    """A setting key is unknown or its value is not allowed."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(f"{key}: {message}")


SAME_AS_LEADS = "same_as_leads"
"""The value of ``contacts.salesforce_contacts`` meaning "same rule for contacts"."""

_FIELDS: dict[str, str] = {
    "contacts.create_as": "create_as",
    "contacts.inclusion_list_id": "inclusion_list_id",
    "contacts.state_country.picklists": "state_country_picklists",
    "contacts.state_country.mode": "state_country_mode",
    "contacts.salesforce_leads": "salesforce_leads",
    "contacts.salesforce_contacts": "salesforce_contacts",
}

SETTING_KEYS: tuple[str, ...] = tuple(_FIELDS)
"""Every dotted key :func:`apply_setting` accepts."""

_ENUMS: dict[str, type[StrEnum]] = {
    "contacts.create_as": CreateAs,
    "contacts.state_country.picklists": PicklistSetup,
    "contacts.state_country.mode": GeographyMode,
    "contacts.salesforce_leads": SalesforcePolicy,
    "contacts.salesforce_contacts": SalesforcePolicy,
}


def apply_setting(
    settings: ContactSettings, key: str, value: object, *, checked: bool = True
) -> ContactSettings:
    """A copy of ``settings`` with ``key`` set to ``value`` (text or the enum member).

    ``contacts.inclusion_list_id`` takes a list id, or ``None``/``""`` for no list.
    ``contacts.salesforce_contacts`` takes a policy, or ``None``/``"same_as_leads"``.
    ``contacts.create_as`` accepts ``lead``/``contact`` in any case.
    """
    if key not in _FIELDS:
        raise SettingError(key, unknown_key_message(key, SETTING_KEYS))
    # Each value was parsed into the field's own type above.
    changes: dict[str, Any] = {_FIELDS[key]: _parse(key, value, checked=checked)}
    return replace(settings, **changes)


def unknown_key_message(key: str, known: tuple[str, ...]) -> str:
    """ "unknown setting" with the closest known key, or the known keys when none is close."""
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if close:
        return f"unknown setting; did you mean '{close[0]}'?"
    return f"unknown setting; known settings: {', '.join(known)}"


LIST_ID = re.compile(r"[0-9]{1,18}")
"""A HubSpot list id: the digits in the list's URL (an int64, so at most 18 digits here)."""


def _parse(key: str, value: object, *, checked: bool = True) -> object:
    if key == "contacts.inclusion_list_id":
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, str | int) and not isinstance(value, bool):
            text = str(value).strip()
            # A value stored before ids were checked is read as it is; saving checks it.
            if not checked or (LIST_ID.fullmatch(text) and int(text) > 0):
                return text
        raise SettingError(
            key,
            f"{_shown(value)} is not a HubSpot list id: give the number in the list's URL "
            "(1 to 18 digits), or nothing for no list",
        )
    if key == "contacts.salesforce_contacts" and value in (None, SAME_AS_LEADS):
        return None
    enum = _ENUMS[key]
    if isinstance(value, enum):
        return value
    if isinstance(value, str):
        for member in enum:
            if value.strip().casefold() == member.value.casefold():
                return member
    allowed = [member.value for member in enum]
    if key == "contacts.salesforce_contacts":
        allowed.append(SAME_AS_LEADS)
    raise SettingError(key, f"{_shown(value)} is not one of {', '.join(allowed)}")


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# --- HubSpot → Salesforce --------------------------------------------------------------


class OutboundAction(StrEnum):
    """What happens to a HubSpot contact on its way to Salesforce."""

    SKIP_NOT_ON_INCLUSION_LIST = "skip_not_on_inclusion_list"
    UPDATE_LINKED = "update_linked"
    CREATE = "create"


@dataclass(frozen=True, kw_only=True)
class OutboundDecision:
    """:func:`hubspot_to_salesforce`'s answer: the action and the Salesforce object."""

    action: OutboundAction
    salesforce_object: str | None


def hubspot_to_salesforce(
    *, settings: ContactSettings, on_inclusion_list: bool, linked_object: str | None
) -> OutboundDecision:
    """Whether and how a HubSpot contact syncs to Salesforce.

    R8: with an inclusion list set, a contact not on it does not sync (no list: every
    contact is eligible). R9: a linked contact updates its linked record (``Lead`` or
    ``Contact``, passed as ``linked_object``) whatever ``create_as`` says; an unlinked
    one is created as ``create_as``.
    """
    if settings.inclusion_list_id is not None and not on_inclusion_list:
        return OutboundDecision(
            action=OutboundAction.SKIP_NOT_ON_INCLUSION_LIST, salesforce_object=None
        )
    if linked_object is not None:
        return OutboundDecision(
            action=OutboundAction.UPDATE_LINKED, salesforce_object=linked_object
        )
    return OutboundDecision(
        action=OutboundAction.CREATE, salesforce_object=settings.create_as.value
    )


# --- Salesforce → HubSpot --------------------------------------------------------------


class InboundAction(StrEnum):
    """What a Salesforce lead/contact does in HubSpot."""

    SKIP_INVALID_EMAIL = "skip_invalid_email"
    SKIP_POLICY_NOTHING = "skip_policy_nothing"
    SKIP_NOT_ON_INCLUSION_LIST = "skip_not_on_inclusion_list"
    UPDATE_LINKED = "update_linked"
    CREATE_OR_UPDATE_BY_EMAIL = "create_or_update_by_email"


def salesforce_to_hubspot(
    *,
    settings: ContactSettings,
    salesforce_object: str,
    email_valid: bool,
    linked: bool,
    on_inclusion_list: bool,
) -> InboundAction:
    """What a created or updated Salesforce ``Lead``/``Contact`` does in HubSpot.

    - R12: without a valid email it is skipped (the engine records the reason).
    - Linked records keep syncing per the mapping rules, except that with an inclusion
      list set, a linked contact that is not on it is not updated (R8, R14: "later
      updates follow R8").
    - Unlinked records follow the R13 policy for their object: ``nothing`` skips,
      ``create_or_update`` creates the HubSpot contact or updates the one with that
      email, even when it is not on the inclusion list (R14).
    """
    if not email_valid:
        return InboundAction.SKIP_INVALID_EMAIL
    if linked:
        if settings.inclusion_list_id is not None and not on_inclusion_list:
            return InboundAction.SKIP_NOT_ON_INCLUSION_LIST
        return InboundAction.UPDATE_LINKED
    if settings.policy_for(salesforce_object) is SalesforcePolicy.NOTHING:
        return InboundAction.SKIP_POLICY_NOTHING
    return InboundAction.CREATE_OR_UPDATE_BY_EMAIL


LEAD_CREATION_WARNING = (
    "New HubSpot contacts are created as Salesforce leads while HubSpot automatically "
    "creates and associates companies with contacts. Leads have no account, and companies "
    "are deduplicated through their associated contacts, not their domains: when a lead is "
    "converted or its account is created by hand, a duplicate company appears in HubSpot. "
    "Create contacts instead, or turn off automatic company creation."
)


def lead_creation_warning(*, settings: ContactSettings, auto_create_companies: bool) -> str | None:
    """The R10 warning for the settings page, or ``None`` when it does not apply."""
    if settings.create_as is CreateAs.LEAD and auto_create_companies:
        return LEAD_CREATION_WARNING
    return None
