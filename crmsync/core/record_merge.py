"""The field-by-field decision for one linked record pair (a three-way merge).

For every row of an :class:`~crmsync.core.mapping.ObjectMapping`, the HubSpot value is
translated into Salesforce's space, compared with the Salesforce value and the row's
snapshot, and decided by :func:`~crmsync.core.sync_rules.decide_field`. Values written
to HubSpot are translated back. Only fields changed since the snapshot move; equal values
never write (R26).

Usage by the engine::

    decision = decide_record(mapping=..., hubspot=hs.fields, salesforce=sf.fields,
                             snapshot=stored_or_None, hubspot_modified_at=hs.modified_at,
                             salesforce_modified_at=sf.modified_at, translator=...)
    decision.salesforce_writes()   # {"FirstName": "Ann", ...} for a WriteRequest
    decision.hubspot_writes()      # {"firstname": "Ann", ...}
    decision.conflicts()           # outcomes whose losing edit goes to the audit log
    decision.errors()              # outcomes whose value could not be translated
    new_snapshot = decision.snapshot_after(stored, failed=frozenset())

The snapshot is keyed by HubSpot property and holds Salesforce-space values; a missing
key means the field never synced. Store :meth:`RecordDecision.snapshot_after` only once
the writes are durable, passing the sides whose write failed in ``failed``.

For a record that exists on one side only, use :func:`initial_values`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from crmsync.connectors.base import System
from crmsync.core.mapping import FieldMapping, ObjectMapping
from crmsync.core.sync_rules import (
    DEFAULT_SKEW_TOLERANCE,
    FieldDecision,
    FieldSnapshot,
    decide_field,
)
from crmsync.core.translation import IdentityTranslator, Translation, Translator
from crmsync.core.values import FieldValue, is_blank

IDENTITY = IdentityTranslator()


@dataclass(frozen=True, kw_only=True)
class TranslationProblem:
    """A value that could not cross to ``target`` (stored as a sync error)."""

    target: System
    code: str
    detail: str
    value: FieldValue


@dataclass(frozen=True, kw_only=True)
class FieldOutcome:
    """The decision for one mapping row, ready to apply.

    ``write_value`` is in the target side's own space. ``losing_value`` is the
    discarded edit, in the losing side's own space, when ``decision.conflict``.
    ``decision`` is ``None`` when a translation failed (see ``problem``).
    """

    mapping: FieldMapping
    decision: FieldDecision | None
    write_value: FieldValue = None
    losing_value: FieldValue = None
    problem: TranslationProblem | None = None

    @property
    def write_to(self) -> System | None:
        """The side this outcome writes to, if any."""
        if self.decision is None or self.problem is not None:
            return None
        return self.decision.write_to


@dataclass(frozen=True, kw_only=True)
class RecordDecision:
    """Every field outcome of one record pair."""

    outcomes: tuple[FieldOutcome, ...]

    def salesforce_writes(self) -> dict[str, FieldValue]:
        """Salesforce field → value to write (empty: nothing to write)."""
        return {
            outcome.mapping.salesforce_field: outcome.write_value
            for outcome in self.outcomes
            if outcome.write_to is System.SALESFORCE
        }

    def hubspot_writes(self) -> dict[str, FieldValue]:
        """HubSpot property → value to write."""
        return {
            outcome.mapping.hubspot_property: outcome.write_value
            for outcome in self.outcomes
            if outcome.write_to is System.HUBSPOT
        }

    def conflicts(self) -> tuple[FieldOutcome, ...]:
        """Outcomes that discard an edit made on the losing side (for the audit log)."""
        return tuple(
            outcome
            for outcome in self.outcomes
            if outcome.write_to is not None
            and outcome.decision is not None
            and outcome.decision.conflict
        )

    def errors(self) -> tuple[FieldOutcome, ...]:
        """Outcomes whose value could not be translated."""
        return tuple(outcome for outcome in self.outcomes if outcome.problem is not None)

    def snapshot_after(
        self,
        previous: Mapping[str, FieldValue] | None,
        *,
        failed: frozenset[System] = frozenset(),
    ) -> dict[str, FieldValue]:
        """The snapshot to store once the writes succeeded (sides in ``failed`` did not)."""
        snapshot = dict(previous or {})
        for outcome in self.outcomes:
            decision = outcome.decision
            if decision is None or outcome.problem is not None or not decision.settled:
                continue
            if decision.write_to is not None and decision.write_to in failed:
                continue
            snapshot[outcome.mapping.hubspot_property] = decision.value
        return snapshot


def decide_record(
    *,
    mapping: ObjectMapping,
    hubspot: Mapping[str, Any],
    salesforce: Mapping[str, Any],
    snapshot: Mapping[str, FieldValue] | None,
    hubspot_modified_at: datetime | None,
    salesforce_modified_at: datetime | None,
    translator: Translator = IDENTITY,
    skew_tolerance: timedelta = DEFAULT_SKEW_TOLERANCE,
    tie_winner: System = System.SALESFORCE,
) -> RecordDecision:
    """Decide every mapped field of a linked HubSpot/Salesforce record pair."""
    outcomes: list[FieldOutcome] = []
    for row in mapping.fields:
        hubspot_raw = _scalar(hubspot.get(row.hubspot_property))
        salesforce_value = _scalar(salesforce.get(row.salesforce_field))
        as_salesforce = translator.to_salesforce(row, hubspot_raw, record=hubspot)
        if not as_salesforce.ok:
            outcomes.append(_failed(row, System.SALESFORCE, as_salesforce, hubspot_raw))
            continue
        previous = (
            FieldSnapshot(value=snapshot[row.hubspot_property])
            if snapshot is not None and row.hubspot_property in snapshot
            else None
        )
        decision = decide_field(
            rule=row.rule,
            hubspot_value=as_salesforce.value,
            salesforce_value=salesforce_value,
            snapshot=previous,
            hubspot_modified_at=hubspot_modified_at,
            salesforce_modified_at=salesforce_modified_at,
            skew_tolerance=skew_tolerance,
            tie_winner=tie_winner,
        )
        losing = _losing_value(decision, hubspot_raw=hubspot_raw, salesforce=salesforce_value)
        if decision.write_to is System.HUBSPOT:
            as_hubspot = translator.to_hubspot(row, decision.value, record=salesforce)
            if not as_hubspot.ok:
                outcomes.append(_failed(row, System.HUBSPOT, as_hubspot, decision.value))
                continue
            outcomes.append(
                FieldOutcome(
                    mapping=row,
                    decision=decision,
                    write_value=as_hubspot.value,
                    losing_value=losing,
                )
            )
        else:
            outcomes.append(
                FieldOutcome(
                    mapping=row, decision=decision, write_value=decision.value, losing_value=losing
                )
            )
    return RecordDecision(outcomes=tuple(outcomes))


def initial_values(
    *,
    mapping: ObjectMapping,
    source: System,
    record: Mapping[str, Any],
    translator: Translator = IDENTITY,
) -> tuple[dict[str, FieldValue], tuple[FieldOutcome, ...]]:
    """Field values to create the other side's record from a ``source`` record.

    Every non-blank value of a row whose rule may write to the other side is
    translated; returns the values and the rows that failed to translate.
    """
    target = System.HUBSPOT if source is System.SALESFORCE else System.SALESFORCE
    values: dict[str, FieldValue] = {}
    problems: list[FieldOutcome] = []
    for row in mapping.fields:
        if target not in row.rule.writes_to:
            continue
        name = row.hubspot_property if source is System.HUBSPOT else row.salesforce_field
        raw = _scalar(record.get(name))
        if is_blank(raw):
            continue
        if target is System.SALESFORCE:
            translated = translator.to_salesforce(row, raw, record=record)
            target_name = row.salesforce_field
        else:
            translated = translator.to_hubspot(row, raw, record=record)
            target_name = row.hubspot_property
        if not translated.ok:
            problems.append(_failed(row, target, translated, raw))
            continue
        values[target_name] = translated.value
    return values, tuple(problems)


def _scalar(value: object) -> FieldValue:
    """A JSON scalar from a record (compound values are not mapped; they count as blank)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return None


def _losing_value(
    decision: FieldDecision, *, hubspot_raw: FieldValue, salesforce: FieldValue
) -> FieldValue:
    if not decision.conflict:
        return None
    return hubspot_raw if decision.write_to is System.HUBSPOT else salesforce


def _failed(
    row: FieldMapping, target: System, translation: Translation, value: FieldValue
) -> FieldOutcome:
    problem = TranslationProblem(
        target=target,
        code=translation.error_code or "TRANSLATION_FAILED",
        detail=translation.detail,
        value=value,
    )
    return FieldOutcome(mapping=row, decision=None, problem=problem)
