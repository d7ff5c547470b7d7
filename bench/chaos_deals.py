"""Chaos run for deals and activities: faults and crashes, then check nothing was lost.

The same faults and crashes as ``bench/chaos_sync.py`` (whose helpers it uses), over
deals ⇄ opportunities and HubSpot calls → Salesforce tasks. HubSpot contacts are seeded
and sync as Salesforce contacts; deals are seeded half in HubSpot and half as
opportunities; every contact has a call. Each round, "users" rename a few deals on
either side and retitle a few calls, and add new calls (no faults while they type); then
one sync runs under faults and random crashes. After the last round the faults stop and
the sync runs until a run completes, then once more. The checks:

- every deal exists exactly once as a deal and once as an opportunity, both with its
  latest name (found by its tag in the mapped description);
- every call exists as exactly one task (by ``HubSpot_Activity_ID__c``) with its latest
  title, on the linked contact;
- the run after settling writes nothing, and no create is left in the journal.

Usage: ``uv run python bench/chaos_deals.py [--people 100] [--deals 60] [--rounds 20]
[--fault-rate 0.1] [--crash-rate 0.05] [--seed 11]``. Exits non-zero when a check fails.
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.chaos_sync import (
    LATE_WRITE_MS,
    ROUND_SECONDS,
    ChaosClock,
    RandomCrashes,
    SimulatedCrash,
    _advance,
    _connectors,
    _engine,
    _every,
    _faults_off,
    _faults_on,
    _settle,
)
from crmsync.connectors.base import (
    Associations,
    AssociationType,
    AssociationWrite,
    Connector,
    WriteRequest,
)
from crmsync.demo.runner import Emulators, emulators
from crmsync.engine.activities import TASK_KEY_FIELD
from crmsync.engine.deals import OPPORTUNITY_KEY_FIELD
from crmsync.engine.settings import save_setting
from crmsync.engine.sync import LATE_WRITE_HORIZON
from crmsync.errors import CrmsyncError
from crmsync.store import StateStore

CONTACT_BASE = 6_000_000
DEAL_BASE = 7_000_000
CALL_BASE = 8_000_000
WHEN = "2026-05-04T09:00:00Z"


@dataclass
class DealChaosReport:
    """What happened and what the checks found."""

    deals: int
    calls: int = 0
    rounds: int = 0
    edits: int = 0
    runs: int = 0
    interrupted: Counter[str] = field(default_factory=Counter)
    crashes: Counter[str] = field(default_factory=Counter)
    settle_runs: int = 0
    seconds: float = 0.0
    missing: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    final_writes: int = 0
    pending_creates: int = 0
    open_errors: Counter[str] = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        """True when no check failed."""
        return not (
            self.missing
            or self.duplicated
            or self.stale
            or self.final_writes
            or self.pending_creates
        )


@dataclass
class Expected:
    """The latest name of every deal (by tag) and title of every call (by HubSpot id)."""

    deals: dict[str, str] = field(default_factory=dict)
    calls: dict[str, str] = field(default_factory=dict)
    contact_of_call: dict[str, str] = field(default_factory=dict)


def chaos_deals(
    *, people: int, deals: int, rounds: int, fault_rate: float, crash_rate: float, seed: int
) -> DealChaosReport:
    """Run the scenario once and check the outcome."""
    rng = random.Random(seed)
    report = DealChaosReport(deals=deals, rounds=rounds)
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory() as directory,
        emulators(salesforce_port=None, hubspot_port=None) as running,
    ):
        logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
        store = StateStore.open(f"sqlite:///{Path(directory) / 'chaos.sqlite'}")
        try:
            hubspot, salesforce = _connectors(running)
            expected = _seed(running, people=people, deals=deals)
            for key, value in (
                ("contacts.create_as", "Contact"),
                ("deals.enabled", True),
                ("activities.calls.enabled", True),
            ):
                save_setting(store, key, value)
            crashes = RandomCrashes(rng=rng, rate=crash_rate)
            clock = ChaosClock()
            for round_number in range(rounds):
                if round_number:
                    report.edits += _edit(rng, round_number, hubspot, salesforce, expected)
                _faults_on(running, rng=rng, rate=fault_rate)
                report.runs += 1
                try:
                    _engine(hubspot, salesforce, store, clock, hooks=crashes).run_once()
                except (SimulatedCrash, CrmsyncError) as stopped:
                    report.interrupted[type(stopped).__name__] += 1
                finally:
                    _faults_off(running)
                    _advance(running)
                    clock.offset += timedelta(seconds=ROUND_SECONDS)
            report.crashes = crashes.crashes
            time.sleep(2 * LATE_WRITE_MS / 1000)
            clock.offset += LATE_WRITE_HORIZON + timedelta(minutes=1)
            report.settle_runs = _settle(hubspot, salesforce, store, clock)
            engine = _engine(hubspot, salesforce, store, clock)
            final = engine.run_once()
            report.final_writes = sum(final.created.values()) + sum(final.updated.values())
            with store.begin(engine.scope) as tx:
                report.pending_creates = len(tx.pending_intents(pair="deals")) + len(
                    tx.pending_intents(pair="activities.calls")
                )
            report.calls = len(expected.calls)
            with store.begin(engine.scope) as tx:
                report.open_errors = Counter(
                    f"{row.pair}:{row.api_code}" for row in tx.open_errors()
                )
            _check(report, expected, hubspot, salesforce)
        finally:
            store.close()
    report.seconds = time.perf_counter() - started
    return report


def _seed(running: Emulators, *, people: int, deals: int) -> Expected:
    for sobject, name in (("Opportunity", OPPORTUNITY_KEY_FIELD), ("Task", TASK_KEY_FIELD)):
        running.salesforce_control.add_field(
            object=sobject, name=name, type="string", length=80, external_id=True, unique=True
        )
    expected = Expected()
    contacts = [
        {"id": str(CONTACT_BASE + i),
         "properties": {"email": f"p{i}@chaos-deals.example", "lastname": f"P{i}"}}
        for i in range(people)
    ]  # fmt: skip
    calls = []
    associations: list[dict[str, Any]] = []
    for i in range(people):
        call_id = str(CALL_BASE + i)
        expected.calls[call_id] = f"Call {i}"
        expected.contact_of_call[call_id] = str(CONTACT_BASE + i)
        calls.append(
            {"id": call_id, "properties": {"hs_call_title": f"Call {i}", "hs_timestamp": WHEN}}
        )
        associations.append(
            {"fromType": "calls", "fromId": call_id, "toType": "contacts",
             "toId": str(CONTACT_BASE + i), "typeId": 194}
        )  # fmt: skip
    hubspot_deals = []
    opportunities = []
    for n in range(deals):
        tag = f"deal-{n}"
        expected.deals[tag] = f"Deal {n}"
        if n % 2:
            opportunities.append(
                {"Name": f"Deal {n}", "Description": tag, "StageName": "Prospecting",
                 "CloseDate": "2026-06-30"}
            )  # fmt: skip
        else:
            hubspot_deals.append(
                {"id": str(DEAL_BASE + n),
                 "properties": {"dealname": f"Deal {n}", "description": tag,
                                "dealstage": "qualifiedtobuy", "pipeline": "default",
                                "closedate": "2026-06-30T00:00:00Z"}}
            )  # fmt: skip
    running.hubspot_control.seed(
        {
            "records": {"contacts": contacts, "calls": calls, "deals": hubspot_deals},
            "associations": associations,
        }
    )
    running.salesforce_control.seed({"records": {"Opportunity": opportunities}})
    return expected


def _edit(
    rng: random.Random,
    round_number: int,
    hubspot: Connector,
    salesforce: Connector,
    expected: Expected,
) -> int:
    """Rename a few deals on either side, retitle a few calls, add a call or two."""
    made = 0
    deals = {str(r.fields.get("description")): r for r in _every(hubspot, "deals", ["description"])}
    opportunities = {
        str(r.fields.get("Description")): r
        for r in _every(salesforce, "Opportunity", ["Description"])
    }
    for tag in rng.sample(sorted(expected.deals), k=max(1, len(expected.deals) // 10)):
        side = rng.choice(("hubspot", "salesforce"))
        record = deals.get(tag) if side == "hubspot" else opportunities.get(tag)
        if record is None:
            continue  # not on that side yet
        value = f"R{round_number} {side} {made}"
        connector, name = (hubspot, "dealname") if side == "hubspot" else (salesforce, "Name")
        (result,) = connector.write(
            [
                WriteRequest(
                    object_type=record.object_type, key="e", id=record.id, fields={name: value}
                )
            ]
        )
        if result.ok:
            expected.deals[tag] = value
            made += 1
    for call in rng.sample(sorted(expected.calls), k=max(1, len(expected.calls) // 10)):
        value = f"R{round_number} call {made}"
        (result,) = hubspot.write(
            [WriteRequest(object_type="calls", key="e", id=call, fields={"hs_call_title": value})]
        )
        if result.ok:
            expected.calls[call] = value
            made += 1
    contact = str(CONTACT_BASE + rng.randrange(len(set(expected.contact_of_call.values()))))
    (created,) = hubspot.write(
        [
            WriteRequest(
                object_type="calls",
                key="new",
                fields={"hs_call_title": f"R{round_number} new", "hs_timestamp": WHEN},
            )
        ]
    )
    if created.ok and created.id is not None:
        if isinstance(hubspot, Associations):
            kind = AssociationType(from_object="calls", to_object="contacts", type_id=194)
            hubspot.associate(kind, [AssociationWrite(key="a", from_id=created.id, to_id=contact)])
        expected.calls[created.id] = f"R{round_number} new"
        expected.contact_of_call[created.id] = contact
        made += 1
    return made


def _check(
    report: DealChaosReport, expected: Expected, hubspot: Connector, salesforce: Connector
) -> None:
    sides = {
        "HubSpot deal": (
            _every(hubspot, "deals", ["description", "dealname"]),
            "description",
            "dealname",
        ),
        "opportunity": (
            _every(salesforce, "Opportunity", ["Description", "Name"]),
            "Description",
            "Name",
        ),
    }
    for label, (records, tag_field, name_field) in sides.items():
        by_tag: dict[str, list[Any]] = {}
        for record in records:
            by_tag.setdefault(str(record.fields.get(tag_field)), []).append(record)
        for tag, name in expected.deals.items():
            found = by_tag.get(tag, [])
            if not found:
                report.missing.append(f"{label} {tag}")
            elif len(found) > 1:
                report.duplicated.append(f"{label} {tag} x{len(found)}")
            elif found[0].fields.get(name_field) != name:
                report.stale.append(
                    f"{label} {tag}: {found[0].fields.get(name_field)!r} != {name!r}"
                )
    tasks: dict[str, list[Any]] = {}
    for task in _every(salesforce, "Task", [TASK_KEY_FIELD, "Subject"]):
        tasks.setdefault(str(task.fields.get(TASK_KEY_FIELD)), []).append(task)
    for call, title in expected.calls.items():
        found = tasks.get(f"calls-{call}", [])
        if not found:
            report.missing.append(f"task for call {call}")
        elif len(found) > 1:
            report.duplicated.append(f"task for call {call} x{len(found)}")
        elif found[0].fields.get("Subject") != title:
            report.stale.append(f"task for call {call}: {found[0].fields.get('Subject')!r}")


def main() -> None:
    """Run once with the command-line settings and print the report."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--deals", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--fault-rate", type=float, default=0.1)
    parser.add_argument("--crash-rate", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    report = chaos_deals(
        people=args.people,
        deals=args.deals,
        rounds=args.rounds,
        fault_rate=args.fault_rate,
        crash_rate=args.crash_rate,
        seed=args.seed,
    )
    print(
        f"deals {report.deals}, calls {report.calls}, rounds {report.rounds}, edits {report.edits}"
    )
    print(f"runs {report.runs}, interrupted {dict(report.interrupted)}")
    print(f"crashes at checkpoints {dict(report.crashes)}")
    print(f"runs to settle without faults: {report.settle_runs}; {report.seconds:,.0f} s")
    print(
        f"missing {len(report.missing)}, duplicated {len(report.duplicated)}, "
        f"stale {len(report.stale)}, writes after settling {report.final_writes}, "
        f"creates left in the journal {report.pending_creates}"
    )
    print(f"open sync errors after settling: {dict(report.open_errors)}")
    for line in [*report.missing, *report.duplicated, *report.stale][:20]:
        print("  " + line)
    if not report.ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
