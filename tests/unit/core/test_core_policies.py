"""The seed's contact settings: R8, R9, R10, R12, R13, R14."""

from __future__ import annotations

import pytest

from crmsync.core.geography import GeographyMode, PicklistSetup
from crmsync.core.policies import (
    SETTING_KEYS,
    ContactSettings,
    CreateAs,
    InboundAction,
    OutboundAction,
    SalesforcePolicy,
    SettingError,
    apply_setting,
    hubspot_to_salesforce,
    lead_creation_warning,
    salesforce_to_hubspot,
)
from crmsync.errors import ConfigurationError

WITH_LIST = ContactSettings(inclusion_list_id="42")


def test_r8_contact_not_on_inclusion_list_does_not_sync_to_salesforce() -> None:
    decision = hubspot_to_salesforce(
        settings=WITH_LIST, on_inclusion_list=False, linked_object=None
    )
    assert decision.action is OutboundAction.SKIP_NOT_ON_INCLUSION_LIST
    linked = hubspot_to_salesforce(
        settings=WITH_LIST, on_inclusion_list=False, linked_object="Lead"
    )
    assert linked.action is OutboundAction.SKIP_NOT_ON_INCLUSION_LIST


def test_r8_without_inclusion_list_every_contact_is_eligible() -> None:
    decision = hubspot_to_salesforce(
        settings=ContactSettings(), on_inclusion_list=False, linked_object=None
    )
    assert decision.action is OutboundAction.CREATE


def test_r8_contact_on_inclusion_list_syncs() -> None:
    decision = hubspot_to_salesforce(settings=WITH_LIST, on_inclusion_list=True, linked_object=None)
    assert decision.action is OutboundAction.CREATE


@pytest.mark.parametrize("create_as", list(CreateAs))
def test_r9_new_contact_is_created_as_the_chosen_object(create_as: CreateAs) -> None:
    decision = hubspot_to_salesforce(
        settings=ContactSettings(create_as=create_as), on_inclusion_list=True, linked_object=None
    )
    assert (decision.action, decision.salesforce_object) == (OutboundAction.CREATE, create_as.value)


def test_r9_linked_contact_updates_its_linked_record_whatever_the_setting() -> None:
    decision = hubspot_to_salesforce(
        settings=ContactSettings(create_as=CreateAs.CONTACT),
        on_inclusion_list=True,
        linked_object="Lead",
    )
    assert (decision.action, decision.salesforce_object) == (OutboundAction.UPDATE_LINKED, "Lead")


def test_r10_warning_when_creating_leads_with_company_auto_create() -> None:
    settings = ContactSettings(create_as=CreateAs.LEAD)
    warning = lead_creation_warning(settings=settings, auto_create_companies=True)
    assert warning is not None
    assert "duplicate company" in warning
    assert lead_creation_warning(settings=settings, auto_create_companies=False) is None
    contacts = ContactSettings(create_as=CreateAs.CONTACT)
    assert lead_creation_warning(settings=contacts, auto_create_companies=True) is None


def test_r12_record_without_valid_email_is_skipped() -> None:
    action = salesforce_to_hubspot(
        settings=ContactSettings(),
        salesforce_object="Lead",
        email_valid=False,
        linked=True,
        on_inclusion_list=True,
    )
    assert action is InboundAction.SKIP_INVALID_EMAIL


def test_r13_policy_nothing_does_not_create_hubspot_contacts() -> None:
    settings = ContactSettings(salesforce_leads=SalesforcePolicy.NOTHING)
    action = salesforce_to_hubspot(
        settings=settings,
        salesforce_object="Lead",
        email_valid=True,
        linked=False,
        on_inclusion_list=True,
    )
    assert action is InboundAction.SKIP_POLICY_NOTHING


def test_r13_contacts_follow_the_leads_rule_while_same_rule_is_ticked() -> None:
    settings = ContactSettings(salesforce_leads=SalesforcePolicy.NOTHING)
    action = salesforce_to_hubspot(
        settings=settings,
        salesforce_object="Contact",
        email_valid=True,
        linked=False,
        on_inclusion_list=True,
    )
    assert action is InboundAction.SKIP_POLICY_NOTHING


def test_r13_contacts_can_have_their_own_rule() -> None:
    settings = ContactSettings(
        salesforce_leads=SalesforcePolicy.NOTHING,
        salesforce_contacts=SalesforcePolicy.CREATE_OR_UPDATE,
    )
    contact = salesforce_to_hubspot(
        settings=settings,
        salesforce_object="Contact",
        email_valid=True,
        linked=False,
        on_inclusion_list=True,
    )
    lead = salesforce_to_hubspot(
        settings=settings,
        salesforce_object="Lead",
        email_valid=True,
        linked=False,
        on_inclusion_list=True,
    )
    assert contact is InboundAction.CREATE_OR_UPDATE_BY_EMAIL
    assert lead is InboundAction.SKIP_POLICY_NOTHING


def test_r14_creation_bypasses_the_inclusion_list() -> None:
    action = salesforce_to_hubspot(
        settings=WITH_LIST,
        salesforce_object="Lead",
        email_valid=True,
        linked=False,
        on_inclusion_list=False,
    )
    assert action is InboundAction.CREATE_OR_UPDATE_BY_EMAIL


def test_r14_later_updates_follow_the_inclusion_list() -> None:
    action = salesforce_to_hubspot(
        settings=WITH_LIST,
        salesforce_object="Lead",
        email_valid=True,
        linked=True,
        on_inclusion_list=False,
    )
    assert action is InboundAction.SKIP_NOT_ON_INCLUSION_LIST


def test_linked_record_keeps_updating_under_policy_nothing() -> None:
    action = salesforce_to_hubspot(
        settings=ContactSettings(salesforce_leads=SalesforcePolicy.NOTHING),
        salesforce_object="Lead",
        email_valid=True,
        linked=True,
        on_inclusion_list=True,
    )
    assert action is InboundAction.UPDATE_LINKED


# --- apply_setting ---------------------------------------------------------------------


def test_apply_setting_sets_every_key() -> None:
    settings = ContactSettings()
    settings = apply_setting(settings, "contacts.create_as", "lead")
    settings = apply_setting(settings, "contacts.inclusion_list_id", "17")
    settings = apply_setting(settings, "contacts.state_country.picklists", "customized")
    settings = apply_setting(settings, "contacts.state_country.mode", "as_is")
    settings = apply_setting(settings, "contacts.salesforce_leads", "nothing")
    settings = apply_setting(settings, "contacts.salesforce_contacts", "create_or_update")
    assert settings == ContactSettings(
        create_as=CreateAs.LEAD,
        inclusion_list_id="17",
        state_country_picklists=PicklistSetup.CUSTOMIZED,
        state_country_mode=GeographyMode.AS_IS,
        salesforce_leads=SalesforcePolicy.NOTHING,
        salesforce_contacts=SalesforcePolicy.CREATE_OR_UPDATE,
    )
    assert len(SETTING_KEYS) == 6


def test_apply_setting_returns_a_copy() -> None:
    original = ContactSettings()
    changed = apply_setting(original, "contacts.create_as", CreateAs.LEAD)
    assert original.create_as is CreateAs.CONTACT
    assert changed.create_as is CreateAs.LEAD


@pytest.mark.parametrize("value", [None, "", "  "])
def test_apply_setting_clears_the_inclusion_list(value: str | None) -> None:
    settings = apply_setting(WITH_LIST, "contacts.inclusion_list_id", value)
    assert settings.inclusion_list_id is None


@pytest.mark.parametrize("value", [None, "same_as_leads"])
def test_apply_setting_restores_same_rule_for_contacts(value: str | None) -> None:
    settings = ContactSettings(salesforce_contacts=SalesforcePolicy.NOTHING)
    assert (
        apply_setting(settings, "contacts.salesforce_contacts", value).salesforce_contacts is None
    )


def test_apply_setting_refuses_unknown_key_naming_the_known_ones() -> None:
    with pytest.raises(SettingError) as raised:
        apply_setting(ContactSettings(), "contacts.colour", "blue")
    assert isinstance(raised.value, ConfigurationError)
    assert raised.value.key == "contacts.colour"
    assert "contacts.create_as" in str(raised.value)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("contacts.create_as", "account"),
        ("contacts.state_country.picklists", "sometimes"),
        ("contacts.state_country.mode", 3),
        ("contacts.salesforce_leads", None),
        ("contacts.inclusion_list_id", ["42"]),
    ],
)
def test_apply_setting_refuses_bad_values(key: str, value: object) -> None:
    with pytest.raises(SettingError) as raised:
        apply_setting(ContactSettings(), key, value)
    assert raised.value.key == key
