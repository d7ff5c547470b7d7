"""API calls per synced record and records/s of the sync engine, beside a naive baseline.

Runs the real engine, the real connectors (``simple-salesforce`` and
``hubspot-api-client`` underneath) and the SQLite state store against both emulators,
started in-process on loopback over HTTP exactly as the demo starts them (HubSpot on
the ``unlimited`` tier). Records are seeded through each emulator's seed hook; calls
are counted by each emulator's own call counter (Salesforce ``/usage``, HubSpot
``calls``), so every request the connectors make is billed, reads and lookups included.
Scenarios:

- initial sync of N HubSpot contacts to Salesforce leads and N Salesforce leads to
  HubSpot contacts, in one run;
- the pass after it, which reads the engine's own writes back in the change feeds;
- incremental sync after 1% of the records changed on each side;
- the naive baseline: the connectors' write path with one record per call, creating
  min(N, --baseline-n) new records on each side; its calls and time per record are
  measured on that sample and stand for the whole set (no reads or lookups included,
  so it flatters the naive approach).

Usage: ``uv run python bench/sync_contacts.py [--n 10000] [--baseline-n 200]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crmsync.config import CrmsyncConfig
from crmsync.connectors.base import Connector, System, WriteRequest
from crmsync.demo.runner import CLOCK_STEP_SECONDS, Emulators, demo_config, emulators
from crmsync.engine.report import SyncReport
from crmsync.engine.settings import save_setting
from crmsync.runtime import Connected, build_engine, connected
from crmsync.store import StateStore
from crmsync.store.api_calls import ApiCallRecord

WrittenCounts = tuple[int, int]
"""Records written to Salesforce and to HubSpot by one scenario."""

HUBSPOT_FIRST_ID = 1_000_000
"""Seeded HubSpot ids start here, so the benchmark can edit them by id later."""
POLL_INTERVAL_SECONDS: Final = 900.0
"""Time between scheduled runs (``crmsync run``'s default interval)."""


@dataclass(frozen=True, kw_only=True)
class Written:
    """Records one side received and the write calls that carried them."""

    records: int = 0
    calls: int = 0

    def cell(self) -> str:
        """``records / calls`` as a table cell."""
        if not self.calls:
            return f"{self.records} / 0"
        return f"{self.records} / {self.calls} ({self.records / self.calls:,.0f} per call)"


@dataclass(frozen=True, kw_only=True)
class Result:
    """One scenario's counts and wall time."""

    name: str
    records: int
    salesforce_calls: int
    hubspot_calls: int
    seconds: float
    salesforce_written: Written = Written()
    hubspot_written: Written = Written()

    def row(self) -> str:
        """The scenario as a Markdown table row."""
        per = max(self.records, 1)
        return (
            f"| {self.name} | {self.records} | {self.salesforce_calls} "
            f"({self.salesforce_calls / per:.4f}/rec) | {self.hubspot_calls} "
            f"({self.hubspot_calls / per:.4f}/rec) | "
            f"{(self.salesforce_calls + self.hubspot_calls) / per:.4f} | "
            f"{self.records / self.seconds:,.0f} |"
        )

    def write_row(self) -> str:
        """Records written per write call on each side, as a Markdown table row."""
        return f"| {self.name} | {self.salesforce_written.cell()} | {self.hubspot_written.cell()} |"


class Counters:
    """Calls served by each emulator, and write calls made by crmsync, since :meth:`take`."""

    def __init__(self, running: Emulators, store: StateStore) -> None:
        self._running = running
        self._store = store
        self._totals = self._read()

    def _read(self) -> tuple[int, int, int, int]:
        # Both hooks report running totals (the hook calls themselves are not counted);
        # the state store's call log says which of crmsync's calls were writes.
        with self._store.begin() as tx:
            writes = dict(
                tx.session.execute(
                    select(ApiCallRecord.system, func.count(ApiCallRecord.id))
                    .where(ApiCallRecord.purpose.like("write%"))
                    .group_by(ApiCallRecord.system)
                ).all()
            )
        return (
            self._running.salesforce_control.usage()["api_calls_total"],
            self._running.hubspot_control.call_count(),
            int(writes.get(System.SALESFORCE.value, 0)),
            int(writes.get(System.HUBSPOT.value, 0)),
        )

    def take(self) -> tuple[int, int, int, int]:
        """Salesforce and HubSpot calls, then their write calls, since the previous take."""
        totals = self._read()
        salesforce, hubspot, salesforce_writes, hubspot_writes = (
            now - before for now, before in zip(totals, self._totals, strict=True)
        )
        self._totals = totals
        return salesforce, hubspot, salesforce_writes, hubspot_writes


def _seed(running: Emulators, n: int) -> tuple[list[str], list[str]]:
    contacts = [
        {
            "id": str(HUBSPOT_FIRST_ID + i),
            "properties": {
                "email": f"hs{i}@example.com",
                "firstname": f"H{i}",
                "lastname": f"Hubspot{i}",
                "company": "Acme",
            },
        }
        for i in range(n)
    ]
    running.hubspot_control.seed({"records": {"contacts": contacts}})
    leads = [
        {
            "ref": f"lead{i}",
            "Email": f"sf{i}@example.com",
            "FirstName": f"S{i}",
            "LastName": f"Sf{i}",
            "Company": "Initech",
            "Status": "Open - Not Contacted",
        }
        for i in range(n)
    ]
    refs = running.salesforce_control.seed({"records": {"Lead": leads}})
    return [str(row["id"]) for row in contacts], [refs[f"lead{i}"] for i in range(n)]


def _advance(running: Emulators) -> None:
    # Later edits must be strictly newer than the previous run's watermark.
    running.salesforce_control.advance_clock(seconds=CLOCK_STEP_SECONDS)
    running.hubspot_control.advance_clock(seconds=CLOCK_STEP_SECONDS)


def _timed(
    name: str, records: int, counters: Counters, action: Callable[[], WrittenCounts | None]
) -> Result:
    counters.take()
    started = time.perf_counter()
    written = action()
    seconds = time.perf_counter() - started
    salesforce, hubspot, salesforce_writes, hubspot_writes = counters.take()
    salesforce_records, hubspot_records = written or (0, 0)
    return Result(
        name=name,
        records=records,
        salesforce_calls=salesforce,
        hubspot_calls=hubspot,
        seconds=seconds,
        salesforce_written=Written(records=salesforce_records, calls=salesforce_writes),
        hubspot_written=Written(records=hubspot_records, calls=hubspot_writes),
    )


def _edit(connector: Connector, object_type: str, ids: list[str], fields: dict[str, Any]) -> None:
    results = connector.write(
        [WriteRequest(object_type=object_type, key=i, id=i, fields=fields) for i in ids]
    )
    failed = [result for result in results if not result.ok]
    if failed:
        raise SystemExit(f"editing {object_type} failed: {failed[0].errors}")


def synced(running: Emulators, opened: Connected, config: CrmsyncConfig, n: int) -> list[Result]:
    """Initial sync, the echo pass and a 1% incremental sync."""
    contacts, leads = _seed(running, n)
    save_setting(opened.store, "contacts.create_as", "Lead")
    counters = Counters(running, opened.store)

    def run() -> WrittenCounts:
        report = build_engine(opened, config).run_once()
        _advance(running)
        return (
            _written(report, System.SALESFORCE),
            _written(report, System.HUBSPOT),
        )

    results = [_timed("initial sync", 2 * n, counters, run)]
    results.append(_timed("echo pass (no changes)", 2 * n, counters, run))
    changed = max(1, n // 100)
    # A polling interval passes before the edits, as between two scheduled runs, so the
    # overlap window re-read by the change feeds holds this run's changes only.
    running.salesforce_control.advance_clock(seconds=POLL_INTERVAL_SECONDS)
    running.hubspot_control.advance_clock(seconds=POLL_INTERVAL_SECONDS)
    _edit(opened.hubspot, "contacts", contacts[:changed], {"firstname": "Changed"})
    _edit(opened.salesforce, "Lead", leads[:changed], {"FirstName": "Changed"})
    _advance(running)
    results.append(_timed("incremental 1%", 2 * changed, counters, run))
    return results


def naive(running: Emulators, opened: Connected, sample: int) -> Result:
    """New records written one per call through the connectors, on both sides."""
    counters = Counters(running, opened.store)

    def write_one_by_one() -> WrittenCounts:
        for i in range(sample):
            _single(
                opened.salesforce,
                WriteRequest(
                    object_type="Lead",
                    key=f"naive-lead{i}",
                    fields={
                        "Email": f"naive-hs{i}@example.com",
                        "FirstName": f"N{i}",
                        "LastName": f"Naive{i}",
                        "Company": "Acme",
                    },
                ),
            )
            _single(
                opened.hubspot,
                WriteRequest(
                    object_type="contacts",
                    key=f"naive-contact{i}",
                    fields={
                        "email": f"naive-sf{i}@example.com",
                        "firstname": f"N{i}",
                        "lastname": f"Naive{i}",
                        "company": "Initech",
                    },
                ),
            )
        return sample, sample

    return _timed(
        f"naive: one write call per record (sample {sample}+{sample})",
        2 * sample,
        counters,
        write_one_by_one,
    )


def _written(report: SyncReport, system: System) -> int:
    return report.created[system.value] + report.updated[system.value]


def _single(connector: Connector, request: WriteRequest) -> None:
    (result,) = connector.write([request])
    if not result.ok:
        raise SystemExit(f"naive write of {request.key} failed: {result.errors}")


def main() -> None:
    """Run every scenario once and print a Markdown table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="records on each side")
    parser.add_argument("--baseline-n", type=int, default=200, help="records for the baseline")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as directory,
        emulators(salesforce_port=None, hubspot_port=None) as running,
    ):
        config = demo_config(running, database_url=f"sqlite:///{Path(directory) / 'bench.sqlite'}")
        with connected(config) as opened:
            results = [
                *synced(running, opened, config, args.n),
                naive(running, opened, min(args.n, args.baseline_n)),
            ]
    print("| scenario | records | Salesforce calls | HubSpot calls | all calls/rec | records/s |")
    print("|---|---|---|---|---|---|")
    for result in results:
        print(result.row())
    print("\n| scenario | Salesforce records / write calls | HubSpot records / write calls |")
    print("|---|---|---|")
    for result in results:
        print(result.write_row())
    baseline, initial = results[-1], results[0]
    # The baseline ran on a sample; its per-record cost stands for the full initial set.
    per_record = (baseline.salesforce_calls + baseline.hubspot_calls) / baseline.records
    seconds = initial.records * baseline.seconds / baseline.records
    print(
        f"\nnaive, extrapolated to the initial {initial.records} records: "
        f"{per_record * initial.records:,.0f} calls, {seconds:,.0f} s "
        f"(engine: {initial.salesforce_calls + initial.hubspot_calls} calls, "
        f"{initial.seconds:,.0f} s)"
    )


if __name__ == "__main__":
    main()
