"""One record's story for the dashboard's record view: link, status, errors, history.

Looked up in the state store only (no API call): by HubSpot or Salesforce id, or by any
text of the last synced values (email, first or last name), which every link keeps in
its snapshot.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, or_, select

from crmsync.store import StateStore
from crmsync.store.models import AuditEntry, Link, SyncErrorRecord

RESULTS_SHOWN = 20


@dataclass(frozen=True, kw_only=True)
class FieldChange:
    """One field write from the audit log: which side won, by which rule, what lost."""

    at: datetime
    field: str | None
    winner: str
    rule: str
    old_value: Any
    new_value: Any
    losing_value: Any
    note: str | None


@dataclass(frozen=True, kw_only=True)
class RecordStory:
    """A linked pair of records, or one record that has only errors."""

    link: Link | None
    hubspot_id: str | None
    salesforce_type: str | None
    salesforce_id: str | None
    values: list[tuple[str, Any]]
    """(HubSpot property, value) as last synced (the same on both sides, in Salesforce's
    form: the link's snapshot)."""
    errors: list[SyncErrorRecord]
    history: list[FieldChange]

    @property
    def status(self) -> str:
        """``in sync``, ``has errors`` or ``not linked``."""
        if self.errors:
            return "has errors"
        return "in sync" if self.link is not None else "not linked"

    @property
    def email(self) -> str | None:
        """The email as last synced, if any."""
        for name, value in self.values:
            if name == "email" and value:
                return str(value)
        return None

    @property
    def key(self) -> str:
        """What ``crmsync resync`` is given: the email reads both sides, an id one side."""
        return self.email or self.hubspot_id or self.salesforce_id or ""


def find_records(store: StateStore, text: str) -> list[RecordStory]:
    """Records whose id equals ``text`` or whose synced values contain it."""
    needle = text.strip()
    if not needle:
        return []
    # The snapshot is JSON text: non-ASCII letters are stored as \uXXXX escapes, so the
    # text is looked for both as typed and as JSON writes it. "!" escapes LIKE's wildcards.
    forms = {needle, json.dumps(needle)[1:-1]}
    patterns = [
        "%" + form.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%" for form in forms
    ]
    with store.begin() as tx:
        session = tx.session
        by_value = cast(Link.snapshot, String)
        links = list(
            session.scalars(
                select(Link)
                .where(
                    or_(
                        Link.hubspot_id == needle,
                        Link.salesforce_id == needle,
                        *(by_value.ilike(pattern, escape="!") for pattern in patterns),
                    )
                )
                .order_by(Link.id)
                .limit(RESULTS_SHOWN)
            )
        )
        stories = [_story(session, link) for link in links]
        if not stories:
            unlinked = session.scalars(
                select(SyncErrorRecord)
                .where(
                    SyncErrorRecord.resolved_at.is_(None),
                    or_(
                        SyncErrorRecord.source_id == needle,
                        SyncErrorRecord.hubspot_id == needle,
                        SyncErrorRecord.salesforce_id == needle,
                    ),
                )
                .order_by(SyncErrorRecord.id)
            )
            errors = list(unlinked)
            if errors:
                first = errors[0]
                stories.append(
                    RecordStory(
                        link=None,
                        hubspot_id=first.hubspot_id,
                        salesforce_type=None,
                        salesforce_id=first.salesforce_id,
                        values=[],
                        errors=errors,
                        history=[],
                    )
                )
    return stories


def _rule_words(stored: str | None) -> str:
    """``two_way:two_way.one_side_changed`` → ``two way (one side changed)``."""
    name, _, reason = (stored or "").partition(":")
    words = name.replace("_", " ")
    why = reason.rsplit(".", 1)[-1].replace("_", " ")
    return words if why in ("", words) else f"{words} ({why})"


def _story(session: Any, link: Link) -> RecordStory:
    errors = list(
        session.scalars(
            select(SyncErrorRecord)
            .where(
                SyncErrorRecord.resolved_at.is_(None),
                or_(
                    SyncErrorRecord.hubspot_id == link.hubspot_id,
                    SyncErrorRecord.salesforce_id == link.salesforce_id,
                ),
            )
            .order_by(SyncErrorRecord.id)
        )
    )
    entries = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.link_id == link.id, AuditEntry.kind == "field")
        .order_by(AuditEntry.id.desc())
    )
    history = [
        FieldChange(
            at=entry.at,
            field=entry.field,
            winner="HubSpot" if entry.direction == "hubspot_to_salesforce" else "Salesforce",
            rule=_rule_words(entry.rule),
            old_value=entry.old_value,
            new_value=entry.new_value,
            losing_value=entry.losing_value,
            note=entry.note,
        )
        for entry in entries
    ]
    snapshot = link.snapshot or {}
    values = sorted(snapshot.items())
    return RecordStory(
        link=link,
        hubspot_id=link.hubspot_id,
        salesforce_type=link.salesforce_type,
        salesforce_id=link.salesforce_id,
        values=values,
        errors=errors,
        history=history,
    )
