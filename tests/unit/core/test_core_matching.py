"""Duplicate emails in Salesforce and lead conversion."""

from __future__ import annotations

from datetime import UTC, datetime

from crmsync.connectors.base import RemoteRecord
from crmsync.core.matching import (
    Candidate,
    LinkMove,
    candidate_from_record,
    choose_salesforce_record,
    conversion_move,
)

OLD = datetime(2020, 1, 1, tzinfo=UTC)
NEW = datetime(2024, 1, 1, tzinfo=UTC)


def lead(
    id_: str, *, created: datetime = OLD, converted: bool = False, linked: bool = False
) -> Candidate:
    return Candidate(
        object_type="Lead", id=id_, created_at=created, is_converted=converted, linked=linked
    )


def contact(id_: str, *, created: datetime = OLD, linked: bool = False) -> Candidate:
    return Candidate(object_type="Contact", id=id_, created_at=created, linked=linked)


def test_no_candidates_no_choice() -> None:
    assert choose_salesforce_record([]) is None


def test_existing_link_wins_over_everything() -> None:
    linked = lead("00Q2", created=NEW, converted=True, linked=True)
    choice = choose_salesforce_record([contact("0031"), linked, lead("00Q1")])
    assert choice is not None
    assert choice.chosen == linked
    assert {other.id for other in choice.others} == {"0031", "00Q1"}


def test_contact_wins_over_lead() -> None:
    choice = choose_salesforce_record([lead("00Q1"), contact("0031", created=NEW)])
    assert choice is not None and choice.chosen.id == "0031"


def test_unconverted_lead_wins_over_converted_lead() -> None:
    choice = choose_salesforce_record([lead("00Q1", converted=True), lead("00Q2", created=NEW)])
    assert choice is not None and choice.chosen.id == "00Q2"


def test_oldest_created_wins_then_lowest_id() -> None:
    choice = choose_salesforce_record(
        [contact("0033", created=NEW), contact("0032"), contact("0031")]
    )
    assert choice is not None
    assert [choice.chosen.id, *(other.id for other in choice.others)] == ["0031", "0032", "0033"]


def test_choice_does_not_depend_on_input_order() -> None:
    records = [
        lead("00Q1"),
        contact("0032"),
        contact("0031", created=NEW),
        lead("00Q0", converted=True),
    ]
    first = choose_salesforce_record(records)
    second = choose_salesforce_record(list(reversed(records)))
    assert first == second


def test_candidate_reads_created_date_and_conversion_from_salesforce_record() -> None:
    record = RemoteRecord(
        object_type="Lead",
        id="00Q1",
        fields={"CreatedDate": "2024-01-01T00:00:00.000+0000", "IsConverted": True},
        modified_at=NEW,
    )
    candidate = candidate_from_record(record, linked=False)
    assert candidate.created_at == NEW
    assert candidate.is_converted


def test_candidate_without_created_date_sorts_last() -> None:
    record = RemoteRecord(object_type="Contact", id="0030", fields={}, modified_at=NEW)
    unknown = candidate_from_record(record, linked=False)
    choice = choose_salesforce_record([unknown, contact("0039", created=NEW)])
    assert choice is not None and choice.chosen.id == "0039"


def test_converted_lead_link_moves_to_converted_contact() -> None:
    move = conversion_move(
        lead_id="00Q1", lead_fields={"IsConverted": True, "ConvertedContactId": "0035"}
    )
    assert move == LinkMove(from_object="Lead", from_id="00Q1", to_object="Contact", to_id="0035")


def test_unconverted_lead_link_stays() -> None:
    assert conversion_move(lead_id="00Q1", lead_fields={"IsConverted": False}) is None
    assert conversion_move(lead_id="00Q1", lead_fields={"IsConverted": True}) is None
