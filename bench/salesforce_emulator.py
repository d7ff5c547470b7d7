"""Throughput of the Salesforce emulator over loopback HTTP, with simple-salesforce.

Measures, in one run on the same emulator:

- single-record ``POST sobjects/Contact`` (the baseline),
- ``POST composite/sobjects`` with 200 records per call,
- paging a 10,000-row query with ``query_all`` (2,000-row pages, the default),
- the same with a SQLite data file (write-through persistence) for the collection inserts.

Usage: ``uv run python -m bench salesforce_emulator`` (or ``--records N``).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from simple_salesforce import Salesforce

from crmsync.connectors.salesforce.loopback import loopback_session
from crmsync.emulators.common.server import running
from crmsync.emulators.salesforce.app import create_app

BATCH = 200


def _client(url: str) -> Salesforce:
    return Salesforce(
        instance_url="https://crmsync.my.salesforce.com",
        session_id="crmsync-sf-token",
        session=loopback_session(url),
        version="62.0",
    )


def _rate(count: int, seconds: float) -> str:
    return f"{count:>6} records in {seconds:6.2f} s = {count / seconds:>9,.0f} records/s"


def _single_inserts(sf: Salesforce, count: int) -> float:
    started = time.perf_counter()
    for n in range(count):
        sf.Contact.create({"LastName": f"Single {n}", "Email": f"single{n}@example.com"})
    return time.perf_counter() - started


def _collection_inserts(sf: Salesforce, count: int, *, tag: str) -> float:
    started = time.perf_counter()
    for start in range(0, count, BATCH):
        records = [
            {"attributes": {"type": "Contact"}, "LastName": f"{tag} {n}",
             "Email": f"{tag}{n}@example.com"}
            for n in range(start, min(start + BATCH, count))
        ]  # fmt: skip
        results = sf.restful("composite/sobjects", method="POST",
                             json={"allOrNone": False, "records": records})  # fmt: skip
        if not all(r["success"] for r in results):
            raise RuntimeError("a collection insert failed")
    return time.perf_counter() - started


def _paged_query(sf: Salesforce) -> tuple[int, float]:
    started = time.perf_counter()
    rows = sf.query_all("SELECT Id, LastName, Email, SystemModstamp FROM Contact")["records"]
    return len(rows), time.perf_counter() - started


def main() -> None:
    """Run the measurements and print records/s."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--singles", type=int, default=1_000)
    args = parser.parse_args()
    with running(create_app()) as server:
        sf = _client(server.url)
        single = _single_inserts(sf, args.singles)
        print(f"single-record POST (baseline)   {_rate(args.singles, single)}")
        collection = _collection_inserts(sf, args.records, tag="Bulk")
        print(f"composite/sobjects, 200 per call {_rate(args.records, collection)}")
        speed_up = (args.records / collection) / (args.singles / single)
        print(f"  speed-up over single POST: {speed_up:.1f}x")
        rows, query = _paged_query(sf)
        print(f"query_all, 2,000-row pages       {_rate(rows, query)}")
    with (
        tempfile.TemporaryDirectory() as folder,
        running(create_app(data=Path(folder) / "bench.sqlite")) as server,
    ):
        persisted = _collection_inserts(_client(server.url), args.records, tag="Kept")
        print(f"composite/sobjects + SQLite file {_rate(args.records, persisted)}")


if __name__ == "__main__":
    main()
