"""Lifecycle stages from opportunity contact roles: the run step (R15-R19).

With ``lifecycle.update_from_opportunities`` on, each run reads two Salesforce feeds
from their own cursors: ``OpportunityContactRole`` (a role added, even to an
opportunity already won, R15) and ``Opportunity`` (a stage moved to Closed Won). For
every opportunity either touched it reads the opportunity's contact roles, and for
each role's contact linked to a HubSpot contact (through the contacts pair; a lead
has no roles, R18) applies :mod:`crmsync.core.lifecycle`: ``opportunity`` or
``customer``, forward only (R16). Only the HubSpot contact is written; nothing goes to
Salesforce (R17).

With ``lifecycle.sync_company_stage_to_contacts`` also on (R19), the companies of a
contact that moved move forward too, and when a company moves every other contact of
it follows, forward only. Every change is an audit entry (kind ``lifecycle``) naming
the opportunity that caused it.

The cursors move only after the writes and audit entries are done (R25); a re-run
writes nothing new, since every move is forward only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from crmsync.connectors.base import (
    Associations,
    Connector,
    RemoteRecord,
    System,
    WriteRequest,
)
from crmsync.core.lifecycle import RoleOpportunity, moves_forward, target_stage
from crmsync.engine.steps import StepContext
from crmsync.engine.work import direction
from crmsync.errors import ConfigurationError

STEP_NAME = "lifecycle"
PROPERTY = "lifecyclestage"
_ROLE_FIELDS = ("OpportunityId", "ContactId")
_OPPORTUNITY_FIELDS = ("IsClosed", "IsWon", "StageName")


@dataclass(frozen=True, kw_only=True)
class StageMove:
    """One HubSpot record moved forward, and why."""

    object_type: str
    record_id: str
    old: str | None
    new: str
    opportunity_id: str
    via: str
    """What carried the stage: ``contact role`` or ``company <id>``."""


class LifecycleStep:
    """R15-R19 as a run step."""

    name = STEP_NAME

    def __init__(self, *, company_propagation: bool) -> None:
        self.company_propagation = company_propagation

    def run(self, context: StepContext) -> None:
        """Move the stages the changed roles and opportunities call for, then the cursors."""
        salesforce = context.connectors[System.SALESFORCE]
        cursors: dict[str, str | None] = {}
        touched: set[str] = set()
        for object_type, fields, id_field in (
            ("OpportunityContactRole", _ROLE_FIELDS, "OpportunityId"),
            ("Opportunity", _OPPORTUNITY_FIELDS, None),
        ):
            records, cursors[object_type] = _read_feed(context, salesforce, object_type, fields)
            for record in records:
                if record.deleted:
                    continue
                value = record.id if id_field is None else record.fields.get(id_field)
                if value:
                    touched.add(str(value))
        if touched:
            moves = self._moves(context, sorted(touched))
            _apply(context, moves)
        with context.store.begin(context.scope) as tx:
            for object_type, value in cursors.items():
                tx.set_cursor(
                    pair=STEP_NAME,
                    system=System.SALESFORCE.value,
                    object_type=object_type,
                    value=value,
                )

    def _moves(self, context: StepContext, opportunity_ids: Sequence[str]) -> list[StageMove]:
        salesforce = context.connectors[System.SALESFORCE]
        hubspot = context.connectors[System.HUBSPOT]
        roles = _find(salesforce, "OpportunityContactRole", "OpportunityId", opportunity_ids)
        opportunities = {
            record.id: record
            for record in _read(salesforce, "Opportunity", opportunity_ids, _OPPORTUNITY_FIELDS)
        }
        by_contact: dict[str, list[RoleOpportunity]] = defaultdict(list)
        for role in roles:
            opportunity = opportunities.get(str(role.fields.get("OpportunityId")))
            contact = role.fields.get("ContactId")
            if opportunity is None or not contact:
                continue
            by_contact[str(contact)].append(
                RoleOpportunity(
                    opportunity_id=opportunity.id,
                    closed=bool(opportunity.fields.get("IsClosed")),
                    won=bool(opportunity.fields.get("IsWon")),
                )
            )
        with context.store.begin(context.scope) as tx:
            links = tx.links_by_salesforce(salesforce_types=["Contact"], ids=list(by_contact))
            people = {contact: link.hubspot_id for contact, link in links.items()}
        targets: dict[str, tuple[str, str]] = {}
        for contact, found in by_contact.items():
            target = target_stage(found)
            if target is not None and contact in people:
                targets[people[contact]] = target
        current = _stages(hubspot, "contacts", list(targets))
        moves = [
            StageMove(
                object_type="contacts",
                record_id=hubspot_id,
                old=current.get(hubspot_id),
                new=stage,
                opportunity_id=opportunity,
                via="contact role",
            )
            for hubspot_id, (stage, opportunity) in sorted(targets.items())
            if moves_forward(current.get(hubspot_id), stage)
        ]
        if self.company_propagation and targets:
            moves += _company_moves(hubspot, targets)
        return moves


def _company_moves(hubspot: Connector, targets: Mapping[str, tuple[str, str]]) -> list[StageMove]:
    """R19: the contacts' companies move forward, and their other contacts follow."""
    if not isinstance(hubspot, Associations):
        raise ConfigurationError("company lifecycle sync needs HubSpot associations")
    companies_of = hubspot.associated_ids("contacts", "companies", list(targets))
    company_target: dict[str, tuple[str, str]] = {}
    for contact, (stage, opportunity) in targets.items():
        for company in companies_of.get(contact, ()):
            known = company_target.get(company)
            if known is None or moves_forward(known[0], stage):
                company_target[company] = (stage, opportunity)
    company_stages = _stages(hubspot, "companies", list(company_target))
    moves: list[StageMove] = []
    moved: dict[str, tuple[str, str]] = {}
    for company, (stage, opportunity) in sorted(company_target.items()):
        if moves_forward(company_stages.get(company), stage):
            moved[company] = (stage, opportunity)
            moves.append(
                StageMove(
                    object_type="companies",
                    record_id=company,
                    old=company_stages.get(company),
                    new=stage,
                    opportunity_id=opportunity,
                    via="contact role",
                )
            )
    if not moved:
        return moves
    people_of = hubspot.associated_ids("companies", "contacts", list(moved))
    followers: dict[str, tuple[str, str, str]] = {}
    for company, (stage, opportunity) in moved.items():
        for person in people_of.get(company, ()):
            if person in targets:
                continue  # moved by its own role already
            follower = followers.get(person)
            if follower is None or moves_forward(follower[0], stage):
                followers[person] = (stage, opportunity, company)
    current = _stages(hubspot, "contacts", list(followers))
    for person, (stage, opportunity, company) in sorted(followers.items()):
        if moves_forward(current.get(person), stage):
            moves.append(
                StageMove(
                    object_type="contacts",
                    record_id=person,
                    old=current.get(person),
                    new=stage,
                    opportunity_id=opportunity,
                    via=f"company {company}",
                )
            )
    return moves


def _apply(context: StepContext, moves: Sequence[StageMove]) -> None:
    """Write the moves in batches; audit each one that HubSpot took."""
    hubspot = context.connectors[System.HUBSPOT]
    done: list[StageMove] = []
    for object_type in ("companies", "contacts"):
        wanted = [move for move in moves if move.object_type == object_type]
        size = max(1, hubspot.capabilities.max_batch_write)
        for start in range(0, len(wanted), size):
            chunk = wanted[start : start + size]
            results = hubspot.write(
                [
                    WriteRequest(
                        object_type=object_type,
                        key=str(index),
                        fields={PROPERTY: move.new},
                        id=move.record_id,
                    )
                    for index, move in enumerate(chunk)
                ]
            )
            by_key = {result.key: result for result in results}
            for index, move in enumerate(chunk):
                result = by_key.get(str(index))
                if result is not None and result.ok:
                    done.append(move)
                else:
                    context.report.errors += 1
    with context.store.begin(context.scope) as tx:
        contact_links = tx.links_by_hubspot(
            hubspot_type="contacts",
            ids=[move.record_id for move in done if move.object_type == "contacts"],
        )
        for move in done:
            tx.audit(
                kind=STEP_NAME,
                link=contact_links.get(move.record_id) if move.object_type == "contacts" else None,
                field=PROPERTY,
                direction=direction(System.HUBSPOT),
                old_value=move.old,
                new_value=move.new,
                rule="R19" if move.via.startswith("company") else "R15",
                note=f"{move.object_type} {move.record_id}: opportunity {move.opportunity_id} "
                f"({move.via})",
            )
            context.report.updated["hubspot lifecycle stage"] += 1


def _read_feed(
    context: StepContext, connector: Connector, object_type: str, fields: Sequence[str]
) -> tuple[list[RemoteRecord], str | None]:
    with context.store.begin(context.scope) as tx:
        cursor = tx.cursor(pair=STEP_NAME, system=System.SALESFORCE.value, object_type=object_type)
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


def _find(
    connector: Connector, object_type: str, field: str, values: Sequence[str]
) -> list[RemoteRecord]:
    size = max(1, connector.capabilities.max_batch_read)
    found: list[RemoteRecord] = []
    for start in range(0, len(values), size):
        found.extend(
            connector.find_by(object_type, field, values[start : start + size], fields=_ROLE_FIELDS)
        )
    return found


def _read(
    connector: Connector, object_type: str, ids: Sequence[str], fields: Sequence[str]
) -> list[RemoteRecord]:
    size = max(1, connector.capabilities.max_batch_read)
    found: list[RemoteRecord] = []
    for start in range(0, len(ids), size):
        found.extend(connector.read_by_ids(object_type, ids[start : start + size], fields=fields))
    return found


def _stages(connector: Connector, object_type: str, ids: Sequence[str]) -> dict[str, str | None]:
    if not ids:
        return {}
    return {
        record.id: (str(record.fields[PROPERTY]) if record.fields.get(PROPERTY) else None)
        for record in _read(connector, object_type, ids, (PROPERTY,))
    }


__all__ = ["LifecycleStep", "StageMove"]
