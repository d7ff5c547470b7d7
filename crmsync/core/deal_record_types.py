"""Opportunity record types ⇄ HubSpot deal pipelines (R22), as data.

In an org with several Opportunity record types, HubSpot's own integration gives each
record type its pipeline, named "Salesforce - [Record Type]" (integration behaviour
§1.9). crmsync does the same through the stage table: every row of a pipeline names
the record type (``record_type``, its ``DeveloperName``), and the default table maps a
pipeline to the record type its name gives, within the stages that record type's
sales process allows.

- A deal in a pipeline with no record type does not sync (``DEAL_PIPELINE_NOT_SYNCED``,
  the message says how to name the pipeline).
- An opportunity whose record type has no pipeline (or that has no record type) does
  not sync either (``DEAL_RECORD_TYPE_NOT_SYNCED``, naming the record type and the
  pipeline to create).
- An org with one record type or none works without them: every row leaves
  ``record_type`` empty and Salesforce gives new opportunities its default.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from crmsync.connectors.base import RecordTypeInfo
from crmsync.core.mapping import FieldMapping, Transform
from crmsync.core.sync_rules import SyncRule

if TYPE_CHECKING:
    from crmsync.core.deal_stages import StageTable

PIPELINE_DASH: Final = " \u2013 "
"""The en dash HubSpot writes between "Salesforce" and the record type (a hyphen or an em
dash is read as well)."""
DEAL_RECORD_TYPE_NOT_SYNCED: Final = "DEAL_RECORD_TYPE_NOT_SYNCED"
RECORD_TYPE_FIELD: Final = "RecordTypeId"

RECORD_TYPE_ROW: Final = FieldMapping(
    hubspot_property="pipeline",
    salesforce_field=RECORD_TYPE_FIELD,
    rule=SyncRule.TWO_WAY,
    transform=Transform.DEAL_PIPELINE,
)
"""With record types, a deal's pipeline ⇄ ``RecordTypeId`` (instead of the pipeline seen
through ``StageName``)."""

_PIPELINE_NAME: Final = re.compile(
    "^\\s*salesforce\\s*[-\u2013\u2014]\\s*(?P<name>.+?)\\s*$", re.IGNORECASE
)


def pipeline_name(record_type: RecordTypeInfo) -> str:
    """The name HubSpot gives a record type's pipeline."""
    return f"Salesforce{PIPELINE_DASH}{record_type.name}"


def record_type_for_pipeline(
    label: str, record_types: Sequence[RecordTypeInfo]
) -> RecordTypeInfo | None:
    """The record type a pipeline named "Salesforce - [Record Type]" stands for (its
    label or developer name, any dash, any case), or None."""
    match = _PIPELINE_NAME.match(label)
    if match is None:
        return None
    wanted = match["name"].casefold()
    return next(
        (
            found
            for found in record_types
            if wanted in (found.name.casefold(), found.developer_name.casefold())
        ),
        None,
    )


def record_type_problems(table: StageTable, record_types: Sequence[RecordTypeInfo]) -> list[str]:
    """Why ``table`` does not fit the org's record types (empty when it does)."""
    by_name = {found.developer_name: found for found in record_types}
    problems: list[str] = []
    per_pipeline: dict[str, set[str]] = {}
    for row in table.rows:
        per_pipeline.setdefault(row.pipeline, set()).add(row.record_type)
        if not row.record_type:
            if len(record_types) > 1:
                problems.append(
                    f"{row.pipeline}/{row.stage} names no record type: the org has "
                    f"several ({', '.join(sorted(by_name))})"
                )
            continue
        found = by_name.get(row.record_type)
        if found is None:
            problems.append(f"Salesforce has no active Opportunity record type {row.record_type}")
        elif found.stages and row.salesforce_stage not in found.stages:
            problems.append(
                f"record type {row.record_type} does not allow stage '{row.salesforce_stage}'"
            )
    for pipeline, names in per_pipeline.items():
        if len(names) > 1:
            problems.append(f"pipeline {pipeline} names more than one record type")
    return problems
