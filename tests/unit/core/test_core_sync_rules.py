"""The three-way field decision: every rule, the no-echo property (R26), conflicts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crmsync.connectors.base import System
from crmsync.core.sync_rules import (
    DecisionReason,
    FieldDecision,
    FieldSnapshot,
    SyncRule,
    decide_field,
)
from crmsync.core.values import FieldValue

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
LATER = T0 + timedelta(minutes=5)

HS = System.HUBSPOT
SF = System.SALESFORCE


def decide(
    rule: SyncRule,
    hubspot: FieldValue,
    salesforce: FieldValue,
    snapshot: FieldValue | None = None,
    *,
    never_synced: bool = False,
    hubspot_at: datetime | None = T0,
    salesforce_at: datetime | None = T0,
    tie_winner: System = SF,
) -> FieldDecision:
    return decide_field(
        rule=rule,
        hubspot_value=hubspot,
        salesforce_value=salesforce,
        snapshot=None if never_synced else FieldSnapshot(value=snapshot),
        hubspot_modified_at=hubspot_at,
        salesforce_modified_at=salesforce_at,
        tie_winner=tie_winner,
    )


# --- no echo (R26) --------------------------------------------------------------------


@pytest.mark.parametrize("rule", list(SyncRule))
def test_r26_equal_values_never_write_whatever_the_rule(rule: SyncRule) -> None:
    decision = decide(rule, "Ann", "Ann", "Anna")
    assert decision.write_to is None
    if rule is not SyncRule.DONT_SYNC:
        assert decision.reason is DecisionReason.IN_SYNC
        assert decision.settled and decision.value == "Ann"


@pytest.mark.parametrize(
    ("hubspot", "salesforce"),
    [("42", 42.0), ("true", True), (" Ann ", "Ann"), ("", None), ("   ", None), ("3.50", 3.5)],
)
def test_r26_values_equal_across_crm_representations_do_not_write(
    hubspot: FieldValue, salesforce: FieldValue
) -> None:
    decision = decide(SyncRule.TWO_WAY, hubspot, salesforce, "old")
    assert decision.write_to is None
    assert decision.reason is DecisionReason.IN_SYNC


def test_r26_value_written_to_salesforce_is_not_sent_back_on_next_poll() -> None:
    first = decide(SyncRule.TWO_WAY, "Ann", "Anna", "Anna")
    assert first.write_to is SF
    # Next poll: Salesforce now shows our write as a change with a newer timestamp.
    second = decide(SyncRule.TWO_WAY, "Ann", "Ann", first.value, salesforce_at=LATER)
    assert second.write_to is None


# --- two-way --------------------------------------------------------------------------


def test_two_way_hubspot_change_moves_when_salesforce_still_equals_snapshot() -> None:
    decision = decide(SyncRule.TWO_WAY, "Ann", "Anna", "Anna")
    assert (decision.write_to, decision.value) == (SF, "Ann")
    assert decision.reason is DecisionReason.TWO_WAY_ONE_SIDE_CHANGED
    assert not decision.conflict


def test_two_way_salesforce_change_moves_even_when_hubspot_record_is_newer() -> None:
    # Only the field's own change counts, not the record's modification time.
    decision = decide(SyncRule.TWO_WAY, "Anna", "Ann", "Anna", hubspot_at=LATER)
    assert (decision.write_to, decision.value) == (HS, "Ann")
    assert not decision.conflict


def test_two_way_blanking_a_synced_value_deletes_it_on_the_other_side() -> None:
    decision = decide(SyncRule.TWO_WAY, "", "555-1234", "555-1234")
    assert decision.write_to is SF
    assert decision.value == ""


def test_two_way_both_changed_newer_hubspot_wins_and_loser_is_kept() -> None:
    decision = decide(SyncRule.TWO_WAY, "Ann", "Annie", "Anna", hubspot_at=LATER)
    assert (decision.write_to, decision.value) == (SF, "Ann")
    assert decision.reason is DecisionReason.TWO_WAY_NEWER_WINS
    assert decision.conflict
    assert decision.losing_value == "Annie"


def test_two_way_both_changed_newer_salesforce_wins_and_loser_is_kept() -> None:
    decision = decide(SyncRule.TWO_WAY, "Ann", "Annie", "Anna", salesforce_at=LATER)
    assert (decision.write_to, decision.value, decision.losing_value) == (HS, "Annie", "Ann")


def test_two_way_times_within_skew_tolerance_are_a_tie_decided_by_tie_winner() -> None:
    near = T0 + timedelta(seconds=1)
    decision = decide(SyncRule.TWO_WAY, "Ann", "Annie", "Anna", hubspot_at=near)
    assert decision.reason is DecisionReason.TWO_WAY_TIE
    assert decision.write_to is HS  # Salesforce wins ties by default
    hubspot_wins = decide(SyncRule.TWO_WAY, "Ann", "Annie", "Anna", hubspot_at=near, tie_winner=HS)
    assert (hubspot_wins.write_to, hubspot_wins.value) == (SF, "Ann")


def test_two_way_skew_tolerance_is_a_parameter() -> None:
    decision = decide_field(
        rule=SyncRule.TWO_WAY,
        hubspot_value="Ann",
        salesforce_value="Annie",
        snapshot=FieldSnapshot(value="Anna"),
        hubspot_modified_at=LATER,
        salesforce_modified_at=T0,
        skew_tolerance=timedelta(minutes=10),
    )
    assert decision.reason is DecisionReason.TWO_WAY_TIE


def test_two_way_unknown_modification_time_loses_to_a_known_one() -> None:
    decision = decide(SyncRule.TWO_WAY, "Ann", "Annie", "Anna", salesforce_at=None)
    assert decision.write_to is SF


def test_two_way_first_sync_fills_a_blank_side_without_conflict() -> None:
    to_salesforce = decide(SyncRule.TWO_WAY, "Ann", None, never_synced=True)
    assert (to_salesforce.write_to, to_salesforce.value) == (SF, "Ann")
    assert to_salesforce.reason is DecisionReason.TWO_WAY_FIRST_SYNC_FILL
    assert not to_salesforce.conflict
    to_hubspot = decide(SyncRule.TWO_WAY, "", "Ann", never_synced=True)
    assert (to_hubspot.write_to, to_hubspot.value) == (HS, "Ann")


def test_two_way_first_sync_with_two_different_values_takes_the_newer() -> None:
    decision = decide(SyncRule.TWO_WAY, "Ann", "Annie", never_synced=True, hubspot_at=LATER)
    assert (decision.write_to, decision.value) == (SF, "Ann")
    assert decision.conflict and decision.losing_value == "Annie"


# --- prefer Salesforce unless blank ---------------------------------------------------


def test_prefer_salesforce_overwrites_hubspot_edit() -> None:
    decision = decide(SyncRule.PREFER_SALESFORCE_UNLESS_BLANK, "Ann", "Anna", "Anna")
    assert (decision.write_to, decision.value) == (HS, "Anna")
    assert decision.reason is DecisionReason.PREFER_OVERWRITES
    assert decision.conflict and decision.losing_value == "Ann"


def test_prefer_salesforce_sends_hubspot_value_into_blank_salesforce_field() -> None:
    decision = decide(SyncRule.PREFER_SALESFORCE_UNLESS_BLANK, "Ann", None, None)
    assert (decision.write_to, decision.value) == (SF, "Ann")
    assert decision.reason is DecisionReason.PREFER_FILLS_BLANK


def test_prefer_salesforce_blanked_in_salesforce_deletes_in_hubspot() -> None:
    decision = decide(SyncRule.PREFER_SALESFORCE_UNLESS_BLANK, "Ann", "", "Ann")
    assert (decision.write_to, decision.value) == (HS, "")
    assert decision.reason is DecisionReason.PREFER_DELETES


def test_prefer_salesforce_first_sync_fills_blank_salesforce() -> None:
    decision = decide(SyncRule.PREFER_SALESFORCE_UNLESS_BLANK, "Ann", None, never_synced=True)
    assert (decision.write_to, decision.value) == (SF, "Ann")


def test_prefer_hubspot_mirrors_prefer_salesforce() -> None:
    overwrite = decide(SyncRule.PREFER_HUBSPOT_UNLESS_BLANK, "Ann", "Anna", "Ann")
    assert (overwrite.write_to, overwrite.value) == (SF, "Ann")
    fill = decide(SyncRule.PREFER_HUBSPOT_UNLESS_BLANK, None, "Anna", None)
    assert (fill.write_to, fill.value) == (HS, "Anna")
    delete = decide(SyncRule.PREFER_HUBSPOT_UNLESS_BLANK, None, "Anna", "Anna")
    assert (delete.write_to, delete.value) == (SF, None)


# --- always / don't sync --------------------------------------------------------------


def test_always_salesforce_never_sends_hubspot_value_even_into_blank() -> None:
    decision = decide(SyncRule.ALWAYS_SALESFORCE, "Ann", None, None)
    assert (decision.write_to, decision.value) == (HS, None)
    assert decision.reason is DecisionReason.ALWAYS_OVERWRITES


def test_always_salesforce_overwrites_hubspot() -> None:
    decision = decide(SyncRule.ALWAYS_SALESFORCE, "Ann", "Anna", "Anna")
    assert (decision.write_to, decision.value, decision.losing_value) == (HS, "Anna", "Ann")


def test_always_hubspot_reverts_a_salesforce_edit_and_keeps_it_for_the_audit_log() -> None:
    decision = decide(SyncRule.ALWAYS_HUBSPOT, "Ann", "Anna", "Ann")
    assert (decision.write_to, decision.value) == (SF, "Ann")
    assert decision.conflict and decision.losing_value == "Anna"


def test_always_hubspot_change_is_not_a_conflict_when_salesforce_was_untouched() -> None:
    decision = decide(SyncRule.ALWAYS_HUBSPOT, "Ann", "Anna", "Anna")
    assert (decision.write_to, decision.value) == (SF, "Ann")
    assert not decision.conflict


def test_dont_sync_never_writes_and_keeps_the_snapshot() -> None:
    decision = decide(SyncRule.DONT_SYNC, "Ann", "Anna", "Anna")
    assert decision.write_to is None
    assert decision.reason is DecisionReason.DONT_SYNC
    assert not decision.settled


@pytest.mark.parametrize(
    ("rule", "sides"),
    [
        (SyncRule.TWO_WAY, {HS, SF}),
        (SyncRule.PREFER_SALESFORCE_UNLESS_BLANK, {HS, SF}),
        (SyncRule.ALWAYS_SALESFORCE, {HS}),
        (SyncRule.ALWAYS_HUBSPOT, {SF}),
        (SyncRule.DONT_SYNC, set()),
    ],
)
def test_r23_rule_declares_the_sides_it_may_write(rule: SyncRule, sides: set[System]) -> None:
    assert rule.writes_to == sides
