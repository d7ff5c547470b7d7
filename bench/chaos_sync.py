"""Chaos run: sync both ways through API faults and crashes, then check nothing was lost.

Both emulators run in-process on loopback. People are seeded half in HubSpot, half in
Salesforce (as leads). Each round, "users" edit a few people's first names on either
side (no faults while they type), then one sync runs while both APIs fail at a rate
(5xx, 429 with ``Retry-After``, dropped connections) and the engine is made to crash
at random checkpoints (as if the process died there). After the last round the faults
stop and the sync runs until a run completes, then once more. The checks:

- every person exists exactly once in HubSpot and exactly once in Salesforce;
- both sides hold the latest edit of every first name (no lost update);
- the run after settling writes nothing (no echo), and no create is left in the journal.

Usage: ``uv run python bench/chaos_sync.py [--people 400] [--rounds 30] [--fault-rate 0.1]
[--crash-rate 0.05] [--seed 7] [--search-lag 0]``. Exits non-zero when a check fails.
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
from pathlib import Path
from typing import Any

from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crmsync.connectors.base import Connector, RemoteRecord, WriteRequest
from crmsync.connectors.hubspot.config import HubSpotConfig
from crmsync.connectors.hubspot.connector import HubSpotConnector
from crmsync.connectors.retry import RetryPolicy
from crmsync.connectors.salesforce.config import SalesforceConfig
from crmsync.connectors.salesforce.connector import SalesforceConnector
from crmsync.demo.runner import HUBSPOT_TOKEN, SALESFORCE_TOKEN, Emulators, emulators
from crmsync.engine.contacts import contacts_pair
from crmsync.engine.hooks import Checkpoint
from crmsync.engine.settings import contact_settings, save_setting
from crmsync.engine.sync import SyncEngine
from crmsync.errors import CrmsyncError
from crmsync.store import StateStore

HUBSPOT_FIRST_ID = 5_000_000
ROUND_SECONDS = 5.0
"""Both emulator clocks move on this much between rounds, so later edits are newer."""
SETTLE_RUNS = 20


class SimulatedCrash(RuntimeError):
    """Raised at a checkpoint in place of the process dying."""


@dataclass
class RandomCrashes:
    """Hooks that crash the run at a checkpoint with probability ``rate``."""

    rng: random.Random
    rate: float
    crashes: Counter[str] = field(default_factory=Counter)

    def checkpoint(self, point: Checkpoint) -> None:
        """Maybe die here."""
        if self.rng.random() < self.rate:
            self.crashes[point.value] += 1
            raise SimulatedCrash(point.value)

    def progress(self, *, source: str, object_type: str, records: int) -> None:
        """Nothing to show."""


@dataclass
class ChaosReport:
    """What happened and what the checks found."""

    people: int
    rounds: int
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


def chaos_sync(
    *,
    people: int,
    rounds: int,
    fault_rate: float,
    crash_rate: float,
    seed: int,
    search_lag: float = 0.0,
) -> ChaosReport:
    """Run the chaos scenario once and check the outcome."""
    rng = random.Random(seed)
    report = ChaosReport(people=people, rounds=rounds)
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory() as directory,
        emulators(salesforce_port=None, hubspot_port=None) as running,
    ):
        # Dropped connections are the point here; the server's complaints about them are not.
        logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
        store = StateStore.open(f"sqlite:///{Path(directory) / 'chaos.sqlite'}")
        try:
            hubspot, salesforce = _connectors(running)
            expected = _seed(running, people)
            # HubSpot search sees a write only ``search_lag`` seconds (emulator time) later.
            running.hubspot_control.set_behaviour(search_lag_seconds=search_lag)
            save_setting(store, "contacts.create_as", "Lead")
            crashes = RandomCrashes(rng=rng, rate=crash_rate)
            for round_number in range(rounds):
                if round_number:
                    report.edits += _edit(rng, round_number, hubspot, salesforce, expected)
                _faults_on(running, rng=rng, rate=fault_rate)
                report.runs += 1
                try:
                    _engine(hubspot, salesforce, store, hooks=crashes).run_once()
                except (SimulatedCrash, CrmsyncError) as stopped:
                    report.interrupted[type(stopped).__name__] += 1
                finally:
                    _faults_off(running)
                    _advance(running)
            report.crashes = crashes.crashes
            # The last edits are searchable once the lag has passed.
            running.salesforce_control.advance_clock(seconds=search_lag)
            running.hubspot_control.advance_clock(seconds=search_lag)
            report.settle_runs = _settle(hubspot, salesforce, store)
            engine = _engine(hubspot, salesforce, store)
            final = engine.run_once()
            report.final_writes = sum(final.created.values()) + sum(final.updated.values())
            with store.begin(engine.scope) as tx:
                report.pending_creates = len(tx.pending_intents(pair="contacts"))
            _check(report, expected, hubspot, salesforce)
        finally:
            store.close()
    report.seconds = time.perf_counter() - started
    return report


def _connectors(running: Emulators) -> tuple[Connector, Connector]:
    # Short backoff (the faults come fast) that still honours HubSpot's Retry-After
    # of a second when search's per-second limit answers 429.
    retry = RetryPolicy(attempts=4, base_wait=0.01, max_wait=2.0)
    hubspot = HubSpotConnector.from_config(
        HubSpotConfig(base_url=running.hubspot.url, access_token=SecretStr(HUBSPOT_TOKEN)),
        retry=retry,
    )
    salesforce = SalesforceConnector.from_config(
        SalesforceConfig(
            instance_url=running.salesforce.url, access_token=SecretStr(SALESFORCE_TOKEN)
        ),
        retry=retry,
    )
    return hubspot, salesforce


def _engine(
    hubspot: Connector,
    salesforce: Connector,
    store: StateStore,
    *,
    hooks: RandomCrashes | None = None,
) -> SyncEngine:
    pair = contacts_pair(contact_settings(store), allow_test_domains=True)
    # Small pages and batches, so a run has many checkpoints to crash at.
    return SyncEngine(
        hubspot=hubspot,
        salesforce=salesforce,
        store=store,
        pairs=[pair],
        hooks=hooks,
        page_size=50,
        batch_size=50,
    )


def _seed(running: Emulators, people: int) -> dict[str, str]:
    """Half the people in HubSpot, half in Salesforce; returns email → first name."""
    expected: dict[str, str] = {}
    contacts: list[dict[str, Any]] = []
    leads: list[dict[str, Any]] = []
    for number in range(people):
        email = f"person{number}@chaos.example"
        expected[email] = f"First{number}"
        if number % 2 == 0:
            contacts.append(
                {
                    "id": str(HUBSPOT_FIRST_ID + number),
                    "properties": {
                        "email": email,
                        "firstname": expected[email],
                        "lastname": f"Last{number}",
                        "company": "Chaos Ltd",
                    },
                }
            )
        else:
            leads.append(
                {
                    "Email": email,
                    "FirstName": expected[email],
                    "LastName": f"Last{number}",
                    "Company": "Chaos Ltd",
                }
            )
    running.hubspot_control.seed({"records": {"contacts": contacts}})
    running.salesforce_control.seed({"records": {"Lead": leads}})
    return expected


def _edit(
    rng: random.Random,
    round_number: int,
    hubspot: Connector,
    salesforce: Connector,
    expected: dict[str, str],
) -> int:
    """A few people get a new first name on one side; returns how many edits were made."""
    chosen = rng.sample(sorted(expected), k=max(1, len(expected) // 10))
    made = 0
    for email in chosen:
        side = rng.choice(("hubspot", "salesforce"))
        record = _find(hubspot, salesforce, email, side=side) or _find(
            hubspot, salesforce, email, side="salesforce" if side == "hubspot" else "hubspot"
        )
        if record is None:
            continue
        value = f"R{round_number}-{record.object_type}-{made}"
        connector = hubspot if record.object_type == "contacts" else salesforce
        field_name = "firstname" if record.object_type == "contacts" else "FirstName"
        (result,) = connector.write(
            [
                WriteRequest(
                    object_type=record.object_type,
                    key=f"edit-{round_number}-{made}",
                    id=record.id,
                    fields={field_name: value},
                )
            ]
        )
        if result.ok:
            expected[email] = value
            made += 1
    return made


def _find(
    hubspot: Connector, salesforce: Connector, email: str, *, side: str
) -> RemoteRecord | None:
    if side == "hubspot":
        found = list(hubspot.find_by("contacts", "email", [email], fields=["firstname"]))
    else:
        found = [
            *salesforce.find_by("Lead", "Email", [email], fields=["FirstName"]),
            *salesforce.find_by("Contact", "Email", [email], fields=["FirstName"]),
        ]
    return found[0] if len(found) == 1 else None


def _faults_on(running: Emulators, *, rng: random.Random, rate: float) -> None:
    if rate <= 0:
        return
    share = rate / 3
    salesforce = running.salesforce_control
    salesforce.add_fault(kind="status", status=503, code="SERVER_UNAVAILABLE", rate=share)
    salesforce.add_fault(kind="status", status=500, code="UNKNOWN_EXCEPTION", rate=share)
    salesforce.add_fault(kind="drop", rate=share)
    hubspot = running.hubspot_control
    hubspot.inject_fault(kind="status", status=429, rate=share, retry_after=0)
    hubspot.inject_fault(kind="status", status=502, rate=share)
    hubspot.inject_fault(kind="drop", rate=share)
    del rng  # the emulators draw from their own seeded generators


def _faults_off(running: Emulators) -> None:
    running.salesforce_control.clear_faults()
    running.hubspot_control.clear_faults()


def _advance(running: Emulators) -> None:
    running.salesforce_control.advance_clock(seconds=ROUND_SECONDS)
    running.hubspot_control.advance_clock(seconds=ROUND_SECONDS)


def _settle(hubspot: Connector, salesforce: Connector, store: StateStore) -> int:
    """Sync without faults until a run completes; returns how many runs that took."""
    for attempt in range(1, SETTLE_RUNS + 1):
        try:
            _engine(hubspot, salesforce, store).run_once()
        except CrmsyncError:
            continue
        return attempt
    raise SystemExit(f"the sync did not complete within {SETTLE_RUNS} runs without faults")


def _check(
    report: ChaosReport, expected: dict[str, str], hubspot: Connector, salesforce: Connector
) -> None:
    emails = sorted(expected)
    found_hubspot = _by_email(
        hubspot.find_by("contacts", "email", emails, fields=["email", "firstname"]), "email"
    )
    found_salesforce = _by_email(
        [
            *salesforce.find_by("Lead", "Email", emails, fields=["Email", "FirstName"]),
            *salesforce.find_by("Contact", "Email", emails, fields=["Email", "FirstName"]),
        ],
        "Email",
    )
    for email in emails:
        for side, found, name in (
            ("HubSpot", found_hubspot, "firstname"),
            ("Salesforce", found_salesforce, "FirstName"),
        ):
            records = found.get(email, [])
            if not records:
                report.missing.append(f"{side}: {email}")
            elif len(records) > 1:
                report.duplicated.append(f"{side}: {email} x{len(records)}")
            elif records[0].fields.get(name) != expected[email]:
                report.stale.append(
                    f"{side}: {email} has {records[0].fields.get(name)!r}, "
                    f"expected {expected[email]!r}"
                )


def _by_email(records: Any, field_name: str) -> dict[str, list[RemoteRecord]]:
    grouped: dict[str, list[RemoteRecord]] = {}
    for record in records:
        grouped.setdefault(str(record.fields.get(field_name, "")).lower(), []).append(record)
    return grouped


def main() -> None:
    """Run once with the command-line settings and print the report."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--people", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--fault-rate", type=float, default=0.1)
    parser.add_argument("--crash-rate", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--search-lag", type=float, default=0.0, help="seconds")
    args = parser.parse_args()
    report = chaos_sync(
        people=args.people,
        rounds=args.rounds,
        fault_rate=args.fault_rate,
        crash_rate=args.crash_rate,
        seed=args.seed,
        search_lag=args.search_lag,
    )
    print(f"people {report.people}, rounds {report.rounds}, edits {report.edits}")
    print(f"runs {report.runs}, interrupted {dict(report.interrupted)}")
    print(f"crashes at checkpoints {dict(report.crashes)}")
    print(f"runs to settle without faults: {report.settle_runs}; {report.seconds:,.0f} s")
    print(
        f"missing {len(report.missing)}, duplicated {len(report.duplicated)}, "
        f"stale {len(report.stale)}, writes after settling {report.final_writes}, "
        f"creates left in the journal {report.pending_creates}"
    )
    for line in [*report.missing, *report.duplicated, *report.stale][:20]:
        print("  " + line)
    if not report.ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
