"""Deal → contacts ⇄ ``OpportunityContactRole``: the run step of R22's contact roles.

A role is not a record of its own in HubSpot but a deal ⇄ contact association, so it
is reconciled per linked deal and opportunity rather than synced as a pair:

- **What is touched.** Each run reads, from the step's own cursors, the
  ``OpportunityContactRole`` feed (its ``OpportunityId``; deleted roles included) and
  the HubSpot deals feed; opportunities whose roles wait for a contact (open sync
  errors of this step) are looked at again. Only deals linked to opportunities count.
- **Reconciling one deal.** Its associated contacts (v4 ``batch/read``) and the
  opportunity's roles are compared through the contacts pair's links and this step's
  own links (one per role: ``deal:contact`` ⇄ the role's id). A role or association
  on one side only is created on the other; one that was linked and is now gone on one
  side is removed on the other (the role deleted, or the association archived).
- **Waiting.** A role whose contact is not linked yet, or a HubSpot contact linked to
  a lead (a lead cannot hold a role), is skipped; the first is a sync error
  (``CONTACT_ROLE_NOT_SYNCED``) retried on later runs.
- **Idempotent.** A role created before a crash is found by (opportunity, contact) on
  the next look and linked, never created twice (R25).

Roles created from HubSpot have no ``Role`` and are not primary: the association is
unlabelled (HubSpot's deal ⇄ contact association labels are portal-defined; mapping
them to ``Role`` is not built).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from crmsync.connectors.base import (
    Associations,
    AssociationType,
    AssociationWrite,
    Connector,
    Deletes,
    Dissociations,
    RemoteRecord,
    System,
    WriteRequest,
)
from crmsync.core.errors_table import ErrorSource, classify
from crmsync.engine.steps import StepContext
from crmsync.engine.work import direction
from crmsync.errors import ConfigurationError
from crmsync.store.state import ErrorReport

STEP_NAME = "contact_roles"
ROLE_OBJECT = "OpportunityContactRole"
ROLE_HUBSPOT_TYPE = "deal_contacts"
"""The links' HubSpot type: the id is ``<deal id>:<contact id>``."""
NOT_SYNCED = "CONTACT_ROLE_NOT_SYNCED"
DEAL_TO_CONTACT = AssociationType(from_object="deals", to_object="contacts", type_id=3)
_ROLE_FIELDS = ("OpportunityId", "ContactId", "Role", "IsPrimary")


@dataclass(frozen=True, kw_only=True)
class DealPair:
    """One linked deal and opportunity."""

    deal: str
    opportunity: str


@dataclass(kw_only=True)
class Plan:
    """What reconciling a batch of deals calls for."""

    associate: list[tuple[str, str, str]]
    """(deal, HubSpot contact, role id) to associate and link."""
    create_roles: list[tuple[DealPair, str, str]]
    """(pair, Salesforce contact, HubSpot contact) to create a role for and link."""
    link: list[tuple[str, str, str]]
    """(deal, HubSpot contact, role id) present on both sides, not linked yet."""
    delete_roles: list[tuple[str, str]]
    """(role id, link key) whose association is gone in HubSpot."""
    dissociate: list[tuple[str, str, str]]
    """(deal, HubSpot contact, link key) whose role is gone in Salesforce."""
    waiting: list[tuple[str, str]]
    """(opportunity, Salesforce contact) whose contact is not linked yet."""


class ContactRoleStep:
    """Keeps deal ⇄ contact associations and opportunity contact roles in step."""

    name = STEP_NAME

    def run(self, context: StepContext) -> None:
        """Reconcile every linked deal touched since the step's cursors."""
        salesforce = context.connectors[System.SALESFORCE]
        hubspot = context.connectors[System.HUBSPOT]
        roles, role_cursor = _feed(context, salesforce, ROLE_OBJECT, _ROLE_FIELDS)
        deals, deal_cursor = _feed(context, hubspot, "deals", ("dealname",))
        opportunities = {
            str(r.fields["OpportunityId"]) for r in roles if r.fields.get("OpportunityId")
        }
        with context.store.begin(context.scope) as tx:
            opportunities |= {
                row.source_id for row in tx.open_errors(pair=STEP_NAME) if row.source_id
            }
            pairs = {
                link.salesforce_id: DealPair(deal=link.hubspot_id, opportunity=link.salesforce_id)
                for link in tx.links_by_salesforce(
                    salesforce_types=["Opportunity"], ids=sorted(opportunities)
                ).values()
            }
            for link in tx.links_by_hubspot(
                hubspot_type="deals", ids=[d.id for d in deals if not d.deleted]
            ).values():
                pairs[link.salesforce_id] = DealPair(
                    deal=link.hubspot_id, opportunity=link.salesforce_id
                )
        if pairs:
            self._reconcile(context, sorted(pairs.values(), key=lambda p: p.opportunity))
        with context.store.begin(context.scope) as tx:
            for (system, object_type), value in (
                ((System.SALESFORCE, ROLE_OBJECT), role_cursor),
                ((System.HUBSPOT, "deals"), deal_cursor),
            ):
                tx.set_cursor(
                    pair=STEP_NAME, system=system.value, object_type=object_type, value=value
                )

    def _reconcile(self, context: StepContext, pairs: Sequence[DealPair]) -> None:
        salesforce = context.connectors[System.SALESFORCE]
        hubspot = _associations(context.connectors[System.HUBSPOT])
        roles = _find(salesforce, [p.opportunity for p in pairs])
        contacts_of = hubspot.associated_ids("deals", "contacts", [p.deal for p in pairs])
        every_sf = sorted({str(r.fields["ContactId"]) for r in roles})
        every_hs = sorted({c for ids in contacts_of.values() for c in ids})
        with context.store.begin(context.scope) as tx:
            by_sf = tx.links_by_salesforce(salesforce_types=["Contact"], ids=every_sf)
            by_hs = tx.links_by_hubspot(hubspot_type="contacts", ids=every_hs)
            keys = [f"{p.deal}:{c}" for p in pairs for c in contacts_of.get(p.deal, ())]
            role_links = tx.links_by_salesforce(
                salesforce_types=[ROLE_OBJECT], ids=[r.id for r in roles]
            )
            key_links = tx.links_by_hubspot(hubspot_type=ROLE_HUBSPOT_TYPE, ids=keys)
        people = {sf: link.hubspot_id for sf, link in by_sf.items()}
        salesforce_of = {
            hs: link.salesforce_id
            for hs, link in by_hs.items()
            if link.salesforce_type == "Contact"
        }
        plan = Plan(
            associate=[], create_roles=[], link=[], delete_roles=[], dissociate=[], waiting=[]
        )
        roles_of: dict[str, list[RemoteRecord]] = defaultdict(list)
        for role in roles:
            roles_of[str(role.fields["OpportunityId"])].append(role)
        for pair in pairs:
            associated = set(contacts_of.get(pair.deal, ()))
            covered: set[str] = set()
            for role in roles_of.get(pair.opportunity, ()):
                contact = str(role.fields["ContactId"])
                person = people.get(contact)
                if person is None:
                    plan.waiting.append((pair.opportunity, contact))
                    continue
                key = f"{pair.deal}:{person}"
                covered.add(person)
                if person in associated:
                    if role.id not in role_links:
                        plan.link.append((pair.deal, person, role.id))
                elif role.id in role_links:
                    plan.delete_roles.append((role.id, key))
                else:
                    plan.associate.append((pair.deal, person, role.id))
            for person in sorted(associated - covered):
                key = f"{pair.deal}:{person}"
                if key in key_links:
                    plan.dissociate.append((pair.deal, person, key))
                elif person in salesforce_of:
                    plan.create_roles.append((pair, salesforce_of[person], person))
        _apply(context, hubspot, plan)


def _apply(context: StepContext, hubspot: Associations, plan: Plan) -> None:
    salesforce = context.connectors[System.SALESFORCE]
    report = context.report
    if plan.associate:
        results = hubspot.associate(
            DEAL_TO_CONTACT,
            [
                AssociationWrite(key=str(i), from_id=deal, to_id=person)
                for i, (deal, person, _role) in enumerate(plan.associate)
            ],
        )
        ok = {r.key for r in results if r.ok}
        for index, (deal, person, role) in enumerate(plan.associate):
            if str(index) in ok:
                plan.link.append((deal, person, role))
                report.updated["hubspot deal contacts"] += 1
    if plan.create_roles:
        results = salesforce.write(
            [
                WriteRequest(
                    object_type=ROLE_OBJECT,
                    key=str(i),
                    fields={"OpportunityId": pair.opportunity, "ContactId": contact},
                )
                for i, (pair, contact, _person) in enumerate(plan.create_roles)
            ]
        )
        by_key = {r.key: r for r in results}
        for index, (pair, _contact, person) in enumerate(plan.create_roles):
            result = by_key.get(str(index))
            if result is not None and result.ok and result.id:
                plan.link.append((pair.deal, person, result.id))
                report.created["salesforce contact roles"] += 1
            else:
                report.errors += 1
    if plan.delete_roles:
        if not isinstance(salesforce, Deletes):
            raise ConfigurationError("contact role sync needs a Salesforce connector that deletes")
        salesforce.delete(ROLE_OBJECT, [role for role, _key in plan.delete_roles])
        report.updated["salesforce contact roles deleted"] += len(plan.delete_roles)
    if plan.dissociate:
        remover = context.connectors[System.HUBSPOT]
        if not isinstance(remover, Dissociations):
            raise ConfigurationError("contact role sync needs a HubSpot connector that dissociates")
        remover.dissociate(
            "deals", "contacts", [(deal, person) for deal, person, _key in plan.dissociate]
        )
        report.updated["hubspot deal contacts removed"] += len(plan.dissociate)
    with context.store.begin(context.scope) as tx:
        for deal, person, role in plan.link:
            tx.add_link(
                pair=STEP_NAME,
                hubspot_type=ROLE_HUBSPOT_TYPE,
                hubspot_id=f"{deal}:{person}",
                salesforce_type=ROLE_OBJECT,
                salesforce_id=role,
            )
        gone = [key for _role, key in plan.delete_roles] + [key for *_x, key in plan.dissociate]
        for key, link in tx.links_by_hubspot(hubspot_type=ROLE_HUBSPOT_TYPE, ids=gone).items():
            tx.remove_link(link, note=f"contact role {link.salesforce_id} ({key}) removed")
        waiting = {opportunity for opportunity, _contact in plan.waiting}
        for opportunity, contact in plan.waiting:
            classification = classify(ErrorSource.CRMSYNC, NOT_SYNCED, field="ContactId")
            tx.record_error(
                ErrorReport(
                    pair=STEP_NAME,
                    object_type="Opportunity",
                    source_system=System.SALESFORCE.value,
                    source_id=opportunity,
                    salesforce_id=opportunity,
                    hubspot_id=None,
                    direction=direction(System.HUBSPOT),
                    system=ErrorSource.CRMSYNC.value,
                    api_code=NOT_SYNCED,
                    api_message=f"contact {contact} of a role on opportunity {opportunity} "
                    "does not sync to HubSpot yet; the role waits for it",
                    category=classification.category.value,
                    field="ContactId",
                    hint=classification.hint,
                )
            )
        for row in tx.open_errors(pair=STEP_NAME):
            if row.source_id not in waiting:
                tx.resolve_errors(
                    pair=STEP_NAME, source_system=row.source_system, source_id=row.source_id
                )


def _associations(connector: Connector) -> Associations:
    if not isinstance(connector, Associations):
        raise ConfigurationError("contact role sync needs a HubSpot connector with associations")
    return connector


def _feed(
    context: StepContext, connector: Connector, object_type: str, fields: Sequence[str]
) -> tuple[list[RemoteRecord], str | None]:
    system = connector.system
    with context.store.begin(context.scope) as tx:
        cursor = tx.cursor(pair=STEP_NAME, system=system.value, object_type=object_type)
    records: list[RemoteRecord] = []
    more = True
    while more:
        page = connector.read_changes(
            object_type, cursor=cursor, fields=fields, page_size=context.page_size
        )
        records.extend(page.records)
        more = page.has_more
        cursor = page.next_cursor or cursor
    return records, cursor


def _find(connector: Connector, opportunities: Sequence[str]) -> list[RemoteRecord]:
    size = max(1, connector.capabilities.max_batch_read)
    found: list[RemoteRecord] = []
    for start in range(0, len(opportunities), size):
        found.extend(
            connector.find_by(
                ROLE_OBJECT,
                "OpportunityId",
                opportunities[start : start + size],
                fields=_ROLE_FIELDS,
            )
        )
    return found


__all__ = ["ContactRoleStep"]
