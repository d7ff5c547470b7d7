"""R22 with Opportunity record types, end to end: each HubSpot pipeline named
"Salesforce - [Record Type]" (an en dash in HubSpot) stands for that record type, both
ways, within the stages its sales process allows; a pipeline without a record type and
a record type without a pipeline do not sync, and say so."""

from __future__ import annotations

from typing import Any

import pytest

from crmsync.core.deal_stages import StageTable
from crmsync.core.policies import SettingError
from crmsync.engine.settings import stage_table
from crmsync.store.state import Scope
from tests.e2e.conftest import World

CLOSE = "2026-06-30T00:00:00Z"
DASH = " \u2013 "
RENEWAL_STAGES = ["Qualification", "Negotiation/Review", "Closed Won", "Closed Lost"]
RECORD_TYPES: list[dict[str, Any]] = [
    {"developer_name": "Enterprise", "name": "Enterprise", "default": True},
    {"developer_name": "Renewal", "name": "Renewal", "stages": RENEWAL_STAGES},
    {"developer_name": "Partner", "name": "Partner"},
]


def _pipeline(pipeline_id: str, label: str, stages: list[tuple[str, str, str, str]]) -> Any:
    return {
        "id": pipeline_id,
        "label": label,
        "displayOrder": 2,
        "archived": False,
        "stages": [
            {
                "id": stage_id,
                "label": stage_label,
                "displayOrder": order,
                "metadata": {"isClosed": closed, "probability": probability},
                "archived": False,
            }
            for order, (stage_id, stage_label, closed, probability) in enumerate(stages)
        ],
    }


PIPELINES = [
    _pipeline("enterprise", f"Salesforce{DASH}Enterprise", [
        ("ent-open", "Prospecting", "false", "0.1"),
        ("ent-qualified", "Qualification", "false", "0.3"),
        ("ent-won", "Won", "true", "1.0"),
        ("ent-lost", "Lost", "true", "0.0"),
    ]),
    _pipeline("renewal", f"Salesforce{DASH}Renewal", [
        ("ren-due", "Renewal due", "false", "0.5"),
        ("ren-won", "Renewed", "true", "1.0"),
        ("ren-lost", "Churned", "true", "0.0"),
    ]),
]  # fmt: skip


@pytest.fixture
def typed(world: World) -> World:
    """Three Opportunity record types, two of them with a "Salesforce - X" pipeline."""
    world.sf_control.update_settings(opportunity_record_types=RECORD_TYPES)
    world.hs_control.seed({"pipelines": {"deals": PIPELINES}})
    world.enable_deals(with_companies=False)
    return world


def _scope(world: World) -> Scope:
    return world.engine().scope


def _record_type_ids(world: World) -> dict[str, str]:
    found = world.salesforce.opportunity_record_types(with_stages=False)
    return {record_type.developer_name: record_type.id for record_type in found}


def _opportunity_of(world: World, deal: str) -> str:
    with world.store.begin(_scope(world)) as tx:
        return tx.links_by_hubspot(hubspot_type="deals", ids=[deal])[deal].salesforce_id


def _deal_of(world: World, opportunity: str) -> str | None:
    with world.store.begin(_scope(world)) as tx:
        found = tx.links_by_salesforce(salesforce_types=["Opportunity"], ids=[opportunity])
    link = found.get(opportunity)
    return None if link is None else link.hubspot_id


def _opportunity(world: World, record_id: str) -> dict[str, Any]:
    (record,) = world.salesforce.read_by_ids(
        "Opportunity", [record_id], fields=("StageName", "RecordTypeId")
    )
    return dict(record.fields)


def _open_errors(world: World) -> dict[str, Any]:
    with world.store.begin(_scope(world)) as tx:
        return {row.api_code: row for row in tx.open_errors()}


def _table(world: World) -> StageTable:
    table = stage_table(world.store)
    assert table is not None
    return table


def test_r22_the_generated_table_maps_each_salesforce_pipeline_to_its_record_type(
    typed: World,
) -> None:
    typed.sync()

    rows = {(row.pipeline, row.stage): row for row in _table(typed).rows}
    assert {row.record_type for row in rows.values()} == {"Enterprise", "Renewal"}
    assert rows[("enterprise", "ent-open")].record_type == "Enterprise"
    assert rows[("enterprise", "ent-open")].salesforce_stage == "Prospecting"
    # The Renewal sales process has no Prospecting: its open stage maps within its own.
    assert rows[("renewal", "ren-due")].salesforce_stage == "Qualification"
    assert rows[("renewal", "ren-won")].salesforce_stage == "Closed Won"
    assert all(row.salesforce_stage in RENEWAL_STAGES for row in rows.values()
               if row.record_type == "Renewal")  # fmt: skip
    # HubSpot's default pipeline names no record type: it has no rows.
    assert not any(pipeline == "default" for pipeline, _stage in rows)


def test_r22_a_deal_creates_an_opportunity_of_its_pipeline_record_type(typed: World) -> None:
    ids = _record_type_ids(typed)
    renewal = typed.hs_create_deal(
        dealname="Renewal 2027", closedate=CLOSE, pipeline="renewal", dealstage="ren-due"
    )
    enterprise = typed.hs_create_deal(
        dealname="New logo", closedate=CLOSE, pipeline="enterprise", dealstage="ent-open"
    )

    typed.sync()

    renewed = _opportunity(typed, _opportunity_of(typed, renewal))
    assert (renewed["RecordTypeId"], renewed["StageName"]) == (ids["Renewal"], "Qualification")
    new_logo = _opportunity(typed, _opportunity_of(typed, enterprise))
    assert (new_logo["RecordTypeId"], new_logo["StageName"]) == (ids["Enterprise"], "Prospecting")
    assert _open_errors(typed) == {}


def test_r22_an_opportunity_lands_in_the_pipeline_of_its_record_type(typed: World) -> None:
    typed.sync()  # the table first, from the pipelines there are
    ids = _record_type_ids(typed)
    opportunity = typed.sf_create(
        "Opportunity", Name="Upsell", StageName="Qualification", CloseDate="2026-07-01",
        RecordTypeId=ids["Renewal"],
    )  # fmt: skip
    enterprise = typed.sf_create(
        "Opportunity",
        Name="New logo",
        StageName="Qualification",
        CloseDate="2026-07-01",
    )  # fmt: skip  (no record type given: the user's default, Enterprise)
    typed.tick()

    typed.sync()

    renewal_deal = _deal_of(typed, opportunity)
    assert renewal_deal is not None
    deal = typed.hs_read_deal(renewal_deal)
    # The same StageName lands in the stage of the record type's own pipeline.
    assert (deal.fields["pipeline"], deal.fields["dealstage"]) == ("renewal", "ren-due")
    enterprise_deal = _deal_of(typed, enterprise)
    assert enterprise_deal is not None
    other = typed.hs_read_deal(enterprise_deal)
    assert (other.fields["pipeline"], other.fields["dealstage"]) == (
        "enterprise", "ent-qualified"
    )  # fmt: skip
    assert _open_errors(typed) == {}


def test_r22_stages_follow_the_record_type_both_ways(typed: World) -> None:
    ids = _record_type_ids(typed)
    deal = typed.hs_create_deal(
        dealname="Moves", closedate=CLOSE, pipeline="enterprise", dealstage="ent-qualified"
    )
    typed.sync()
    opportunity = _opportunity_of(typed, deal)
    assert _opportunity(typed, opportunity)["RecordTypeId"] == ids["Enterprise"]

    # Salesforce: the opportunity becomes a renewal, keeping its stage (both processes
    # have Qualification). The deal moves to the renewal pipeline, stage and all.
    typed.sf_update("Opportunity", opportunity, RecordTypeId=ids["Renewal"])
    typed.tick()
    typed.sync()
    moved = typed.hs_read_deal(deal)
    assert (moved.fields["pipeline"], moved.fields["dealstage"]) == ("renewal", "ren-due")

    # HubSpot: back to the enterprise pipeline, at its first stage.
    typed.tick()
    typed.hs_update_deal(deal, pipeline="enterprise", dealstage="ent-open")
    typed.sync()
    back = _opportunity(typed, opportunity)
    assert (back["RecordTypeId"], back["StageName"]) == (ids["Enterprise"], "Prospecting")

    # Closed won in the renewal pipeline is Closed Won of the Renewal record type.
    typed.tick()
    typed.hs_update_deal(deal, pipeline="renewal", dealstage="ren-won")
    typed.sync()
    won = _opportunity(typed, opportunity)
    assert (won["RecordTypeId"], won["StageName"]) == (ids["Renewal"], "Closed Won")
    assert _open_errors(typed) == {}


def test_r22_a_record_type_without_a_pipeline_does_not_sync_and_says_so(typed: World) -> None:
    typed.sync()
    ids = _record_type_ids(typed)
    partner = typed.sf_create(
        "Opportunity", Name="Via a partner", StageName="Prospecting", CloseDate="2026-07-01",
        RecordTypeId=ids["Partner"],
    )  # fmt: skip
    typed.tick()

    typed.sync()

    assert _deal_of(typed, partner) is None
    error = _open_errors(typed)["DEAL_RECORD_TYPE_NOT_SYNCED"]
    assert error.source_id == partner
    assert "Partner" in error.api_message and f"Salesforce{DASH}Partner" in error.api_message


def test_r22_a_pipeline_without_a_record_type_does_not_sync_and_says_so(typed: World) -> None:
    deal = typed.hs_create_deal(
        dealname="Default pipeline", closedate=CLOSE, pipeline="default", dealstage="qualifiedtobuy"
    )

    typed.sync()

    with typed.store.begin(_scope(typed)) as tx:
        assert deal not in tx.links_by_hubspot(hubspot_type="deals", ids=[deal])
    error = _open_errors(typed)["DEAL_PIPELINE_NOT_SYNCED"]
    assert error.source_id == deal
    assert "[Record Type]" in error.api_message


def test_r22_a_stage_outside_the_record_type_process_is_refused_when_saved(
    typed: World,
) -> None:
    row = {"pipeline": "renewal", "stage": "ren-due", "salesforce_stage": "Prospecting",
           "record_type": "Renewal"}  # fmt: skip
    with pytest.raises(SettingError, match="does not allow stage 'Prospecting'"):
        typed.set("deals.stages", [row])
    with pytest.raises(SettingError, match="names no record type"):
        typed.set("deals.stages", [{**row, "record_type": "", "salesforce_stage": "Qualification"}])


def test_r22_an_opportunity_from_before_the_record_types_says_it_has_none(world: World) -> None:
    older = world.sf_create(
        "Opportunity", Name="From before", StageName="Prospecting", CloseDate="2026-07-01"
    )
    world.sf_control.update_settings(opportunity_record_types=RECORD_TYPES)
    world.hs_control.seed({"pipelines": {"deals": PIPELINES}})
    world.enable_deals(with_companies=False)

    world.sync()

    assert _deal_of(world, older) is None
    error = _open_errors(world)["DEAL_RECORD_TYPE_NOT_SYNCED"]
    assert error.source_id == older and "has no record type" in error.api_message
