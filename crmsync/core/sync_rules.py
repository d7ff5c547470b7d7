"""Sync rules and the three-way decision for one mapped field.

A mapping's :class:`SyncRule` says which side may overwrite the other. The decision
compares each side's current value with the *snapshot*: the value both sides held
after the last successful sync of this field (``None`` when never synced). A side whose
value differs from the snapshot has *changed*. Values that are already equal never
produce a write, whatever the rule (the no-echo property, R26).

Both values and the snapshot must be in one comparable space. The engine's record-level
merge (:func:`crmsync.engine.merge.merge_pair`) uses Salesforce's space (HubSpot values
are translated first), so a one-way transform such as ``Polska`` → ``PL`` does not echo.

Entry point::

    decide_field(rule=SyncRule.TWO_WAY, hubspot_value="Ann", salesforce_value="Anna",
                 snapshot=FieldSnapshot(value="Anna"), hubspot_modified_at=...,
                 salesforce_modified_at=...) -> FieldDecision

Rules (HubSpot's four plus their HubSpot-side mirrors):

========================== ========================== =================================
rule                       authoritative side value   other side value
========================== ========================== =================================
``always_salesforce``      always overwrites HubSpot  never sent, even when SF is blank
``prefer_..._unless_blank`` non-blank overwrites;      sent only into a blank that was
                           blanking it deletes         not blanked on purpose
``two_way``                the side changed since the snapshot wins; both changed:
                           newer wins (with a clock-skew tolerance), loser kept
``dont_sync``              nothing moves
========================== ========================== =================================
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from crmsync.connectors.base import System
from crmsync.core.values import FieldValue, is_blank, values_equal

DEFAULT_SKEW_TOLERANCE = timedelta(seconds=2)
"""Two modification times closer than this are treated as simultaneous."""


class SyncRule(StrEnum):
    """How one mapped field syncs (R23)."""

    PREFER_SALESFORCE_UNLESS_BLANK = "prefer_salesforce_unless_blank"
    ALWAYS_SALESFORCE = "always_salesforce"
    TWO_WAY = "two_way"
    DONT_SYNC = "dont_sync"
    PREFER_HUBSPOT_UNLESS_BLANK = "prefer_hubspot_unless_blank"
    ALWAYS_HUBSPOT = "always_hubspot"

    @property
    def writes_to(self) -> frozenset[System]:
        """The sides this rule may ever write to (used to validate mappings, R23)."""
        return _WRITES_TO[self]


_WRITES_TO: dict[SyncRule, frozenset[System]] = {
    SyncRule.PREFER_SALESFORCE_UNLESS_BLANK: frozenset({System.HUBSPOT, System.SALESFORCE}),
    SyncRule.ALWAYS_SALESFORCE: frozenset({System.HUBSPOT}),
    SyncRule.TWO_WAY: frozenset({System.HUBSPOT, System.SALESFORCE}),
    SyncRule.DONT_SYNC: frozenset(),
    SyncRule.PREFER_HUBSPOT_UNLESS_BLANK: frozenset({System.HUBSPOT, System.SALESFORCE}),
    SyncRule.ALWAYS_HUBSPOT: frozenset({System.SALESFORCE}),
}

# The side whose value wins under a one-sided rule; two_way and dont_sync have none.
_AUTHORITY: dict[SyncRule, System] = {
    SyncRule.PREFER_SALESFORCE_UNLESS_BLANK: System.SALESFORCE,
    SyncRule.ALWAYS_SALESFORCE: System.SALESFORCE,
    SyncRule.PREFER_HUBSPOT_UNLESS_BLANK: System.HUBSPOT,
    SyncRule.ALWAYS_HUBSPOT: System.HUBSPOT,
}


class DecisionReason(StrEnum):
    """Why a field decision came out as it did; the prefix names the rule."""

    IN_SYNC = "in_sync"
    DONT_SYNC = "dont_sync"
    ALWAYS_OVERWRITES = "always.overwrites"
    PREFER_OVERWRITES = "prefer.overwrites"
    PREFER_DELETES = "prefer.deletes"
    PREFER_FILLS_BLANK = "prefer.fills_blank"
    PREFER_KEEPS_BLANK = "prefer.keeps_deleted_blank"
    TWO_WAY_ONE_SIDE_CHANGED = "two_way.one_side_changed"
    TWO_WAY_NEWER_WINS = "two_way.newer_wins"
    TWO_WAY_TIE = "two_way.tie"
    TWO_WAY_FIRST_SYNC_FILL = "two_way.first_sync_fills_blank"


@dataclass(frozen=True, kw_only=True)
class FieldSnapshot:
    """The value both sides held after this field last synced."""

    value: FieldValue


@dataclass(frozen=True, kw_only=True)
class FieldDecision:
    """What to do with one mapped field.

    ``write_to`` is the side to write ``value`` to, or ``None`` for no write. When the
    decision discards an edit the losing side made since the snapshot, ``conflict`` is
    true and ``losing_value`` holds that edit for the audit log. ``settled`` says both
    sides hold ``value`` once the write (if any) succeeds: store it as the new snapshot.
    When ``settled`` is false the sides stay different and the snapshot is kept.
    """

    rule: SyncRule
    reason: DecisionReason
    write_to: System | None
    value: FieldValue
    settled: bool
    conflict: bool = False
    losing_value: FieldValue = None

    @property
    def writes(self) -> bool:
        """True when the decision writes to one side."""
        return self.write_to is not None


def decide_field(
    *,
    rule: SyncRule,
    hubspot_value: FieldValue,
    salesforce_value: FieldValue,
    snapshot: FieldSnapshot | None,
    hubspot_modified_at: datetime | None,
    salesforce_modified_at: datetime | None,
    skew_tolerance: timedelta = DEFAULT_SKEW_TOLERANCE,
    tie_winner: System = System.SALESFORCE,
) -> FieldDecision:
    """Decide what one mapped field needs, from both values and the last snapshot.

    ``snapshot`` is ``None`` when the field never synced. Modification times are the
    records' last-modified times (timezone-aware; ``None`` when unknown, which counts
    as older than any known time). ``tie_winner`` decides two-way conflicts whose
    times are within ``skew_tolerance`` of each other.
    """
    if rule is SyncRule.DONT_SYNC:
        return FieldDecision(
            rule=rule, reason=DecisionReason.DONT_SYNC, write_to=None, value=None, settled=False
        )
    if values_equal(hubspot_value, salesforce_value):
        # No echo (R26): equal values never cause a write, whatever the rule.
        return FieldDecision(
            rule=rule,
            reason=DecisionReason.IN_SYNC,
            write_to=None,
            value=salesforce_value if not is_blank(salesforce_value) else hubspot_value,
            settled=True,
        )
    sides = _Sides(hubspot=hubspot_value, salesforce=salesforce_value, snapshot=snapshot)
    if rule is SyncRule.TWO_WAY:
        return _two_way(
            sides,
            hubspot_modified_at=hubspot_modified_at,
            salesforce_modified_at=salesforce_modified_at,
            skew_tolerance=skew_tolerance,
            tie_winner=tie_winner,
        )
    return _one_sided(rule, sides)


@dataclass(frozen=True)
class _Sides:
    hubspot: FieldValue
    salesforce: FieldValue
    snapshot: FieldSnapshot | None

    def value(self, system: System) -> FieldValue:
        return self.hubspot if system is System.HUBSPOT else self.salesforce

    def changed(self, system: System) -> bool:
        """A side changed when it differs from the snapshot; without one, when non-blank."""
        value = self.value(system)
        if self.snapshot is None:
            return not is_blank(value)
        return not values_equal(value, self.snapshot.value)


def _other(system: System) -> System:
    return System.HUBSPOT if system is System.SALESFORCE else System.SALESFORCE


def _write(
    rule: SyncRule, reason: DecisionReason, sides: _Sides, *, winner: System
) -> FieldDecision:
    """Write the winner's value to the other side, keeping the loser's edit if it made one."""
    loser = _other(winner)
    conflict = sides.changed(loser)
    return FieldDecision(
        rule=rule,
        reason=reason,
        write_to=loser,
        value=sides.value(winner),
        settled=True,
        conflict=conflict,
        losing_value=sides.value(loser) if conflict else None,
    )


def _one_sided(rule: SyncRule, sides: _Sides) -> FieldDecision:
    authority = _AUTHORITY[rule]
    follower = _other(authority)
    if rule in (SyncRule.ALWAYS_SALESFORCE, SyncRule.ALWAYS_HUBSPOT):
        return _write(rule, DecisionReason.ALWAYS_OVERWRITES, sides, winner=authority)
    if not is_blank(sides.value(authority)):
        return _write(rule, DecisionReason.PREFER_OVERWRITES, sides, winner=authority)
    # The authority is blank and the follower is not (equal values returned earlier).
    if sides.snapshot is not None and not is_blank(sides.snapshot.value):
        if sides.changed(authority):
            # The authority blanked a synced value on purpose: the delete propagates.
            return _write(rule, DecisionReason.PREFER_DELETES, sides, winner=authority)
        # Cannot happen with a consistent snapshot (blank authority equal to a non-blank
        # snapshot); keep both sides as they are rather than guess.
        return FieldDecision(
            rule=rule,
            reason=DecisionReason.PREFER_KEEPS_BLANK,
            write_to=None,
            value=None,
            settled=False,
        )
    return _write(rule, DecisionReason.PREFER_FILLS_BLANK, sides, winner=follower)


def _two_way(
    sides: _Sides,
    *,
    hubspot_modified_at: datetime | None,
    salesforce_modified_at: datetime | None,
    skew_tolerance: timedelta,
    tie_winner: System,
) -> FieldDecision:
    rule = SyncRule.TWO_WAY
    if sides.snapshot is None and (is_blank(sides.hubspot) or is_blank(sides.salesforce)):
        # First sync: no snapshot says a blank is a deletion, so fill it.
        winner = System.SALESFORCE if is_blank(sides.hubspot) else System.HUBSPOT
        return _write(rule, DecisionReason.TWO_WAY_FIRST_SYNC_FILL, sides, winner=winner)
    hubspot_changed = sides.changed(System.HUBSPOT)
    salesforce_changed = sides.changed(System.SALESFORCE)
    if hubspot_changed != salesforce_changed:
        winner = System.HUBSPOT if hubspot_changed else System.SALESFORCE
        return _write(rule, DecisionReason.TWO_WAY_ONE_SIDE_CHANGED, sides, winner=winner)
    newer = _newer_side(
        hubspot_modified_at=hubspot_modified_at,
        salesforce_modified_at=salesforce_modified_at,
        skew_tolerance=skew_tolerance,
    )
    if newer is None:
        return _write(rule, DecisionReason.TWO_WAY_TIE, sides, winner=tie_winner)
    return _write(rule, DecisionReason.TWO_WAY_NEWER_WINS, sides, winner=newer)


def _newer_side(
    *,
    hubspot_modified_at: datetime | None,
    salesforce_modified_at: datetime | None,
    skew_tolerance: timedelta,
) -> System | None:
    """The side modified later, or ``None`` when they are within the tolerance."""
    if hubspot_modified_at is None and salesforce_modified_at is None:
        return None
    if hubspot_modified_at is None:
        return System.SALESFORCE
    if salesforce_modified_at is None:
        return System.HUBSPOT
    difference = hubspot_modified_at - salesforce_modified_at
    if abs(difference) <= skew_tolerance:
        return None
    return System.HUBSPOT if difference > timedelta(0) else System.SALESFORCE
