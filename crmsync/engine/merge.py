"""The field-by-field merge of one linked record pair (a three-way merge, R26).

Values are compared in Salesforce's space: the HubSpot value is translated first
(``Polska`` → ``Poland``), so a one-way transform never looks like a change. The
snapshot of a link holds, per HubSpot property, the Salesforce-space value both sides
held after the field last synced. Each field goes through
:func:`crmsync.core.sync_rules.decide_field`; this module only gathers the results into
writes for each side, the snapshot entries each write settles, and audit entries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crmsync.connectors.base import RemoteRecord, System
from crmsync.core.mapping import FieldMapping, ObjectMapping
from crmsync.core.sync_rules import FieldSnapshot, SyncRule, decide_field
from crmsync.core.translation import Translation, Translator
from crmsync.core.values import FieldValue, is_blank, values_equal


@dataclass(frozen=True, kw_only=True)
class FieldChange:
    """One field written to one side, for the audit log and dry runs."""

    hubspot_property: str
    target: System
    target_field: str
    old_value: Any
    new_value: Any
    rule: str
    reason: str
    losing_value: Any = None
    conflict: bool = False


@dataclass(frozen=True, kw_only=True)
class FieldProblem:
    """A field that could not be translated (R11, value maps): stored as a sync error."""

    hubspot_property: str
    target: System
    target_field: str
    code: str
    detail: str


@dataclass(kw_only=True)
class PairPlan:
    """What one record pair needs: writes per side and the snapshot they settle."""

    hubspot_values: dict[str, Any] = field(default_factory=dict)
    salesforce_values: dict[str, Any] = field(default_factory=dict)
    settled: dict[str, Any] = field(default_factory=dict)
    on_hubspot_write: dict[str, Any] = field(default_factory=dict)
    on_salesforce_write: dict[str, Any] = field(default_factory=dict)
    changes: list[FieldChange] = field(default_factory=list)
    problems: list[FieldProblem] = field(default_factory=list)

    def values_for(self, system: System) -> dict[str, Any]:
        """The fields to write to ``system`` (empty: no write)."""
        return self.hubspot_values if system is System.HUBSPOT else self.salesforce_values

    def snapshot_after(self, system: System) -> dict[str, Any]:
        """Snapshot entries that hold once the write to ``system`` succeeded."""
        return self.on_hubspot_write if system is System.HUBSPOT else self.on_salesforce_write


EMAIL_PROPERTY = "email"
"""The HubSpot property whose values compare without case (see :func:`comparable`)."""


def _synced_rows(mapping: ObjectMapping) -> list[FieldMapping]:
    return [row for row in mapping.fields if row.rule is not SyncRule.DONT_SYNC]


def hubspot_value(value: FieldValue) -> FieldValue:
    """HubSpot clears a property with an empty string, not ``null``."""
    return "" if value is None else value


def comparable(row: FieldMapping, value: Any) -> Any:
    """``value`` as compared for ``row``: emails without case (R26).

    HubSpot stores email addresses lower-cased, so a Salesforce ``Ann@Example.com``
    comes back from HubSpot as ``ann@example.com``; that difference is the echo of our
    own write, not a change to carry back.
    """
    if row.hubspot_property == EMAIL_PROPERTY and isinstance(value, str):
        return value.strip().lower()
    return value


def hubspot_changed(
    record: RemoteRecord,
    *,
    mapping: ObjectMapping,
    snapshot: Mapping[str, Any],
    translator: Translator,
) -> bool:
    """True when a mapped HubSpot value differs from what was last synced (else: echo)."""
    for row in _synced_rows(mapping):
        translated = translator.to_salesforce(
            row, record.fields.get(row.hubspot_property), record=record.fields
        )
        if not translated.ok:
            return True
        if row.hubspot_property not in snapshot:
            if not is_blank(translated.value):
                return True
        elif not values_equal(
            comparable(row, translated.value), comparable(row, snapshot[row.hubspot_property])
        ):
            return True
    return False


def salesforce_changed(
    record: RemoteRecord, *, mapping: ObjectMapping, snapshot: Mapping[str, Any]
) -> bool:
    """True when a mapped Salesforce value differs from what was last synced (else: echo)."""
    for row in _synced_rows(mapping):
        value = record.fields.get(row.salesforce_field)
        if row.hubspot_property not in snapshot:
            if not is_blank(value):
                return True
        elif not values_equal(
            comparable(row, value), comparable(row, snapshot[row.hubspot_property])
        ):
            return True
    return False


def merge_pair(
    *,
    hubspot: RemoteRecord,
    salesforce: RemoteRecord,
    mapping: ObjectMapping,
    snapshot: Mapping[str, Any],
    translator: Translator,
) -> PairPlan:
    """Decide every mapped field of a linked pair against the last snapshot."""

    def hubspot_side(row: FieldMapping) -> tuple[Any, Translation]:
        raw = hubspot.fields.get(row.hubspot_property)
        return raw, translator.to_salesforce(row, raw, record=hubspot.fields)

    return _merge(
        hubspot_side,
        hubspot_modified_at=hubspot.modified_at,
        salesforce=salesforce,
        mapping=mapping,
        snapshot=snapshot,
        translator=translator,
    )


def merge_unchanged_hubspot(
    *,
    salesforce: RemoteRecord,
    mapping: ObjectMapping,
    snapshot: Mapping[str, Any],
    translator: Translator,
) -> PairPlan:
    """:func:`merge_pair` for a HubSpot record known to hold its snapshot, unread.

    The caller knows that every synced field of the HubSpot record, translated, equals
    its snapshot entry or is blank and has none (:func:`hubspot_changed` was false for
    the record against this very snapshot, :mod:`crmsync.engine.known`). The HubSpot
    side is then the snapshot itself, in Salesforce's space, and only the fields
    Salesforce changed since it produce writes. Its modification time is never needed:
    an unchanged side is never in a two-way conflict. The audit's old
    HubSpot value is the snapshot's (Salesforce's space).
    """

    def hubspot_side(row: FieldMapping) -> tuple[Any, Translation]:
        value = snapshot.get(row.hubspot_property)
        return value, Translation(value=value)

    return _merge(
        hubspot_side,
        hubspot_modified_at=None,
        salesforce=salesforce,
        mapping=mapping,
        snapshot=snapshot,
        translator=translator,
    )


def _merge(
    hubspot_side: Callable[[FieldMapping], tuple[Any, Translation]],
    *,
    hubspot_modified_at: datetime | None,
    salesforce: RemoteRecord,
    mapping: ObjectMapping,
    snapshot: Mapping[str, Any],
    translator: Translator,
) -> PairPlan:
    """The merge of one pair; ``hubspot_side`` gives a row's raw HubSpot value and its
    translation to Salesforce's space."""
    plan = PairPlan()
    for row in _synced_rows(mapping):
        prop = row.hubspot_property
        raw, translated = hubspot_side(row)
        if not translated.ok:
            if System.SALESFORCE in row.rule.writes_to:
                plan.problems.append(_problem(row, System.SALESFORCE, translated))
            continue
        current = salesforce.fields.get(row.salesforce_field)
        decision = decide_field(
            rule=row.rule,
            hubspot_value=comparable(row, translated.value),
            salesforce_value=comparable(row, current),
            snapshot=(
                FieldSnapshot(value=comparable(row, snapshot[prop])) if prop in snapshot else None
            ),
            hubspot_modified_at=hubspot_modified_at,
            salesforce_modified_at=salesforce.modified_at,
        )
        if decision.write_to is None:
            if decision.settled:
                plan.settled[prop] = decision.value
            continue
        if decision.write_to is System.SALESFORCE:
            plan.salesforce_values[row.salesforce_field] = decision.value
            plan.on_salesforce_write[prop] = decision.value
            plan.changes.append(
                FieldChange(
                    hubspot_property=prop,
                    target=System.SALESFORCE,
                    target_field=row.salesforce_field,
                    old_value=current,
                    new_value=decision.value,
                    rule=decision.rule.value,
                    reason=decision.reason.value,
                    losing_value=decision.losing_value,
                    conflict=decision.conflict,
                )
            )
            continue
        back = translator.to_hubspot(row, decision.value, record=salesforce.fields)
        if back.skip:
            continue
        if not back.ok:
            plan.problems.append(_problem(row, System.HUBSPOT, back))
            continue
        plan.hubspot_values[prop] = hubspot_value(back.value)
        plan.on_hubspot_write[prop] = _as_written(row, decision.value, back.value, translator)
        plan.changes.append(
            FieldChange(
                hubspot_property=prop,
                target=System.HUBSPOT,
                target_field=prop,
                old_value=raw,
                new_value=back.value,
                rule=decision.rule.value,
                reason=decision.reason.value,
                losing_value=decision.losing_value,
                conflict=decision.conflict,
            )
        )
    return plan


def creation_plan(
    *, source: RemoteRecord, source_system: System, mapping: ObjectMapping, translator: Translator
) -> PairPlan:
    """The fields a new record on the other side is created with, and their snapshot."""
    plan = PairPlan()
    target = System.SALESFORCE if source_system is System.HUBSPOT else System.HUBSPOT
    for row in _synced_rows(mapping):
        if target not in row.rule.writes_to:
            continue
        if source_system is System.HUBSPOT:
            translated = translator.to_salesforce(
                row, source.fields.get(row.hubspot_property), record=source.fields
            )
            if not translated.ok:
                plan.problems.append(_problem(row, target, translated))
            elif not is_blank(translated.value):
                plan.salesforce_values[row.salesforce_field] = translated.value
                plan.on_salesforce_write[row.hubspot_property] = translated.value
            continue
        value = source.fields.get(row.salesforce_field)
        back = translator.to_hubspot(row, value, record=source.fields)
        if is_blank(value) and (not back.ok or is_blank(back.value)):
            continue  # a blank is left out, unless the translator fills it (a task's date)
        if back.skip:
            continue
        if not back.ok:
            plan.problems.append(_problem(row, target, back))
            continue
        plan.hubspot_values[row.hubspot_property] = hubspot_value(back.value)
        plan.on_hubspot_write[row.hubspot_property] = _as_written(
            row, value, back.value, translator
        )
    values = plan.values_for(target)
    for name, value in values.items():
        plan.changes.append(
            FieldChange(
                hubspot_property=name,
                target=target,
                target_field=name,
                old_value=None,
                new_value=value,
                rule="create",
                reason="create",
            )
        )
    return plan


def _as_written(row: FieldMapping, value: Any, written: Any, translator: Translator) -> Any:
    """The snapshot of a value written to HubSpot: the Salesforce value, or, when the
    translator filled a blank (a task with no due date), what HubSpot now holds, so
    that reading it back is no change (R26)."""
    if not is_blank(value) or is_blank(written):
        return value
    back = translator.to_salesforce(row, written, record={row.hubspot_property: written})
    return back.value if back.ok else value


def _problem(row: FieldMapping, target: System, translation: Any) -> FieldProblem:
    return FieldProblem(
        hubspot_property=row.hubspot_property,
        target=target,
        target_field=row.salesforce_field if target is System.SALESFORCE else row.hubspot_property,
        code=str(translation.error_code),
        detail=str(translation.detail),
    )
