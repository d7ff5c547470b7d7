"""The deal stage table: the generated default, its checks and the translator (R22)."""

from __future__ import annotations

from crmsync.connectors.base import StageInfo
from crmsync.core.deal_stages import (
    DEAL_PIPELINE_NOT_SYNCED,
    DEAL_STAGE_NOT_MAPPED,
    STAGE_ROWS,
    StageRow,
    StageTable,
    StageTranslator,
    default_table,
    table_problems,
)
from crmsync.core.translation import IdentityTranslator


def _hs(stage: str, label: str, *, closed: bool = False, won: bool = False) -> StageInfo:
    return StageInfo(
        pipeline="default",
        pipeline_label="Sales",
        id=stage,
        label=label,
        closed=closed,
        won=won,
        order=0,
    )


def _sf(name: str, *, closed: bool = False, won: bool = False) -> StageInfo:
    return StageInfo(
        pipeline="", pipeline_label="", id=name, label=name, closed=closed, won=won, order=0
    )


HUBSPOT = [
    _hs("new", "New"),
    _hs("qualification", "Qualification"),
    _hs("late", "Late"),
    _hs("won", "Won", closed=True, won=True),
    _hs("lost", "Lost", closed=True),
]
SALESFORCE = [
    _sf("Prospecting"),
    _sf("Qualification"),
    _sf("Negotiation"),
    _sf("Closed Won", closed=True, won=True),
    _sf("Closed Lost", closed=True),
]


def test_r22_default_table_keeps_closed_won_and_lost_and_matches_labels() -> None:
    table = default_table(HUBSPOT, SALESFORCE)
    mapped = {row.stage: row.salesforce_stage for row in table.rows}
    assert mapped == {
        "new": "Prospecting",
        "qualification": "Qualification",
        "late": "Negotiation",
        "won": "Closed Won",
        "lost": "Closed Lost",
    }
    assert table_problems(table, hubspot=HUBSPOT, salesforce=SALESFORCE) == []


def test_r22_a_table_mapping_won_to_lost_is_refused() -> None:
    table = StageTable(
        rows=(StageRow(pipeline="default", stage="won", salesforce_stage="Closed Lost"),)
    )
    (problem,) = table_problems(table, hubspot=HUBSPOT, salesforce=SALESFORCE)
    assert "IsClosed/IsWon must agree" in problem


def test_r22_translator_round_trips_and_reports_what_it_cannot_map() -> None:
    table = default_table(HUBSPOT, SALESFORCE)
    translator = StageTranslator(inner=IdentityTranslator(), table=table)
    stage_row, pipeline_row = STAGE_ROWS
    deal = {"pipeline": "default", "dealstage": "late"}
    assert translator.to_salesforce(stage_row, "late", record=deal).value == "Negotiation"
    assert translator.to_salesforce(pipeline_row, "default", record=deal).value == "Negotiation"
    assert translator.to_hubspot(stage_row, "Negotiation", record={}).value == "late"
    assert translator.to_hubspot(pipeline_row, "Negotiation", record={}).value == "default"
    other = {"pipeline": "renewals", "dealstage": "x"}
    assert (
        translator.to_salesforce(stage_row, "x", record=other).error_code
        == DEAL_PIPELINE_NOT_SYNCED
    )
    assert translator.to_hubspot(stage_row, "Unknown", record={}).error_code == (
        DEAL_STAGE_NOT_MAPPED
    )
