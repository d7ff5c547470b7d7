"""The pipeline and stage table of deals ⇄ opportunities, as data (R22).

Each :class:`StageRow` maps one HubSpot pipeline stage to one Salesforce ``StageName``.
A default table is generated from the HubSpot account's deal pipelines and the org's
``OpportunityStage`` picklist (:func:`default_table`); it is saved and then edited like
any mapping (``deals.stages``), and refused when it would break what a stage means
(:func:`table_problems`):

- a closed-won HubSpot stage maps to a stage Salesforce marks ``IsClosed`` and ``IsWon``;
  closed-lost to ``IsClosed`` and not ``IsWon``; an open stage to an open one;
- every Salesforce stage named exists in the org.

A deal whose pipeline has no row does not sync, and says so
(``DEAL_PIPELINE_NOT_SYNCED``). A Salesforce stage without a row cannot reach HubSpot
(``DEAL_STAGE_NOT_MAPPED``): the table is HubSpot-stage first, and the first row naming
a Salesforce stage gives its HubSpot stage, so values round-trip (R26).

:class:`StageTranslator` applies the table to two mapping rows the deals pair adds:
``dealstage`` ⇄ ``StageName`` and ``pipeline`` ⇄ ``StageName``. Both are compared in
Salesforce's space (the pipeline row's HubSpot value is the deal's stage seen through
the table), so they move together: a Salesforce stage change writes the HubSpot stage
and its pipeline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from crmsync.connectors.base import RecordTypeInfo, StageInfo
from crmsync.core.deal_record_types import (
    DEAL_RECORD_TYPE_NOT_SYNCED,
    PIPELINE_DASH,
    RECORD_TYPE_FIELD,
    record_type_for_pipeline,
    record_type_problems,
)
from crmsync.core.mapping import FieldMapping, Transform
from crmsync.core.sync_rules import SyncRule
from crmsync.core.translation import Translation, Translator
from crmsync.core.values import FieldValue, is_blank

DEAL_PIPELINE_NOT_SYNCED = "DEAL_PIPELINE_NOT_SYNCED"
DEAL_STAGE_NOT_MAPPED = "DEAL_STAGE_NOT_MAPPED"

STAGE_ROWS: tuple[FieldMapping, ...] = (
    FieldMapping(
        hubspot_property="dealstage",
        salesforce_field="StageName",
        rule=SyncRule.TWO_WAY,
        transform=Transform.DEAL_STAGE,
    ),
    FieldMapping(
        hubspot_property="pipeline",
        salesforce_field="StageName",
        rule=SyncRule.TWO_WAY,
        transform=Transform.DEAL_PIPELINE,
    ),
)
"""The rows the deals pair adds to the Opportunity mapping (the table does the work)."""


@dataclass(frozen=True, kw_only=True)
class StageRow:
    """One HubSpot pipeline stage ⇄ one Salesforce ``StageName``."""

    pipeline: str
    stage: str
    salesforce_stage: str
    pipeline_label: str = ""
    stage_label: str = ""
    record_type: str = ""
    """The Opportunity record type (``DeveloperName``) of the pipeline, in an org with
    several; empty otherwise."""


@dataclass(frozen=True, kw_only=True)
class StageTable:
    """The rows in order; the first row naming a Salesforce stage is its HubSpot stage."""

    rows: tuple[StageRow, ...]

    def pipelines(self) -> frozenset[str]:
        """The HubSpot pipelines that sync."""
        return frozenset(row.pipeline for row in self.rows)

    def to_salesforce(self, pipeline: str, stage: str) -> str | None:
        """The ``StageName`` of a HubSpot stage, if mapped."""
        for row in self.rows:
            if row.pipeline == pipeline and row.stage == stage:
                return row.salesforce_stage
        return None

    def to_hubspot(self, salesforce_stage: str, *, record_type: str = "") -> StageRow | None:
        """The HubSpot pipeline and stage a Salesforce stage becomes, if mapped (within
        the opportunity's ``record_type`` when the table has record types)."""
        wanted = salesforce_stage.strip()
        return next(
            (
                row
                for row in self.rows
                if row.salesforce_stage == wanted and row.record_type == record_type
            ),
            None,
        )

    def record_types(self) -> frozenset[str]:
        """The record types the table names (empty: the table has none)."""
        return frozenset(row.record_type for row in self.rows if row.record_type)

    def record_type_of(self, pipeline: str) -> str:
        """The record type a pipeline's opportunities have (empty: none named)."""
        return next((row.record_type for row in self.rows if row.pipeline == pipeline), "")

    def pipeline_of(self, record_type: str) -> str | None:
        """The pipeline an opportunity of ``record_type`` lands in (the first naming it)."""
        return next((row.pipeline for row in self.rows if row.record_type == record_type), None)

    def to_json(self) -> list[dict[str, str]]:
        """The table as JSON rows (``deals.stages``)."""
        return [
            {
                "pipeline": row.pipeline,
                "pipeline_label": row.pipeline_label,
                "stage": row.stage,
                "stage_label": row.stage_label,
                "salesforce_stage": row.salesforce_stage,
                **({"record_type": row.record_type} if row.record_type else {}),
            }
            for row in self.rows
        ]

    @classmethod
    def from_json(cls, rows: Any) -> StageTable:
        """A table from JSON rows; raises ``ValueError`` on a malformed row."""
        if not isinstance(rows, list):
            raise ValueError("expected a list of stage rows")  # noqa: TRY004 - user input
        parsed: list[StageRow] = []
        for row in rows:
            if not isinstance(row, dict):
                raise ValueError(f"a stage row is an object: {row!r}")  # noqa: TRY004
            try:
                parsed.append(
                    StageRow(
                        pipeline=str(row["pipeline"]),
                        stage=str(row["stage"]),
                        salesforce_stage=str(row["salesforce_stage"]),
                        pipeline_label=str(row.get("pipeline_label") or ""),
                        stage_label=str(row.get("stage_label") or ""),
                        record_type=str(row.get("record_type") or ""),
                    )
                )
            except KeyError as error:
                raise ValueError(f"stage row {row!r} lacks {error}") from error
        return cls(rows=tuple(parsed))


def default_table(
    hubspot: Sequence[StageInfo],
    salesforce: Sequence[StageInfo],
    record_types: Sequence[RecordTypeInfo] = (),
) -> StageTable:
    """Every HubSpot pipeline stage mapped to the Salesforce stage that means the same.

    Closed won → the first won stage; closed lost → the first closed stage not won; an
    open stage → the open Salesforce stage with the same label, else the one at the
    same relative place in the open stages (first to first, last to last).

    With two or more ``record_types`` each pipeline named "Salesforce - [Record Type]"
    maps to that record type, within the stages its sales process allows; other
    pipelines get no rows (they do not sync). With one or none, every pipeline maps to
    every stage and the rows name no record type.
    """
    pipelines: dict[str, list[StageInfo]] = {}
    for stage in hubspot:
        pipelines.setdefault(stage.pipeline, []).append(stage)
    rows: list[StageRow] = []
    for stages in pipelines.values():
        if len(record_types) < 2:
            rows.extend(_pipeline_rows(stages, salesforce, record_type=""))
            continue
        found = record_type_for_pipeline(stages[0].pipeline_label, record_types)
        if found is None:
            continue
        allowed = [s for s in salesforce if not found.stages or s.id in found.stages]
        rows.extend(_pipeline_rows(stages, allowed, record_type=found.developer_name))
    return StageTable(rows=tuple(rows))


def _pipeline_rows(
    stages: Sequence[StageInfo], salesforce: Sequence[StageInfo], *, record_type: str
) -> list[StageRow]:
    won = next((s.id for s in salesforce if s.closed and s.won), None)
    lost = next((s.id for s in salesforce if s.closed and not s.won), None)
    open_stages = [s for s in salesforce if not s.closed]
    by_label = {s.label.casefold(): s.id for s in open_stages}
    open_hubspot = [s for s in stages if not s.closed]
    rows: list[StageRow] = []
    for stage in stages:
        target: str | None
        if stage.closed:
            target = won if stage.won else lost
        else:
            target = by_label.get(stage.label.casefold()) or _same_place(
                open_hubspot.index(stage), len(open_hubspot), open_stages
            )
        if target is None:
            continue
        rows.append(
            StageRow(
                pipeline=stage.pipeline,
                pipeline_label=stage.pipeline_label,
                stage=stage.id,
                stage_label=stage.label,
                salesforce_stage=target,
                record_type=record_type,
            )
        )
    return rows


def _same_place(index: int, count: int, targets: Sequence[StageInfo]) -> str | None:
    if not targets:
        return None
    if count <= 1:
        return targets[0].id
    return targets[round(index * (len(targets) - 1) / (count - 1))].id


def table_problems(
    table: StageTable,
    *,
    hubspot: Sequence[StageInfo],
    salesforce: Sequence[StageInfo],
    record_types: Sequence[RecordTypeInfo] = (),
) -> list[str]:
    """Why ``table`` cannot be saved (empty when it can): unknown stages, a closed
    won/lost stage mapped to one that means something else, or rows that do not fit
    the org's record types."""
    hubspot_by_key = {(s.pipeline, s.id): s for s in hubspot}
    salesforce_by_name = {s.id: s for s in salesforce}
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    for row in table.rows:
        key = (row.pipeline, row.stage)
        if key in seen:
            problems.append(f"{row.pipeline}/{row.stage} is mapped twice")
        seen.add(key)
        source = hubspot_by_key.get(key)
        target = salesforce_by_name.get(row.salesforce_stage)
        if source is None:
            problems.append(f"HubSpot has no stage {row.stage} in pipeline {row.pipeline}")
        if target is None:
            problems.append(f"Salesforce has no active stage '{row.salesforce_stage}'")
        if source is None or target is None:
            continue
        if (source.closed, source.won) != (target.closed, target.won):
            problems.append(
                f"{row.pipeline}/{row.stage} ({_meaning(source)}) cannot map to "
                f"'{target.id}' ({_meaning(target)}): IsClosed/IsWon must agree"
            )
    return problems + record_type_problems(table, record_types)


def _meaning(stage: StageInfo) -> str:
    if not stage.closed:
        return "open"
    return "closed won" if stage.won else "closed lost"


class StageTranslator:
    """A :class:`Translator` applying a :class:`StageTable` to the stage rows; every
    other row goes to ``inner``.

    ``record_type_ids`` maps the org's record types (``DeveloperName``) to their ids; with
    record types the pipeline row is ``pipeline`` ⇄ ``RecordTypeId``, and a Salesforce
    stage is looked up within the opportunity's record type.
    """

    def __init__(
        self,
        *,
        inner: Translator,
        table: StageTable,
        record_type_ids: Mapping[str, str] | None = None,
    ) -> None:
        self._inner = inner
        self._table = table
        self._ids = dict(record_type_ids or {})
        self._names = {value: key for key, value in self._ids.items()}

    def to_salesforce(
        self, mapping: FieldMapping, value: FieldValue, *, record: Mapping[str, Any]
    ) -> Translation:
        """A HubSpot stage (with the deal's pipeline) → its ``StageName``; a pipeline →
        its record type's id (with record types)."""
        if mapping.transform is Transform.DEAL_STAGE:
            pipeline, stage = record.get("pipeline"), value
        elif mapping.transform is Transform.DEAL_PIPELINE:
            pipeline, stage = value, record.get("dealstage")
        else:
            return self._inner.to_salesforce(mapping, value, record=record)
        if is_blank(stage):
            return Translation(value=None)
        pipeline_id = "default" if is_blank(pipeline) else str(pipeline)
        if pipeline_id not in self._table.pipelines():
            return Translation(
                value=None,
                error_code=DEAL_PIPELINE_NOT_SYNCED,
                detail=f"pipeline {pipeline_id} does not sync with Salesforce (deals.stages)",
            )
        if mapping.salesforce_field == RECORD_TYPE_FIELD:
            record_type = self._table.record_type_of(pipeline_id)
            found_id = self._ids.get(record_type)
            if found_id is None:
                return Translation(
                    value=None,
                    error_code=DEAL_RECORD_TYPE_NOT_SYNCED,
                    detail=f"pipeline {pipeline_id} maps to record type '{record_type}', "
                    "which the org does not have active (deals.stages)",
                )
            return Translation(value=found_id)
        found = self._table.to_salesforce(pipeline_id, str(stage))
        if found is None:
            return Translation(
                value=None,
                error_code=DEAL_STAGE_NOT_MAPPED,
                detail=f"stage {stage} of pipeline {pipeline_id} has no Salesforce stage "
                "(deals.stages)",
            )
        return Translation(value=found)

    def to_hubspot(
        self, mapping: FieldMapping, value: FieldValue, *, record: Mapping[str, Any]
    ) -> Translation:
        """A ``StageName`` → its HubSpot stage id, or the pipeline holding it; a
        ``RecordTypeId`` → its record type's pipeline."""
        if mapping.transform not in (Transform.DEAL_STAGE, Transform.DEAL_PIPELINE):
            return self._inner.to_hubspot(mapping, value, record=record)
        if mapping.salesforce_field == RECORD_TYPE_FIELD:
            return self._pipeline_of(value)
        if is_blank(value):
            return Translation(value=None, skip=True, detail="an opportunity always has a stage")
        record_type = self.record_type_name(record)
        row = self._table.to_hubspot(str(value), record_type=record_type)
        if row is None:
            within = f" in record type '{record_type}'" if record_type else ""
            return Translation(
                value=None,
                error_code=DEAL_STAGE_NOT_MAPPED,
                detail=f"Salesforce stage '{value}'{within} has no HubSpot stage (deals.stages)",
            )
        if mapping.transform is Transform.DEAL_STAGE:
            return Translation(value=row.stage)
        return Translation(value=row.pipeline)

    def record_type_name(self, record: Mapping[str, Any]) -> str:
        """The ``DeveloperName`` of an opportunity's record type (empty without them)."""
        if not self._table.record_types():
            return ""
        record_type_id = record.get(RECORD_TYPE_FIELD)
        if is_blank(record_type_id):
            return ""
        return self._names.get(str(record_type_id), str(record_type_id))

    def _pipeline_of(self, record_type_id: FieldValue) -> Translation:
        name = "" if is_blank(record_type_id) else self._names.get(str(record_type_id), "")
        pipeline = self._table.pipeline_of(name) if name else None
        if pipeline is None:
            shown = name or str(record_type_id or "none")
            return Translation(
                value=None,
                error_code=DEAL_RECORD_TYPE_NOT_SYNCED,
                detail=f"record type '{shown}' has no HubSpot pipeline: create a pipeline "
                f"named 'Salesforce{PIPELINE_DASH}{shown}' or add rows for it to deals.stages",
            )
        return Translation(value=pipeline)
