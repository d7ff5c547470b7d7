"""Which Salesforce record a HubSpot contact syncs with, and lead conversion.

Salesforce allows several leads and contacts with one email; HubSpot allows one contact.
:func:`choose_salesforce_record` makes a deterministic choice among the records sharing
an email, in this order:

1. the record already linked to the HubSpot contact;
2. a Contact over a Lead;
3. an unconverted lead over a converted one;
4. the oldest ``CreatedDate``;
5. the lowest id.

The others are returned so the engine reports them (``DUPLICATE_EMAIL_IN_SALESFORCE``)
instead of creating a HubSpot contact for each.

:func:`conversion_move` follows a converted lead's ``ConvertedContactId``: the link moves
to that contact, since the lead is now read-only (``CANNOT_UPDATE_CONVERTED_LEAD``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from crmsync.connectors.base import RemoteRecord

LEAD = "Lead"
CONTACT = "Contact"


@dataclass(frozen=True, kw_only=True)
class Candidate:
    """A Salesforce lead or contact that carries a given email."""

    object_type: str
    id: str
    created_at: datetime
    is_converted: bool = False
    linked: bool = False


@dataclass(frozen=True, kw_only=True)
class DuplicateChoice:
    """The record to sync with and the duplicates to report."""

    chosen: Candidate
    others: tuple[Candidate, ...]


def _rank(candidate: Candidate) -> tuple[bool, bool, bool, datetime, str]:
    return (
        not candidate.linked,
        candidate.object_type != CONTACT,
        candidate.is_converted,
        candidate.created_at,
        candidate.id,
    )


def choose_salesforce_record(candidates: Sequence[Candidate]) -> DuplicateChoice | None:
    """The deterministic choice among records sharing an email; ``None`` when none."""
    if not candidates:
        return None
    ordered = sorted(candidates, key=_rank)
    return DuplicateChoice(chosen=ordered[0], others=tuple(ordered[1:]))


def candidate_from_record(record: RemoteRecord, *, linked: bool) -> Candidate:
    """A :class:`Candidate` from a Salesforce record read with ``CreatedDate``/``IsConverted``.

    A missing or unparsable ``CreatedDate`` sorts last (the record's age is unknown).
    """
    return Candidate(
        object_type=record.object_type,
        id=record.id,
        created_at=_created_at(record.fields),
        is_converted=bool(record.fields.get("IsConverted") or False),
        linked=linked,
    )


def _created_at(fields: Mapping[str, Any]) -> datetime:
    raw = fields.get("CreatedDate")
    if isinstance(raw, datetime):
        return raw if raw.tzinfo is not None else raw.replace(tzinfo=UTC)
    if isinstance(raw, str):
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError:
            return datetime.max.replace(tzinfo=UTC)
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
    return datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True, kw_only=True)
class LinkMove:
    """Move a link from a converted lead to the contact it became."""

    from_object: str
    from_id: str
    to_object: str
    to_id: str


def conversion_move(*, lead_id: str, lead_fields: Mapping[str, Any]) -> LinkMove | None:
    """Where the link of a converted lead must move, or ``None`` if it stays.

    Reads ``IsConverted`` and ``ConvertedContactId``; a lead converted without a
    contact id (not possible through Salesforce's own conversion) keeps its link.
    """
    contact_id = lead_fields.get("ConvertedContactId")
    if not lead_fields.get("IsConverted") or not isinstance(contact_id, str) or not contact_id:
        return None
    return LinkMove(from_object=LEAD, from_id=lead_id, to_object=CONTACT, to_id=contact_id)
