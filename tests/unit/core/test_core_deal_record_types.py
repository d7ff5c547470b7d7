"""Stage table generation and translation per Opportunity record type (R22)."""

from __future__ import annotations

from crmsync.connectors.base import CurrencySetup, RecordTypeInfo, StageInfo
from crmsync.core.deal_currency import (
    DEAL_CURRENCY_MISMATCH,
    DEAL_CURRENCY_NOT_ACTIVE,
    currency_problem,
)
from crmsync.core.deal_record_types import (
    DEAL_RECORD_TYPE_NOT_SYNCED,
    RECORD_TYPE_ROW,
    record_type_for_pipeline,
)
from crmsync.core.deal_stages import (
    STAGE_ROWS,
    StageTable,
    StageTranslator,
    default_table,
    table_problems,
)
from crmsync.core.translation import IdentityTranslator

DASH = " \u2013 "


def _hs(pipeline: str, label: str, stage: str, stage_label: str, **kw: bool) -> StageInfo:
    return StageInfo(
        pipeline=pipeline, pipeline_label=label, id=stage, label=stage_label,
        closed=kw.get("closed", False), won=kw.get("won", False), order=0,
    )  # fmt: skip


def _sf(name: str, *, closed: bool = False, won: bool = False) -> StageInfo:
    return StageInfo(
        pipeline="", pipeline_label="", id=name, label=name, closed=closed, won=won, order=0
    )


SALESFORCE = [
    _sf("Prospecting"),
    _sf("Qualification"),
    _sf("Negotiation"),
    _sf("Closed Won", closed=True, won=True),
    _sf("Closed Lost", closed=True),
    _sf("Renewed", closed=True, won=True),
]
RECORD_TYPES = [
    RecordTypeInfo(id="012A", developer_name="New_Business", name="New Business"),
    RecordTypeInfo(
        id="012B",
        developer_name="Renewal",
        name="Renewal",
        stages=("Negotiation", "Renewed", "Closed Lost"),
    ),
]
HUBSPOT = [
    _hs("nb", f"Salesforce{DASH}New Business", "nb-1", "Prospecting"),
    _hs("nb", f"Salesforce{DASH}New Business", "nb-2", "Qualification"),
    _hs("nb", f"Salesforce{DASH}New Business", "nb-won", "Won", closed=True, won=True),
    _hs("rn", "salesforce - renewal", "rn-1", "Due"),
    _hs("rn", "salesforce - renewal", "rn-won", "Renewed", closed=True, won=True),
    _hs("rn", "salesforce - renewal", "rn-lost", "Lost", closed=True),
    _hs("default", "Sales Pipeline", "appointment", "Appointment"),
]


def test_r22_each_salesforce_pipeline_maps_to_its_record_type_within_its_stages() -> None:
    table = default_table(HUBSPOT, SALESFORCE, RECORD_TYPES)
    rows = {row.stage: (row.record_type, row.salesforce_stage) for row in table.rows}
    assert rows == {
        "nb-1": ("New_Business", "Prospecting"),
        "nb-2": ("New_Business", "Qualification"),
        "nb-won": ("New_Business", "Closed Won"),
        # Renewal allows Negotiation, Renewed and Closed Lost only.
        "rn-1": ("Renewal", "Negotiation"),
        "rn-won": ("Renewal", "Renewed"),
        "rn-lost": ("Renewal", "Closed Lost"),
    }
    assert table.pipelines() == {"nb", "rn"}  # the default pipeline names no record type
    assert table_problems(table, hubspot=HUBSPOT, salesforce=SALESFORCE,
                          record_types=RECORD_TYPES) == []  # fmt: skip


def test_r22_one_record_type_or_none_keeps_the_table_as_it_was() -> None:
    for record_types in ([], RECORD_TYPES[:1]):
        table = default_table(HUBSPOT, SALESFORCE, record_types)
        assert table.record_types() == frozenset()
        assert table.pipelines() == {"nb", "rn", "default"}
        assert "record_type" not in table.to_json()[0]


def test_r22_pipeline_names_read_any_dash_and_either_record_type_name() -> None:
    assert record_type_for_pipeline(f"Salesforce{DASH}Renewal", RECORD_TYPES) is RECORD_TYPES[1]
    assert record_type_for_pipeline("SALESFORCE — new_business", RECORD_TYPES) is RECORD_TYPES[0]
    assert record_type_for_pipeline("Renewal", RECORD_TYPES) is None
    assert record_type_for_pipeline("Salesforce - Partner", RECORD_TYPES) is None


def test_r22_the_table_round_trips_its_record_types_through_json() -> None:
    table = default_table(HUBSPOT, SALESFORCE, RECORD_TYPES)
    assert StageTable.from_json(table.to_json()) == table


def test_r22_problems_name_a_stage_outside_the_process_and_rows_without_record_type() -> None:
    table = StageTable.from_json(
        [
            {"pipeline": "rn", "stage": "rn-1", "salesforce_stage": "Prospecting",
             "record_type": "Renewal"},
            {"pipeline": "nb", "stage": "nb-1", "salesforce_stage": "Prospecting"},
            {"pipeline": "nb", "stage": "nb-2", "salesforce_stage": "Qualification",
             "record_type": "Gone"},
        ]
    )  # fmt: skip
    problems = table_problems(
        table, hubspot=HUBSPOT, salesforce=SALESFORCE, record_types=RECORD_TYPES
    )
    assert any("does not allow stage 'Prospecting'" in p for p in problems)
    assert any("nb/nb-1 names no record type" in p for p in problems)
    assert any("no active Opportunity record type Gone" in p for p in problems)
    assert any("pipeline nb names more than one record type" in p for p in problems)


def test_r22_translator_maps_pipeline_to_record_type_and_stage_within_it() -> None:
    table = default_table(HUBSPOT, SALESFORCE, RECORD_TYPES)
    translator = StageTranslator(
        inner=IdentityTranslator(),
        table=table,
        record_type_ids={"New_Business": "012A", "Renewal": "012B"},
    )
    deal = {"pipeline": "rn", "dealstage": "rn-lost"}
    assert translator.to_salesforce(RECORD_TYPE_ROW, "rn", record=deal).value == "012B"
    assert translator.to_salesforce(STAGE_ROWS[0], "rn-lost", record=deal).value == "Closed Lost"
    # Closed Lost exists in both record types: the opportunity's record type decides.
    renewal = {"RecordTypeId": "012B", "StageName": "Closed Lost"}
    assert translator.to_hubspot(STAGE_ROWS[0], "Closed Lost", record=renewal).value == "rn-lost"
    assert translator.to_hubspot(RECORD_TYPE_ROW, "012B", record=renewal).value == "rn"
    unknown = translator.to_hubspot(RECORD_TYPE_ROW, "012Z", record={"RecordTypeId": "012Z"})
    assert unknown.error_code == DEAL_RECORD_TYPE_NOT_SYNCED


def test_r22_currency_problems() -> None:
    multi = CurrencySetup(corporate="EUR", active=frozenset({"EUR", "USD"}), multi=True)
    single = CurrencySetup(corporate="USD", active=frozenset({"USD"}), multi=False)
    assert currency_problem({"deal_currency_code": "usd", "amount": "1"}, multi) is None
    inactive = currency_problem({"deal_currency_code": "GBP", "amount": "1"}, multi)
    assert inactive is not None and inactive[0] == DEAL_CURRENCY_NOT_ACTIVE
    assert "GBP" in inactive[1]
    mismatch = currency_problem({"deal_currency_code": "EUR", "amount": "5"}, single)
    assert mismatch is not None and mismatch[0] == DEAL_CURRENCY_MISMATCH
    assert "EUR" in mismatch[1] and "USD" in mismatch[1]
    assert currency_problem({"deal_currency_code": "EUR", "amount": ""}, single) is None
    assert currency_problem({"amount": "5"}, single) is None
