"""A short chaos run: faults on both APIs, expired sessions, stop requests and crashes at
checkpoints lose and duplicate nothing, people or companies.

The long run is ``bench/chaos_sync.py`` (see docs/benchmarks.md); this one keeps the
same checks on a few dozen people so every change is tried against them (R25, R26).
"""

from __future__ import annotations

import pytest

from bench.chaos_sync import chaos_sync


@pytest.mark.parametrize(("seed", "search_lag"), [(3, 0.0), (11, 8.0)])
def test_r25_r26_faults_and_crashes_lose_nothing_and_duplicate_nothing(
    seed: int, search_lag: float
) -> None:
    # A search lag longer than a round: HubSpot shows writes only runs later.
    report = chaos_sync(
        people=40,
        rounds=8,
        fault_rate=0.15,
        crash_rate=0.08,
        seed=seed,
        search_lag=search_lag,
    )

    assert sum(report.interrupted.values()) > 0, "the run should have been interrupted"
    assert report.faults["session_expiry"] + report.faults["stop"] > 0
    assert report.faults["second_runner"] > 0 and report.faults["sandbox_switch"] > 0
    assert report.edits > 0
    assert report.companies > 0 and report.company_edits > 0
    assert report.missing == []
    assert report.duplicated == []
    assert report.stale == []
    assert report.misassociated == [], "people and their companies stay together"
    assert report.final_writes == 0
    assert report.pending_creates == 0


@pytest.mark.parametrize("seed", [5, 13])
def test_r22_r24_r25_deals_and_activities_through_faults_and_crashes(seed: int) -> None:
    from bench.chaos_deals import chaos_deals

    report = chaos_deals(people=16, deals=10, rounds=6, fault_rate=0.15, crash_rate=0.08, seed=seed)

    assert sum(report.interrupted.values()) > 0, "the run should have been interrupted"
    assert report.edits > 0
    assert report.missing == []
    assert report.duplicated == []
    assert report.stale == []
    assert report.final_writes == 0
    assert report.pending_creates == 0
