"""Chaos run: sync both ways through API faults and crashes, then check nothing was lost.

Both emulators run in-process on loopback. People are seeded half in HubSpot, half in
Salesforce (leads, and contacts under accounts); HubSpot people belong to companies
(their primary company), Salesforce contacts to accounts, and company sync is on. Each
round, "users" edit a few people's first names and a few companies' names on either
side (no faults while they type), then one sync runs while both APIs fail at a rate
(5xx, 429 with ``Retry-After``, dropped connections, Salesforce writes applied after the
client gave up), some runs meet an expired Salesforce session (401
``INVALID_SESSION_ID``) or are asked to stop as by SIGTERM (they stop after the next
durable batch), and the engine is made to crash at random checkpoints (as if the
process died there). After the last round the faults
stop and the sync runs until a run completes, then once more. The checks:

- every person exists exactly once in HubSpot and exactly once in Salesforce;
- every company exists exactly once as a HubSpot company and once as an account;
- both sides hold the latest edit of every first name and company name (no lost update);
- each person's primary company and account are the same company (references);
- the run after settling writes nothing (no echo), and no create is left in the journal.

Usage: ``uv run python bench/chaos_sync.py [--people 400] [--rounds 30] [--fault-rate 0.1]
[--crash-rate 0.05] [--session-expiry-rate 0.1] [--stop-rate 0.1] [--seed 7]
[--search-lag 0]``. Exits non-zero when a check fails.
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
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
from crmsync.engine.companies import ACCOUNT_KEY_FIELD
from crmsync.engine.hooks import Checkpoint, SyncHooks
from crmsync.engine.registry import pairs_from_settings, steps_from_settings
from crmsync.engine.settings import save_setting
from crmsync.engine.sync import LATE_WRITE_HORIZON, SyncEngine
from crmsync.errors import CrmsyncError
from crmsync.runner import StopBetweenBatches, StopFlag, StopRequested
from crmsync.store import StateStore
from crmsync.store.lock import store_lock

HUBSPOT_FIRST_ID = 5_000_000
ROUND_SECONDS = 5.0
"""Both emulator clocks move on this much between rounds, so later edits are newer."""
SETTLE_RUNS = 20
LATE_WRITE_MS = 300
"""A "late" Salesforce write is applied this long after its connection was dropped."""


@dataclass
class ChaosClock:
    """The engine's clock: real time plus the time the rounds stand for.

    Each round stands for ``ROUND_SECONDS``; before settling, the clock jumps past the
    engine's late-write horizon, as the next scheduled run would find it.
    """

    offset: timedelta = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


PEOPLE_PER_COMPANY = 10
TAG_FIELDS = {"hubspot": ("companies", "description"), "salesforce": ("Account", "Description")}
"""Where each company's stable tag lives (a mapped field, so created partners carry it)."""


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
    faults: Counter[str] = field(default_factory=Counter)
    """Run-level faults injected: ``session_expiry``, ``stop`` (as by SIGTERM)."""
    settle_runs: int = 0
    seconds: float = 0.0
    companies: int = 0
    company_edits: int = 0
    missing: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    misassociated: list[str] = field(default_factory=list)
    final_writes: int = 0
    pending_creates: int = 0

    @property
    def ok(self) -> bool:
        """True when no check failed."""
        return not (
            self.missing
            or self.duplicated
            or self.stale
            or self.misassociated
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
    session_expiry_rate: float = 0.1,
    stop_rate: float = 0.1,
    second_runner_rate: float = 0.1,
    sandbox_rate: float = 0.05,
) -> ChaosReport:
    """Run the chaos scenario once and check the outcome."""
    rng = random.Random(seed)
    # Run-level faults draw from their own generator: the edits and crashes of a seed
    # stay the same whether they are on or off.
    run_faults = random.Random(seed + 1)
    report = ChaosReport(people=people, rounds=rounds)
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory() as directory,
        emulators(salesforce_port=None, hubspot_port=None) as running,
    ):
        # Dropped connections are the point here; the server's complaints about them are not.
        logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
        database_url = f"sqlite:///{Path(directory) / 'chaos.sqlite'}"
        store = StateStore.open(database_url)
        try:
            hubspot, salesforce = _connectors(running)
            sandbox = _connectors(running, sandbox=True)[1]
            expected, companies, company_of = _seed(running, people)
            report.companies = len(companies)
            # HubSpot search sees a write only ``search_lag`` seconds (emulator time) later.
            running.hubspot_control.set_behaviour(search_lag_seconds=search_lag)
            save_setting(store, "contacts.create_as", "Contact")
            save_setting(store, "companies.enabled", True)
            crashes = RandomCrashes(rng=rng, rate=crash_rate)
            clock = ChaosClock()
            for round_number in range(rounds):
                if round_number:
                    report.edits += _edit(rng, round_number, hubspot, salesforce, expected)
                    report.company_edits += _edit_companies(
                        rng, round_number, hubspot, salesforce, companies
                    )
                _faults_on(running, rng=rng, rate=fault_rate)
                if run_faults.random() < session_expiry_rate:
                    # The next Salesforce call finds the session expired.
                    report.faults["session_expiry"] += 1
                    running.salesforce_control.add_fault(
                        kind="status", status=401, code="INVALID_SESSION_ID", count=1
                    )
                stop = StopFlag()
                if run_faults.random() < stop_rate:
                    # As SIGTERM does: the run stops once its current batch is durable.
                    report.faults["stop"] += 1
                    stop.request()
                # A second runner started at the same time (cron and a person, say): it
                # queues behind the store's runner lock, then runs on its own connectors.
                second = None
                if round_number == 1 or run_faults.random() < second_runner_rate:
                    report.faults["second_runner"] += 1
                    second = SecondRunner(running, database_url, clock, report)
                    second.start()
                # A switch to the sandbox and back (R6): this round syncs the sandbox.
                target = salesforce
                if round_number == 2 or run_faults.random() < sandbox_rate:
                    report.faults["sandbox_switch"] += 1
                    target = sandbox
                report.runs += 1
                try:
                    with store_lock(database_url, wait=None):
                        _engine(
                            hubspot, target, store, clock, hooks=StopBetweenBatches(stop, crashes)
                        ).run_once()
                except (SimulatedCrash, CrmsyncError, StopRequested) as stopped:
                    report.interrupted[type(stopped).__name__] += 1
                finally:
                    if second is not None:
                        second.join()
                    _faults_off(running)
                    _advance(running)
                    clock.offset += timedelta(seconds=ROUND_SECONDS)
            report.crashes = crashes.crashes
            # The last edits are searchable once the lag has passed.
            running.salesforce_control.advance_clock(seconds=search_lag)
            running.hubspot_control.advance_clock(seconds=search_lag)
            # Late writes land; creates that never will are made again past the horizon.
            time.sleep(2 * LATE_WRITE_MS / 1000)
            clock.offset += LATE_WRITE_HORIZON + timedelta(minutes=1)
            report.settle_runs = _settle(hubspot, salesforce, store, clock)
            engine = _engine(hubspot, salesforce, store, clock)
            final = engine.run_once()
            report.final_writes = sum(final.created.values()) + sum(final.updated.values())
            with store.begin(engine.scope) as tx:
                report.pending_creates = len(tx.pending_intents(pair="contacts")) + len(
                    tx.pending_intents(pair="companies")
                )
            _check(report, expected, hubspot, salesforce)
            _check_companies(report, companies, company_of, hubspot, salesforce)
        finally:
            store.close()
    report.seconds = time.perf_counter() - started
    return report


class SecondRunner(threading.Thread):
    """Another runner on the same store, as a second process would be (its own store
    connection and connectors), waiting its turn at the runner lock."""

    def __init__(
        self, running: Emulators, database_url: str, clock: ChaosClock, report: ChaosReport
    ) -> None:
        super().__init__(daemon=True)
        self._running = running
        self._url = database_url
        self._clock = clock
        self._report = report

    def run(self) -> None:
        hubspot, salesforce = _connectors(self._running)
        store = StateStore.open(self._url)
        try:
            with store_lock(self._url, wait=None):
                _engine(hubspot, salesforce, store, self._clock).run_once()
        except CrmsyncError as stopped:
            self._report.interrupted[f"second runner: {type(stopped).__name__}"] += 1
        finally:
            store.close()


def _connectors(running: Emulators, *, sandbox: bool = False) -> tuple[Connector, Connector]:
    # Short backoff (the faults come fast) that still honours HubSpot's Retry-After
    # of a second when search's per-second limit answers 429.
    retry = RetryPolicy(attempts=4, base_wait=0.01, max_wait=2.0)
    hubspot = HubSpotConnector.from_config(
        HubSpotConfig(base_url=running.hubspot.url, access_token=SecretStr(HUBSPOT_TOKEN)),
        retry=retry,
    )
    salesforce = SalesforceConnector.from_config(
        SalesforceConfig(
            instance_url=running.salesforce.url,
            access_token=SecretStr(SALESFORCE_TOKEN),
            sandbox=sandbox,
        ),
        retry=retry,
    )
    return hubspot, salesforce


def _engine(
    hubspot: Connector,
    salesforce: Connector,
    store: StateStore,
    clock: ChaosClock,
    *,
    hooks: SyncHooks | None = None,
) -> SyncEngine:
    # Small pages and batches, so a run has many checkpoints to crash at.
    return SyncEngine(
        hubspot=hubspot,
        salesforce=salesforce,
        store=store,
        pairs=pairs_from_settings(store, allow_test_domains=True),
        steps=steps_from_settings(store),
        hooks=hooks,
        page_size=50,
        batch_size=50,
        clock=clock,
    )


def _seed(running: Emulators, people: int) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """People and companies on both sides.

    Returns email → first name, company tag → name, and email → company tag. Even
    numbers are HubSpot contacts of HubSpot companies; odd numbers are Salesforce leads
    (no account) or, every other one, contacts of accounts.
    """
    for org in ("production", "sandbox"):
        running.salesforce_control.for_org(org).add_field(
            object="Account", name=ACCOUNT_KEY_FIELD, type="string", length=64,
            external_id=True, unique=True,
        )  # fmt: skip
    expected: dict[str, str] = {}
    companies: dict[str, str] = {}
    company_of: dict[str, str] = {}
    contacts: list[dict[str, Any]] = []
    hubspot_companies: dict[str, dict[str, Any]] = {}
    associations: list[dict[str, Any]] = []
    leads: list[dict[str, Any]] = []
    accounts: dict[str, dict[str, Any]] = {}
    salesforce_contacts: list[dict[str, Any]] = []
    for number in range(people):
        email = f"person{number}@chaos.example"
        expected[email] = f"First{number}"
        group = number // PEOPLE_PER_COMPANY
        if number % 2 == 0:
            tag = f"hs-co-{group}"
            if tag not in hubspot_companies:
                companies[tag] = f"HubSpot Co {group}"
                hubspot_companies[tag] = {
                    "id": str(HUBSPOT_FIRST_ID + 900_000 + group),
                    "properties": {"name": companies[tag], "description": tag},
                }
            company_of[email] = tag
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
            associations.append(
                {
                    "fromType": "contacts",
                    "fromId": str(HUBSPOT_FIRST_ID + number),
                    "toType": "companies",
                    "toId": hubspot_companies[tag]["id"],
                    "typeId": 1,
                }
            )
        elif number % 4 == 1:
            leads.append(
                {
                    "Email": email,
                    "FirstName": expected[email],
                    "LastName": f"Last{number}",
                    "Company": "Chaos Ltd",
                }
            )
        else:
            tag = f"sf-co-{group}"
            if tag not in accounts:
                companies[tag] = f"Salesforce Co {group}"
                accounts[tag] = {"ref": tag, "Name": companies[tag], "Description": tag}
            company_of[email] = tag
            salesforce_contacts.append(
                {
                    "Email": email,
                    "FirstName": expected[email],
                    "LastName": f"Last{number}",
                    "AccountId": "@{" + tag + "}",
                }
            )
    running.hubspot_control.seed(
        {
            "records": {"contacts": contacts, "companies": list(hubspot_companies.values())},
            "associations": associations,
        }
    )
    running.salesforce_control.seed(
        {
            "records": {
                "Account": list(accounts.values()),
                "Lead": leads,
                "Contact": salesforce_contacts,
            }
        }
    )
    return expected, companies, company_of


def _edit_companies(
    rng: random.Random,
    round_number: int,
    hubspot: Connector,
    salesforce: Connector,
    companies: dict[str, str],
) -> int:
    """A few companies get a new name on one side; returns how many edits were made."""
    chosen = rng.sample(sorted(companies), k=max(1, len(companies) // 5))
    made = 0
    for tag in chosen:
        side = rng.choice(("hubspot", "salesforce"))
        object_type, tag_field = TAG_FIELDS[side]
        connector = hubspot if side == "hubspot" else salesforce
        found = [
            r for r in _every(connector, object_type, [tag_field]) if r.fields.get(tag_field) == tag
        ]
        if len(found) != 1:
            continue  # not synced to this side yet
        name_field = "name" if side == "hubspot" else "Name"
        value = f"R{round_number}-{side}-{tag}"
        (result,) = connector.write(
            [
                WriteRequest(
                    object_type=object_type,
                    key=f"company-{round_number}-{made}",
                    id=found[0].id,
                    fields={name_field: value},
                )
            ]
        )
        if result.ok:
            companies[tag] = value
            made += 1
    return made


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
    salesforce.add_fault(kind="drop", rate=share / 2)
    salesforce.add_fault(
        kind="late", latency_ms=LATE_WRITE_MS, rate=share / 2, path_contains="/composite/"
    )
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


def _settle(hubspot: Connector, salesforce: Connector, store: StateStore, clock: ChaosClock) -> int:
    """Sync without faults until a run completes; returns how many runs that took."""
    for attempt in range(1, SETTLE_RUNS + 1):
        try:
            _engine(hubspot, salesforce, store, clock).run_once()
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


def _check_companies(
    report: ChaosReport,
    companies: dict[str, str],
    company_of: dict[str, str],
    hubspot: Connector,
    salesforce: Connector,
) -> None:
    """Each company once per side with its latest name; people under the same company."""
    tags = sorted(companies)
    by_side: dict[str, dict[str, list[RemoteRecord]]] = {}
    for side, connector, name_field in (
        ("hubspot", hubspot, "name"),
        ("salesforce", salesforce, "Name"),
    ):
        object_type, tag_field = TAG_FIELDS[side]
        found = _every(connector, object_type, [tag_field, name_field])
        grouped: dict[str, list[RemoteRecord]] = {}
        for record in found:
            grouped.setdefault(str(record.fields.get(tag_field)), []).append(record)
        by_side[side] = grouped
        for tag in tags:
            records = grouped.get(tag, [])
            if not records:
                report.missing.append(f"{side} company {tag}")
            elif len(records) > 1:
                report.duplicated.append(f"{side} company {tag} x{len(records)}")
            elif records[0].fields.get(name_field) != companies[tag]:
                report.stale.append(
                    f"{side} company {tag} has {records[0].fields.get(name_field)!r}, "
                    f"expected {companies[tag]!r}"
                )
    tag_of_company = {
        records[0].id: tag for tag, records in by_side["hubspot"].items() if len(records) == 1
    }
    tag_of_account = {
        records[0].id: tag for tag, records in by_side["salesforce"].items() if len(records) == 1
    }
    emails = sorted(company_of)
    people = hubspot.find_by("contacts", "email", emails, fields=["email", "associatedcompanyid"])
    salesforce_people = salesforce.find_by(
        "Contact", "Email", emails, fields=["Email", "AccountId"]
    )
    for record in people:
        email = str(record.fields.get("email"))
        got = tag_of_company.get(str(record.fields.get("associatedcompanyid")))
        if got != company_of.get(email):
            report.misassociated.append(f"HubSpot {email}: {got}, expected {company_of[email]}")
    for record in salesforce_people:
        email = str(record.fields.get("Email")).lower()
        got = tag_of_account.get(str(record.fields.get("AccountId")))
        if got != company_of.get(email):
            report.misassociated.append(f"Salesforce {email}: {got}, expected {company_of[email]}")


def _every(connector: Connector, object_type: str, fields: list[str]) -> list[RemoteRecord]:
    """Every live record of ``object_type`` (the change feed read from the start)."""
    found: dict[str, RemoteRecord] = {}
    cursor: str | None = None
    more = True
    while more:
        page = connector.read_changes(object_type, cursor=cursor, fields=fields, page_size=200)
        found.update((record.id, record) for record in page.records)
        more = page.has_more
        cursor = page.next_cursor or cursor
    return [record for record in found.values() if not record.deleted]


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
    parser.add_argument("--session-expiry-rate", type=float, default=0.1)
    parser.add_argument("--stop-rate", type=float, default=0.1)
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
        session_expiry_rate=args.session_expiry_rate,
        stop_rate=args.stop_rate,
    )
    print(
        f"people {report.people}, companies {report.companies}, rounds {report.rounds}, "
        f"edits {report.edits} people + {report.company_edits} companies"
    )
    print(f"runs {report.runs}, interrupted {dict(report.interrupted)}")
    print(f"crashes at checkpoints {dict(report.crashes)}")
    print(f"run-level faults {dict(report.faults)}")
    print(f"runs to settle without faults: {report.settle_runs}; {report.seconds:,.0f} s")
    print(
        f"missing {len(report.missing)}, duplicated {len(report.duplicated)}, "
        f"stale {len(report.stale)}, misassociated {len(report.misassociated)}, "
        f"writes after settling {report.final_writes}, "
        f"creates left in the journal {report.pending_creates}"
    )
    for line in [*report.missing, *report.duplicated, *report.stale, *report.misassociated][:20]:
        print("  " + line)
    if not report.ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
