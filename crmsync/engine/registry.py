"""Every object pair crmsync knows, built from the stored settings.

Adding a pair means: a module that builds its :class:`~crmsync.engine.pairs.ObjectPair`
(mapping table, match strategy, create key, references, policy), its settings keys in
:mod:`crmsync.engine.settings`, and one line here. The engine orders the pairs by their
dependencies (companies → contacts → deals → contact roles → activities).
"""

from __future__ import annotations

from crmsync.core.translation import Owners
from crmsync.engine.activities import ACTIVITY_TYPES, activity_pair
from crmsync.engine.companies import companies_pair
from crmsync.engine.contact_roles import ContactRoleStep
from crmsync.engine.contacts import ContactPolicy, contacts_pair
from crmsync.engine.deals import deals_pair
from crmsync.engine.lifecycle import LifecycleStep
from crmsync.engine.pairs import ObjectPair
from crmsync.engine.settings import (
    COMPANIES_ENABLED,
    DEALS_ENABLED,
    DELETE_DEAL_WITH_OPPORTUNITY,
    LIFECYCLE_FROM_OPPORTUNITIES,
    LIFECYCLE_TO_COMPANY_CONTACTS,
    SWITCHES,
    activity_inbound_switch,
    activity_switch,
    contact_mappings,
    contact_settings,
    mapping_table,
    save_stage_table,
    stage_table,
    switch,
)
from crmsync.engine.steps import RunStep
from crmsync.store.state import StateStore


def pairs_from_settings(
    store: StateStore, *, owners: Owners | None = None, allow_test_domains: bool = False
) -> list[ObjectPair]:
    """The enabled pairs under the stored settings (contacts always; companies and
    deals when on)."""
    with_companies = switch(store, COMPANIES_ENABLED)
    contacts = contacts_pair(
        contact_settings(store),
        mappings=contact_mappings(store),
        owners=owners,
        allow_test_domains=allow_test_domains,
        with_companies=with_companies,
    )
    pairs = [contacts]
    if with_companies:
        policy = contacts.policy
        if not isinstance(policy, ContactPolicy):  # pragma: no cover - built just above
            raise TypeError("the contacts pair has no contact policy")
        pairs.append(
            companies_pair(
                mapping=mapping_table(store, "companies.mappings.Account"),
                owners=owners,
                contact_eligible=policy.creates_contact,
            )
        )
    with_deals = switch(store, DEALS_ENABLED)
    if with_deals:
        pairs.append(
            deals_pair(
                mapping=mapping_table(store, "deals.mappings.Opportunity"),
                owners=owners,
                stored_table=stage_table(store),
                save_table=lambda table: save_stage_table(store, table),
                with_companies=with_companies,
                delete_with_opportunity=switch(store, DELETE_DEAL_WITH_OPPORTUNITY),
            )
        )
    contact_policy = contacts.policy
    for kind in ACTIVITY_TYPES:
        if not switch(store, activity_switch(kind.name)):
            continue
        if not isinstance(contact_policy, ContactPolicy):  # pragma: no cover - built above
            raise TypeError("the contacts pair has no contact policy")
        what = "deals" if with_deals else "companies" if with_companies else None
        inbound = activity_inbound_switch(kind.name)
        pairs.append(
            activity_pair(
                kind,
                owners=owners,
                eligible=contact_policy.eligible,
                what=what,
                from_salesforce=inbound in SWITCHES and switch(store, inbound),
            )
        )
    return pairs


def steps_from_settings(store: StateStore) -> list[RunStep]:
    """The run steps the stored settings turn on: contact roles with deals (R22), then
    lifecycle stages from contact roles (R15), which sees the roles just made."""
    steps: list[RunStep] = []
    if switch(store, DEALS_ENABLED):
        steps.append(ContactRoleStep())
    if switch(store, LIFECYCLE_FROM_OPPORTUNITIES):
        steps.append(
            LifecycleStep(company_propagation=switch(store, LIFECYCLE_TO_COMPANY_CONTACTS))
        )
    return steps
