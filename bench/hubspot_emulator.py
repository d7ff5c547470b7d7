"""Throughput of the HubSpot emulator through the official client, over loopback HTTP.

Measures, in one run and against the same server:

- single creates (``POST /crm/v3/objects/contacts``, one record per call), the baseline;
- batch creates (``batch/create`` of 100 records per call), in memory and with a SQLite
  data file (write-through);
- search pages per second (200 results per page, sorted, paged with ``after`` over
  10,000 contacts: 50 pages up to the 10,000-result cap).

Usage: ``uv run python bench/hubspot_emulator.py [--n 10000] [--single-n 500]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hubspot import HubSpot
from hubspot.crm.contacts import (
    BatchInputSimplePublicObjectBatchInputForCreate,
    PublicObjectSearchRequest,
    SimplePublicObjectInputForCreate,
)

from crmsync.emulators.common.server import running
from crmsync.emulators.hubspot.limits import LimitConfig
from crmsync.emulators.hubspot.server import create_app

TOKEN = "bench-token"


def _single(hs: HubSpot, n: int) -> float:
    started = time.perf_counter()
    for i in range(n):
        hs.crm.contacts.basic_api.create(
            SimplePublicObjectInputForCreate(
                properties={"email": f"s{i}@bench.example", "firstname": "S"}
            )
        )
    return n / (time.perf_counter() - started)


def _batches(hs: HubSpot, n: int, *, prefix: str) -> tuple[float, float]:
    started = time.perf_counter()
    for start in range(0, n, 100):
        inputs = [
            {
                "properties": {
                    "email": f"{prefix}{i}@bench.example",
                    "firstname": "B",
                    "lastname": str(i),
                }
            }
            for i in range(start, min(n, start + 100))
        ]
        hs.crm.contacts.batch_api.create(
            BatchInputSimplePublicObjectBatchInputForCreate(inputs=inputs)
        )
    elapsed = time.perf_counter() - started
    return n / elapsed, (n / 100) / elapsed


def _search_pages(hs: HubSpot) -> tuple[float, int]:
    pages, after = 0, "0"
    started = time.perf_counter()
    while after is not None:
        page = hs.crm.contacts.search_api.do_search(
            PublicObjectSearchRequest(
                filter_groups=[
                    {"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}]}
                ],
                sorts=[{"propertyName": "lastname", "direction": "ASCENDING"}],
                properties=["email", "lastname"],
                limit=200,
                after=after,
            )
        )
        pages += 1
        after = page.paging.next.after if page.paging else None
    return pages / (time.perf_counter() - started), pages


def _run(n: int, single_n: int, data: Path | None) -> dict[str, float]:
    app = create_app(
        token=TOKEN, data=data, limits=LimitConfig.for_tier("unlimited", search_per_second=0)
    )
    with running(app) as server:
        hs = HubSpot(access_token=TOKEN, host=server.url)
        out: dict[str, float] = {}
        out["single_rps"] = _single(hs, single_n)
        out["batch_rps"], out["batch_calls_ps"] = _batches(hs, n, prefix="b")
        out["search_pps"], pages = _search_pages(hs)
        out["search_pages"] = pages
        return out


def main() -> None:
    """Run the scenarios and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="contacts written in batches")
    parser.add_argument("--single-n", type=int, default=500, help="contacts written one by one")
    args = parser.parse_args()
    memory = _run(args.n, args.single_n, None)
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = _run(args.n, args.single_n, Path(tmp) / "hubspot.sqlite")
    print(f"HubSpot emulator, {args.n} contacts in batches of 100, {args.single_n} single creates")
    print(
        "| storage | single create records/s | batch/create records/s | batch calls/s | speed-up | "
        "search pages/s (200/page) |"
    )
    print("|---|---|---|---|---|---|")
    for name, r in (("memory", memory), ("SQLite file", sqlite)):
        print(
            f"| {name} | {r['single_rps']:,.0f} | {r['batch_rps']:,.0f} | "
            f"{r['batch_calls_ps']:,.1f} | "
            f"{r['batch_rps'] / r['single_rps']:,.1f}x | {r['search_pps']:,.1f} "
            f"({int(r['search_pages'])} pages) |"
        )


if __name__ == "__main__":
    main()
