"""Deal → contacts ⇄ ``OpportunityContactRole``: the run step of R22's contact roles.

A role is not a record of its own in HubSpot but a deal ⇄ contact association, so it
is reconciled per linked deal and opportunity rather than synced as a pair:

- **What is touched.** Each run reads, from the step's own cursors, the
  ``OpportunityContactRole`` feed (its ``OpportunityId``; deleted roles included) and
  the HubSpot deals feed; opportunities whose roles wait for a contact or were refused
  (open sync errors of this step) are looked at again. Only deals linked to
  opportunities count.
- **Reconciling one deal.** Its associated contacts with their association types (v4
  ``batch/read``) and the opportunity's roles are compared through the contacts pair's
  links and this step's own links (one per role: ``deal:contact`` ⇄ the role's id). A
  role or association on one side only is created on the other; one that was linked
  and is now gone on one side is removed on the other (the role deleted, or the
  association archived).
- **Role and primary flag.** The association's labels carry the role's ``Role`` and
  ``IsPrimary`` both ways (:mod:`crmsync.engine.role_labels`, settings in
  :mod:`crmsync.core.contact_role_labels`): a role created from HubSpot gets the
  ``Role`` its labels mean, an association made for a role gets the labels meaning
  it, and a later change on either side follows to the other.
- **Waiting and refusals.** A role whose contact is not linked yet, or a HubSpot
  contact linked to a lead (a lead cannot hold a role), is skipped; the first is a sync
  error (``CONTACT_ROLE_NOT_SYNCED``) retried on later runs. A write an API refuses (a
  ``Role`` value the org's restricted picklist lacks) is a sync error with the API's
  code on the opportunity, retried on later runs; the other roles still sync.
- **Idempotent.** A role created before a crash is found by (opportunity, contact) on
  the next look and linked, never created twice; the step stops at the engine's
  checkpoints like a pair does (R25).

A label-only change in HubSpot (a label added to an existing association) is seen when
the deal is next read from the deals feed: the reference material does not say that
HubSpot moves a deal's ``hs_lastmodifieddate`` when only its associations change, so
crmsync does not rely on it (docs/architecture.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from crmsync.connectors.base import (
    AssociationLabels,
    Associations,
    AssociationType,
    AssociationWrite,
    Connector,
    Deletes,
    Dissociations,
    RemoteRecord,
    System,
    WriteRequest,
    WriteResult,
)
from crmsync.core.contact_role_labels import ROLE_FIELD
from crmsync.core.errors_table import ErrorSource, classify
from crmsync.engine.hooks import Checkpoint, SyncHooks
from crmsync.engine.role_labels import (
    ROLE_OBJECT,
    LabelSet,
    LinkedRole,
    load_label_set,
    snapshot_of,
    sync_labels,
)
from crmsync.engine.settings import role_labels
from crmsync.engine.steps import StepContext
from crmsync.engine.work import direction
from crmsync.errors import ConfigurationError
from crmsync.store.state import ErrorReport, StoreTransaction

STEP_NAME = "contact_roles"
ROLE_HUBSPOT_TYPE = "deal_contacts"
"""The links' HubSpot type: the id is ``<deal id>:<contact id>``."""
NOT_SYNCED = "CONTACT_ROLE_NOT_SYNCED"
DEAL_TO_CONTACT = AssociationType(from_object="deals", to_object="contacts", type_id=3)
_ROLE_FIELDS = ("OpportunityId", "ContactId", ROLE_FIELD, "IsPrimary")
Types = Mapping[str, frozenset[int]]
"""A deal's associated contacts with their association type ids."""


@dataclass(frozen=True, kw_only=True)
class DealPair:
    """One linked deal and opportunity."""

    deal: str
    opportunity: str


@dataclass(kw_only=True)
class Plan:
    """What reconciling a batch of deals calls for."""

    associate: list[tuple[DealPair, str, RemoteRecord]]
    """(pair, HubSpot contact, role) to associate and link."""
    create_roles: list[tuple[DealPair, str, str, frozenset[int]]]
    """(pair, Salesforce contact, HubSpot contact, its types) to create a role for."""
    link: list[tuple[str, str, str]]
    """(deal, HubSpot contact, role id) to link (present on both sides)."""
    delete_roles: list[tuple[str, str]]
    """(role id, link key) whose association is gone in HubSpot."""
    dissociate: list[tuple[str, str, str]]
    """(deal, HubSpot contact, link key) whose role is gone in Salesforce."""
    waiting: list[tuple[str, str]]
    """(opportunity, Salesforce contact) whose contact is not linked yet."""
    linked: list[LinkedRole]
    """Roles linked (or being linked) to an association: their Role and labels settle."""
    snapshots: dict[str, dict[str, object]]
    """Role id → snapshot for roles created here (both sides already agree)."""
    refused: list[tuple[str, str, System, WriteResult]]
    """(opportunity, role or contact, the system that refused, its result)."""


class ContactRoleStep:
    """Keeps deal ⇄ contact associations and opportunity contact roles in step."""

    name = STEP_NAME

    def run(self, context: StepContext) -> None:
        """Reconcile every linked deal touched since the step's cursors."""
        hooks = context.hooks
        salesforce = context.connectors[System.SALESFORCE]
        hubspot = context.connectors[System.HUBSPOT]
        roles, role_cursor = _feed(context, salesforce, ROLE_OBJECT, _ROLE_FIELDS)
        deals, deal_cursor = _feed(context, hubspot, "deals", ("dealname",))
        # Reported once the feeds are read, before any checkpoint of the step.
        hooks.progress(source=System.SALESFORCE.value, object_type=ROLE_OBJECT, records=len(roles))
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
            self._reconcile(context, sorted(pairs.values(), key=lambda p: p.opportunity), hooks)
        hooks.checkpoint(Checkpoint.BEFORE_CURSOR)
        with context.store.begin(context.scope) as tx:
            for (system, object_type), value in (
                ((System.SALESFORCE, ROLE_OBJECT), role_cursor),
                ((System.HUBSPOT, "deals"), deal_cursor),
            ):
                tx.set_cursor(
                    pair=STEP_NAME, system=system.value, object_type=object_type, value=value
                )
        hooks.checkpoint(Checkpoint.AFTER_CURSOR)

    def _reconcile(self, context: StepContext, pairs: Sequence[DealPair], hooks: SyncHooks) -> None:
        salesforce = context.connectors[System.SALESFORCE]
        hubspot = _associations(context.connectors[System.HUBSPOT])
        roles = _find(salesforce, [p.opportunity for p in pairs])
        types_of = _associated(hubspot, [p.deal for p in pairs])
        every_sf = sorted({str(r.fields["ContactId"]) for r in roles})
        every_hs = sorted({c for ids in types_of.values() for c in ids})
        with context.store.begin(context.scope) as tx:
            by_sf = tx.links_by_salesforce(salesforce_types=["Contact"], ids=every_sf)
            by_hs = tx.links_by_hubspot(hubspot_type="contacts", ids=every_hs)
            keys = [f"{p.deal}:{c}" for p in pairs for c in types_of.get(p.deal, {})]
            role_links = {
                role_id: dict(link.snapshot or {}) or None
                for role_id, link in tx.links_by_salesforce(
                    salesforce_types=[ROLE_OBJECT], ids=[r.id for r in roles]
                ).items()
            }
            key_links = set(tx.links_by_hubspot(hubspot_type=ROLE_HUBSPOT_TYPE, ids=keys))
        people = {sf: link.hubspot_id for sf, link in by_sf.items()}
        salesforce_of = {
            hs: link.salesforce_id
            for hs, link in by_hs.items()
            if link.salesforce_type == "Contact"
        }
        plan = Plan(
            associate=[], create_roles=[], link=[], delete_roles=[], dissociate=[],
            waiting=[], linked=[], snapshots={}, refused=[],
        )  # fmt: skip
        roles_of: dict[str, list[RemoteRecord]] = defaultdict(list)
        for role in roles:
            roles_of[str(role.fields["OpportunityId"])].append(role)
        for pair in pairs:
            associated = types_of.get(pair.deal, {})
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
                    plan.linked.append(
                        LinkedRole(
                            opportunity=pair.opportunity, deal=pair.deal, person=person,
                            role=role, types=associated[person],
                            snapshot=role_links.get(role.id),
                        )
                    )  # fmt: skip
                elif role.id in role_links:
                    plan.delete_roles.append((role.id, key))
                else:
                    plan.associate.append((pair, person, role))
            for person in sorted(set(associated) - covered):
                key = f"{pair.deal}:{person}"
                if key in key_links:
                    plan.dissociate.append((pair.deal, person, key))
                elif person in salesforce_of:
                    plan.create_roles.append(
                        (pair, salesforce_of[person], person, associated[person])
                    )
        labels = (
            _label_set(context, salesforce)
            if plan.linked or plan.associate or (plan.create_roles)
            else None
        )
        hooks.checkpoint(Checkpoint.BEFORE_WRITE)
        _apply(context, hubspot, plan, labels)
        hooks.checkpoint(Checkpoint.AFTER_WRITE_BEFORE_RECORD)
        with context.store.begin(context.scope) as tx:
            _record(tx, plan, context)
        hooks.checkpoint(Checkpoint.AFTER_RECORD)


def _label_set(context: StepContext, salesforce: Connector) -> LabelSet:
    role = salesforce.describe(ROLE_OBJECT).get(ROLE_FIELD)
    return load_label_set(
        role_labels(context.store),
        context.connectors[System.HUBSPOT],
        role.picklist_values if role is not None else (),
    )


def _apply(
    context: StepContext, hubspot: Associations, plan: Plan, labels: LabelSet | None
) -> None:
    salesforce = context.connectors[System.SALESFORCE]
    report = context.report
    if plan.associate:
        results = hubspot.associate(
            DEAL_TO_CONTACT,
            [
                AssociationWrite(key=str(i), from_id=pair.deal, to_id=person)
                for i, (pair, person, _role) in enumerate(plan.associate)
            ],
        )
        by_key = {r.key: r for r in results}
        for index, (pair, person, role) in enumerate(plan.associate):
            result = by_key.get(str(index))
            if result is not None and result.ok:
                plan.link.append((pair.deal, person, role.id))
                plan.linked.append(
                    LinkedRole(
                        opportunity=pair.opportunity, deal=pair.deal, person=person, role=role,
                        types=frozenset({DEAL_TO_CONTACT.type_id}), snapshot=None,
                    )
                )  # fmt: skip
                report.updated["hubspot deal contacts"] += 1
            elif result is not None:
                plan.refused.append((pair.opportunity, role.id, System.HUBSPOT, result))
    if plan.create_roles:
        requests: list[WriteRequest] = []
        for index, (pair, contact, _person, types) in enumerate(plan.create_roles):
            value, primary = labels.state_of(types) if labels is not None else (None, False)
            fields: dict[str, object] = {"OpportunityId": pair.opportunity, "ContactId": contact}
            if value is not None:
                fields[ROLE_FIELD] = value
            if primary:
                fields["IsPrimary"] = True
            requests.append(WriteRequest(object_type=ROLE_OBJECT, key=str(index), fields=fields))
        by_key = {r.key: r for r in salesforce.write(requests)}
        for index, (pair, contact, person, types) in enumerate(plan.create_roles):
            result = by_key.get(str(index))
            if result is not None and result.ok and result.id:
                plan.link.append((pair.deal, person, result.id))
                state = labels.state_of(types) if labels is not None else (None, False)
                plan.snapshots[result.id] = snapshot_of(state, state)
                report.created["salesforce contact roles"] += 1
            else:
                plan.refused.append(
                    (
                        pair.opportunity,
                        contact,
                        System.SALESFORCE,
                        result or WriteResult(key=str(index), id=None),
                    )
                )
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
    if plan.linked and labels is not None:
        outcome = sync_labels(plan.linked, labels, salesforce=salesforce, hubspot=hubspot)
        plan.snapshots.update(outcome.snapshots)
        plan.refused.extend(
            (item.opportunity, item.role.id, system, result)
            for item, system, result in outcome.refused
        )
        report.updated["salesforce contact role values"] += outcome.to_salesforce
        report.updated["hubspot deal contact labels"] += outcome.to_hubspot
        if outcome.unlabelled:
            report.updated["contact roles with no HubSpot label"] += outcome.unlabelled
    report.errors += len(plan.refused)


def _record(tx: StoreTransaction, plan: Plan, context: StepContext) -> None:
    for deal, person, role in plan.link:
        tx.add_link(
            pair=STEP_NAME,
            hubspot_type=ROLE_HUBSPOT_TYPE,
            hubspot_id=f"{deal}:{person}",
            salesforce_type=ROLE_OBJECT,
            salesforce_id=role,
        )
    if plan.snapshots:
        for role_id, link in tx.links_by_salesforce(
            salesforce_types=[ROLE_OBJECT], ids=sorted(plan.snapshots)
        ).items():
            tx.save_snapshot(link, plan.snapshots[role_id])
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
    refused = {opportunity for opportunity, *_rest in plan.refused}
    for opportunity, what, system, result in plan.refused:
        tx.record_error(_refusal(opportunity, what, system, result))
    for row in tx.open_errors(pair=STEP_NAME):
        if row.source_id not in waiting | refused:
            tx.resolve_errors(
                pair=STEP_NAME, source_system=row.source_system, source_id=row.source_id
            )


def _refusal(opportunity: str, what: str, target: System, result: WriteResult) -> ErrorReport:
    """A role write an API refused, as a sync error with the API's own code (R27)."""
    detail = result.errors[0] if result.errors else None
    code = detail.code if detail is not None else "NO_RESULT"
    message = detail.message if detail is not None else "the API returned no result"
    field = detail.fields[0] if detail is not None and detail.fields else None
    system = ErrorSource.HUBSPOT if target is System.HUBSPOT else ErrorSource.SALESFORCE
    sub_code = detail.sub_code if detail is not None else None
    classification = classify(system, code, sub_category=sub_code, field=field)
    return ErrorReport(
        pair=STEP_NAME,
        object_type="Opportunity",
        source_system=System.HUBSPOT.value,
        source_id=opportunity,
        salesforce_id=opportunity,
        hubspot_id=None,
        direction=direction(target),
        system=system.value,
        api_code=code,
        api_message=f"contact role of {what} on opportunity {opportunity}: {message}",
        category=classification.category.value,
        field=field,
        hint=classification.hint,
    )


def _associations(connector: Connector) -> Associations:
    if not isinstance(connector, Associations):
        raise ConfigurationError("contact role sync needs a HubSpot connector with associations")
    return connector


def _associated(hubspot: Associations, deals: Sequence[str]) -> dict[str, Types]:
    """Each deal's contacts with their association types (ids only without labels)."""
    if isinstance(hubspot, AssociationLabels):
        return {
            deal: dict(found)
            for deal, found in hubspot.associated_types("deals", "contacts", deals).items()
        }
    return {
        deal: {person: frozenset({DEAL_TO_CONTACT.type_id}) for person in ids}
        for deal, ids in hubspot.associated_ids("deals", "contacts", deals).items()
    }


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
