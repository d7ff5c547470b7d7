"""How it works: what syncs each way under the current settings, in plain language (R7)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from crmsync.core.geography import GeographyMode, PicklistSetup
from crmsync.core.mapping import ObjectMapping, Transform
from crmsync.core.policies import ContactSettings, CreateAs, SalesforcePolicy
from crmsync.core.sync_rules import SyncRule
from crmsync.store.state import StateStore

RULE_WORDS: Mapping[SyncRule, str] = {
    SyncRule.PREFER_SALESFORCE_UNLESS_BLANK: "Salesforce's value wins unless it is blank",
    SyncRule.ALWAYS_SALESFORCE: "Salesforce's value always wins",
    SyncRule.TWO_WAY: "the most recent change on either side wins",
    SyncRule.DONT_SYNC: "not synced",
    SyncRule.PREFER_HUBSPOT_UNLESS_BLANK: "HubSpot's value wins unless it is blank",
    SyncRule.ALWAYS_HUBSPOT: "HubSpot's value always wins",
}


@dataclass(frozen=True, kw_only=True)
class Section:
    """One heading of the page and its sentences."""

    title: str
    lines: tuple[str, ...]


def explain_store(store: StateStore, *, allocation: int | None) -> list[Section]:
    """The "how it works" page for the stored settings (every enabled object)."""
    from crmsync.engine.settings import (
        COMPANIES_ENABLED,
        contact_mappings,
        contact_settings,
        mapping_table,
        r10_warning,
        switch,
    )

    mappings: dict[str, ObjectMapping] = dict(contact_mappings(store))
    companies = switch(store, COMPANIES_ENABLED)
    if companies:
        mappings["Account"] = mapping_table(store, "companies.mappings.Account")
    from crmsync.health.explain_objects import object_sections

    return explain(
        contact_settings(store),
        mappings,
        allocation=allocation,
        companies=companies,
        warning=r10_warning(store),
        objects=object_sections(store),
    )


def explain(
    settings: ContactSettings,
    mappings: Mapping[str, ObjectMapping],
    *,
    allocation: int | None,
    companies: bool = False,
    warning: str | None = None,
    objects: Sequence[Section] = (),
) -> list[Section]:
    """The "how it works" page for ``settings`` (R7); ``objects`` are the sections of
    deals, lifecycle stages and activities."""
    return [
        Section(title="HubSpot to Salesforce", lines=_to_salesforce(settings)),
        Section(title="Salesforce to HubSpot", lines=_to_hubspot(settings)),
        Section(title="Companies and accounts", lines=_company_lines(companies, warning)),
        *objects,
        *(
            Section(
                title=f"Fields of a Salesforce {name}",
                lines=tuple(
                    f"{row.hubspot_property} ⇄ {row.salesforce_field}: {RULE_WORDS[row.rule]}."
                    for row in mapping.fields
                ),
            )
            for name, mapping in sorted(mappings.items())
        ),
        Section(title="Owners", lines=_owner_lines(mappings)),
        Section(title="Errors", lines=ERROR_LINES),
        Section(title="API calls", lines=(_allocation_line(allocation),)),
    ]


def _company_lines(enabled: bool, warning: str | None) -> tuple[str, ...]:
    lines: list[str] = []
    if not enabled:
        lines.append("Companies do not sync (turn on with companies.enabled).")
    else:
        lines += [
            "HubSpot companies sync with Salesforce accounts, both ways (R21).",
            "A company is matched to an account through the contacts linked to both, "
            "never by its domain.",
            "A new account creates a company. A company creates an account only when one "
            "of its contacts syncs to a Salesforce contact (not a lead) without an account.",
            "A contact's primary company and its account (AccountId) follow each other. "
            "Leads have no account; a converted lead's new account joins the company its "
            "person already has.",
        ]
    if warning:
        lines.append(f"Warning (R10): {warning}")
    return tuple(lines)


ERROR_LINES: tuple[str, ...] = (
    "A record that fails to sync is listed with the CRM's own error and a hint; the others go on.",
    "It is retried on its own after 1 minute, then after twice as long each time up to "
    "4 hours, ten times; after that it waits for you to retry it.",
    "It clears itself once a later sync of the record succeeds.",
)


def _owner_lines(mappings: Mapping[str, ObjectMapping]) -> tuple[str, ...]:
    synced = any(
        row.transform is Transform.OWNER_BY_EMAIL and row.rule is not SyncRule.DONT_SYNC
        for mapping in mappings.values()
        for row in mapping.fields
    )
    if not synced:
        return ("Owners are not synced.",)
    return (
        "Owners are matched by email: a HubSpot owner becomes the active Salesforce user "
        "with the same email, and back.",
        "A HubSpot owner with no such Salesforce user is listed as an error and Salesforce "
        "keeps its owner; a Salesforce owner with no HubSpot owner leaves HubSpot's owner "
        "as it is.",
    )


def _to_salesforce(settings: ContactSettings) -> tuple[str, ...]:
    scope = (
        f"Only HubSpot contacts on list {settings.inclusion_list_id} are sent to Salesforce."
        if settings.inclusion_list_id
        else "Every HubSpot contact is sent to Salesforce (no inclusion list is set)."
    )
    kind = "Lead" if settings.create_as is CreateAs.LEAD else "Contact"
    geography = (
        "State and country are sent exactly as typed in HubSpot."
        if settings.state_country_mode is GeographyMode.AS_IS
        else "State and country are converted to the values Salesforce accepts"
        + (
            " (the org's own customised picklist values)."
            if settings.state_country_picklists is PicklistSetup.CUSTOMIZED
            else "."
        )
    )
    return (
        scope,
        f"A new HubSpot contact is created in Salesforce as a {kind}.",
        "A HubSpot contact already linked to a Salesforce record updates that record.",
        geography,
        "A HubSpot lifecycle stage never changes a Salesforce record.",
    )


def _to_hubspot(settings: ContactSettings) -> tuple[str, ...]:
    return (
        "Only Salesforce leads and contacts with a valid email address sync to HubSpot.",
        f"Salesforce leads: {_policy_words(settings.policy_for('Lead'))}",
        f"Salesforce contacts: {_policy_words(settings.policy_for('Contact'))}",
    )


def _policy_words(policy: SalesforcePolicy) -> str:
    if policy is SalesforcePolicy.NOTHING:
        return "nothing happens in HubSpot when they are created or updated."
    return (
        "create a HubSpot contact when new (email unique and valid), "
        "otherwise update the contact with that email."
    )


def _allocation_line(allocation: int | None) -> str:
    if allocation is None:
        return (
            "The integration may use half of the org's daily API requests "
            "until an allocation is saved."
        )
    return (
        f"The integration makes at most {allocation} Salesforce API calls in any 24 hours; "
        "beyond that, work waits and resumes when calls free up."
    )
