"""API calls per synced record and records/s of the sync engine, beside a naive baseline.

Runs the real engine and state store (SQLite in a temporary directory) against the
in-memory CRMs of ``tests/unit/engine/fakes.py``, which count every call the way the
APIs bill them (one call per read page, lookup batch or batch write). Scenarios:

- initial sync of N HubSpot contacts to Salesforce and N Salesforce leads to HubSpot;
- incremental sync after 1% of the records changed on each side;
- the same initial sync with batches of one (one call per record), the naive baseline,
  on min(N, --baseline-n) records.

Usage: ``uv run python bench/sync_contacts.py [--n 10000] [--baseline-n 1000]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crmsync.core.policies import ContactSettings, CreateAs
from crmsync.engine.contacts import contacts_pair
from crmsync.engine.sync import SyncEngine
from crmsync.store import StateStore
from tests.unit.engine.fakes import FakeCrm, fake_pair


@dataclass
class Result:
    name: str
    records: int
    salesforce_calls: int
    hubspot_calls: int
    salesforce_writes: int
    hubspot_writes: int
    seconds: float

    def row(self) -> str:
        per = max(self.records, 1)
        return (
            f"| {self.name} | {self.records} | {self.salesforce_calls} "
            f"({self.salesforce_calls / per:.4f}/rec) | {self.hubspot_calls} "
            f"({self.hubspot_calls / per:.4f}/rec) | {self.salesforce_writes} | "
            f"{self.hubspot_writes} | {self.records / self.seconds:,.0f} |"
        )


def _seed(hubspot: FakeCrm, salesforce: FakeCrm, n: int) -> tuple[list[str], list[str]]:
    contacts = [
        hubspot.seed(
            "contacts",
            email=f"hs{i}@example.com",
            firstname=f"H{i}",
            lastname=f"Hubspot{i}",
            company="Acme",
        )
        for i in range(n)
    ]
    leads = [
        salesforce.seed(
            "Lead",
            Email=f"sf{i}@example.com",
            FirstName=f"S{i}",
            LastName=f"Sf{i}",
            Company="Initech",
        )
        for i in range(n)
    ]
    return contacts, leads


def _run(
    name: str, engine: SyncEngine, hubspot: FakeCrm, salesforce: FakeCrm, records: int
) -> Result:
    hubspot.calls.clear()
    salesforce.calls.clear()
    started = time.perf_counter()
    engine.run_once()
    seconds = time.perf_counter() - started
    return Result(
        name=name,
        records=records,
        salesforce_calls=sum(salesforce.calls.values()),
        hubspot_calls=sum(hubspot.calls.values()),
        salesforce_writes=salesforce.calls["write"],
        hubspot_writes=hubspot.calls["write"],
        seconds=seconds,
    )


def _engine(hubspot: FakeCrm, salesforce: FakeCrm, store: StateStore, *, batch: int) -> SyncEngine:
    return SyncEngine(
        hubspot=hubspot,
        salesforce=salesforce,
        store=store,
        pairs=[contacts_pair(ContactSettings(create_as=CreateAs.LEAD))],
        page_size=min(batch, 200),
        batch_size=batch,
    )


def batched(n: int, workdir: Path) -> list[Result]:
    hubspot, salesforce = fake_pair()
    contacts, leads = _seed(hubspot, salesforce, n)
    store = StateStore.open(f"sqlite:///{workdir / 'batched.sqlite'}")
    engine = _engine(hubspot, salesforce, store, batch=1000)
    results = [_run("initial, batched", engine, hubspot, salesforce, 2 * n)]
    # Settle the first run's echoes (our own writes seen in the change feeds).
    results.append(_run("echo pass (no changes)", engine, hubspot, salesforce, 2 * n))
    changed = max(1, n // 100)
    for record_id in contacts[:changed]:
        hubspot.edit("contacts", record_id, firstname="Changed")
    for record_id in leads[:changed]:
        salesforce.edit("Lead", record_id, FirstName="Changed")
    results.append(_run("incremental 1%, batched", engine, hubspot, salesforce, 2 * changed))
    store.close()
    return results


def naive(n: int, workdir: Path) -> Result:
    hubspot, salesforce = fake_pair()
    for crm in (hubspot, salesforce):
        crm.batch_write = 1
        crm.batch_read = 1
    _seed(hubspot, salesforce, n)
    store = StateStore.open(f"sqlite:///{workdir / 'naive.sqlite'}")
    result = _run(
        "initial, one call per record",
        _engine(hubspot, salesforce, store, batch=1),
        hubspot,
        salesforce,
        2 * n,
    )
    store.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="records on each side")
    parser.add_argument("--baseline-n", type=int, default=1_000, help="records for the baseline")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        results = [*batched(args.n, workdir), naive(min(args.n, args.baseline_n), workdir)]
    print(
        "| scenario | records synced | Salesforce calls | HubSpot calls "
        "| SF write calls | HS write calls | records/s |"
    )
    print("|---|---|---|---|---|---|---|")
    for result in results:
        print(result.row())


if __name__ == "__main__":
    main()
