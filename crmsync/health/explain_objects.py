"""How it works for deals, lifecycle stages and activities (R7, R15-R19, R22, R24).

The sections :func:`crmsync.health.explain.explain_store` adds after companies, read
from the stored settings.
"""

from __future__ import annotations

from crmsync.core.contact_role_labels import RoleLabels
from crmsync.core.deal_stages import StageTable
from crmsync.health.explain import RULE_WORDS, Section
from crmsync.store.state import StateStore


def object_sections(store: StateStore) -> list[Section]:
    """Deals and opportunities, lifecycle stages, activities."""
    from crmsync.engine.settings import (
        ACTIVITY_TYPE_NAMES,
        DEALS_ENABLED,
        DELETE_DEAL_WITH_OPPORTUNITY,
        INBOUND_ACTIVITY_TYPES,
        LIFECYCLE_FROM_OPPORTUNITIES,
        LIFECYCLE_TO_COMPANY_CONTACTS,
        activity_inbound_switch,
        activity_switch,
        mapping_table,
        role_labels,
        stage_table,
        switch,
    )

    deals = switch(store, DEALS_ENABLED)
    sections = [
        Section(
            title="Deals and opportunities",
            lines=_deal_lines(
                deals,
                delete_with_opportunity=switch(store, DELETE_DEAL_WITH_OPPORTUNITY),
                table=stage_table(store) if deals else None,
                labels=role_labels(store),
            ),
        )
    ]
    if deals:
        mapping = mapping_table(store, "deals.mappings.Opportunity")
        sections.append(
            Section(
                title="Fields of a Salesforce Opportunity",
                lines=tuple(
                    f"{row.hubspot_property} ⇄ {row.salesforce_field}: {RULE_WORDS[row.rule]}."
                    for row in mapping.fields
                ),
            )
        )
    sections.append(
        Section(
            title="Lifecycle stages",
            lines=_lifecycle_lines(
                switch(store, LIFECYCLE_FROM_OPPORTUNITIES),
                companies=switch(store, LIFECYCLE_TO_COMPANY_CONTACTS),
            ),
        )
    )
    on = [name for name in ACTIVITY_TYPE_NAMES if switch(store, activity_switch(name))]
    back = [
        name
        for name in INBOUND_ACTIVITY_TYPES
        if name in on and switch(store, activity_inbound_switch(name))
    ]
    sections.append(Section(title="Activities", lines=_activity_lines(on, back)))
    return sections


def _deal_lines(
    enabled: bool,
    *,
    delete_with_opportunity: bool,
    table: StageTable | None,
    labels: RoleLabels,
) -> tuple[str, ...]:
    if not enabled:
        return ("Deals do not sync (turn on with deals.enabled).",)
    lines = [
        "HubSpot deals sync with Salesforce opportunities, both ways (R22); two deals with "
        "the same name are two opportunities (never deduplicated).",
        "A deal's primary company and its opportunity's account (AccountId) follow each "
        "other while company sync is on.",
        "Deleting an opportunity deletes its deal."
        if delete_with_opportunity
        else "Deleting an opportunity leaves its deal (deals.delete_with_opportunity is off).",
        "Deleting a deal leaves its opportunity.",
        "An amount moves only with its currency: in a multi-currency org the deal's "
        "currency (deal_currency_code) and the opportunity's (CurrencyIsoCode) follow each "
        "other; a deal in a currency the org does not have active, or (single-currency "
        "org) an amount in another currency than the org's, does not sync and is listed "
        "as an error.",
        *_role_lines(labels),
    ]
    if table is None:
        lines.append(
            "The stage table is made on the first deal sync from HubSpot's pipelines and "
            "Salesforce's opportunity stages; edit it as deals.stages. With several "
            "opportunity record types, each pipeline named 'Salesforce \u2013 [Record Type]' "
            "syncs with that record type."
        )
    else:
        pipelines = sorted(table.pipelines())
        lines.append(
            f"Deals in these pipelines sync: {', '.join(pipelines)}; deals in any other "
            "pipeline stay in HubSpot and are listed as errors."
        )
        if table.record_types():
            lines.append(
                "Each pipeline stands for one opportunity record type (below, in brackets): "
                "a deal creates an opportunity of that record type, and an opportunity "
                "lands in its record type's pipeline; an opportunity of another record "
                "type stays in Salesforce and is listed as an error."
            )
        lines.extend(
            f"{row.pipeline_label or row.pipeline} / {row.stage_label or row.stage} ⇄ "
            f"{row.salesforce_stage}" + (f" [{row.record_type}]" if row.record_type else "") + "."
            for row in table.rows
        )
    return tuple(lines)


def _role_lines(labels: RoleLabels) -> list[str]:
    mapped = ", ".join(f"'{label}' → {role}" for label, role in sorted(labels.labels.items()))
    return [
        "A deal's contacts and its opportunity's contact roles follow each other, both ways (R22).",
        "A contact's association labels give its role: a label named like a Role value "
        "means that Role"
        + (f"; also {mapped}" if mapped else "")
        + " (deals.contact_roles.labels). No label, no Role.",
        (
            f"The label '{labels.primary_label}' marks the primary contact role "
            "(deals.contact_roles.primary_label); an opportunity has one."
            if labels.primary_label
            else "The primary flag does not sync (deals.contact_roles.primary_label is empty)."
        ),
        (
            "A Role with no label in HubSpot gets one (deals.contact_roles.create_labels)."
            if labels.create_labels
            else "A Role with no label in HubSpot leaves the contact unlabelled; crmsync "
            "adds no labels (turn on with deals.contact_roles.create_labels)."
        ),
        "A change of label or role on either side follows to the other; a label-only "
        "change in HubSpot is seen when the deal next changes.",
    ]


def _lifecycle_lines(enabled: bool, *, companies: bool) -> tuple[str, ...]:
    if not enabled:
        return (
            "Opportunities do not change lifecycle stages "
            "(turn on with lifecycle.update_from_opportunities).",
        )
    lines = [
        "A synced contact with a contact role on an open opportunity becomes "
        "'opportunity'; on a Closed Won opportunity, 'customer' (R15), even when the "
        "role is added after the win.",
        "A stage never moves backwards: a customer stays a customer (R16).",
        "Only opportunity contact roles count (R18); a HubSpot lifecycle change never "
        "changes Salesforce (R17).",
        "Every change is in the audit log with the opportunity that caused it.",
    ]
    if companies:
        lines.append(
            "The contact's company moves too, and every other contact of that company "
            "follows, forward only (R19)."
        )
    return tuple(lines)


def _activity_lines(enabled: list[str], back: list[str]) -> tuple[str, ...]:
    if not enabled:
        return ("Activities do not sync (turn on with activities.<type>.enabled).",)
    return (
        f"HubSpot {', '.join(enabled)} on a synced contact become Salesforce tasks (R24), "
        "related to the contact (or lead) and to the deal's opportunity or the company's "
        "account.",
        "Each activity makes one task; later edits update it. Long bodies are cut to "
        "Salesforce's limit with a marker.",
        "An activity whose contact does not sync yet waits, and syncs when the contact does.",
        (
            f"Salesforce tasks come back to HubSpot as {', '.join(back)} (by their type), "
            "associated with the linked contact; a task with no due date is dated by "
            "the day it was created."
            if back
            else "Salesforce tasks do not sync to HubSpot "
            "(turn on with activities.<type>.from_salesforce)."
        ),
    )
