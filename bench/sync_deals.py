"""API calls per synced deal and per synced activity, against the same data without them.

Three first syncs of the same people and companies, each against fresh in-process
emulators on loopback (HubSpot on the ``unlimited`` tier), through the real engine,
connectors and SQLite store, with company sync on:

- **baseline**: people and companies only (as ``bench/sync_companies.py``);
- **deals**: one HubSpot deal per company (primary company association) and one
  Salesforce opportunity per account; deals are created both ways with their stage
  through the stage table and their company ⇄ ``AccountId``;
- **deals and activities**: plus one HubSpot call per HubSpot contact, each becoming a
  Salesforce task on the linked contact.

The difference in calls, divided by the deals (or tasks) linked, is the cost of one
synced deal (or activity); calls are counted by each emulator's own counter. A third,
idle run shows what quiet deal and activity feeds cost.

Usage: ``uv run python bench/sync_deals.py [--people 1000] [--people-per-company 5]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crmsync.demo.runner import CLOCK_STEP_SECONDS, Emulators, demo_config, emulators
from crmsync.engine.activities import TASK_KEY_FIELD
from crmsync.engine.companies import ACCOUNT_KEY_FIELD
from crmsync.engine.deals import OPPORTUNITY_KEY_FIELD
from crmsync.engine.settings import save_setting
from crmsync.runtime import build_engine, connected
from crmsync.store.state import Scope


@dataclass(frozen=True, kw_only=True)
class Measured:
    """One first sync and the idle run after it."""

    calls: int
    idle_calls: int
    seconds: float
    deals: int
    tasks: int


def _seed(
    running: Emulators, people: int, per_company: int, *, deals: bool, activities: bool
) -> None:
    """People under companies/accounts; one deal and one opportunity per company; calls."""
    running.salesforce_control.add_field(
        object="Account", name=ACCOUNT_KEY_FIELD, type="string", length=64,
        external_id=True, unique=True,
    )  # fmt: skip
    for sobject, name in (("Opportunity", OPPORTUNITY_KEY_FIELD), ("Task", TASK_KEY_FIELD)):
        running.salesforce_control.add_field(
            object=sobject, name=name, type="string", length=80, external_id=True, unique=True
        )
    groups = max(1, people // per_company)
    hubspot: dict[str, Any] = {
        "companies": [
            {"id": str(800_000 + g), "properties": {"name": f"HubSpot company {g}"}}
            for g in range(groups)
        ],
        "contacts": [
            {"id": str(1_000_000 + i),
             "properties": {"email": f"hs{i}@bench.example", "lastname": f"Hs{i}"}}
            for i in range(people)
        ],
    }  # fmt: skip
    associations: list[dict[str, Any]] = [
        {"fromType": "contacts", "fromId": str(1_000_000 + i), "toType": "companies",
         "toId": str(800_000 + i % groups), "typeId": 1}
        for i in range(people)
    ]  # fmt: skip
    salesforce: dict[str, Any] = {
        "Account": [{"ref": f"a{g}", "Name": f"Salesforce account {g}"} for g in range(groups)],
        "Contact": [
            {"Email": f"sf{i}@bench.example", "LastName": f"Sf{i}",
             "AccountId": f"@{{a{i % groups}}}"}
            for i in range(people)
        ],
    }  # fmt: skip
    if deals:
        hubspot["deals"] = [
            {"id": str(600_000 + g),
             "properties": {"dealname": f"Deal {g}", "dealstage": "qualifiedtobuy",
                            "pipeline": "default", "closedate": "2026-06-30T00:00:00Z",
                            "amount": "1000"}}
            for g in range(groups)
        ]  # fmt: skip
        associations += [
            {"fromType": "deals", "fromId": str(600_000 + g), "toType": "companies",
             "toId": str(800_000 + g), "typeId": 5}
            for g in range(groups)
        ]  # fmt: skip
        salesforce["Opportunity"] = [
            {"Name": f"Opportunity {g}", "StageName": "Prospecting", "CloseDate": "2026-06-30",
             "AccountId": f"@{{a{g}}}"}
            for g in range(groups)
        ]  # fmt: skip
    if activities:
        hubspot["calls"] = [
            {"id": str(400_000 + i),
             "properties": {"hs_call_title": f"Call {i}", "hs_timestamp": "2026-05-04T09:00:00Z",
                            "hs_call_status": "COMPLETED"}}
            for i in range(people)
        ]  # fmt: skip
        associations += [
            {"fromType": "calls", "fromId": str(400_000 + i), "toType": "contacts",
             "toId": str(1_000_000 + i), "typeId": 194}
            for i in range(people)
        ]  # fmt: skip
    running.hubspot_control.seed({"records": hubspot, "associations": associations})
    running.salesforce_control.seed({"records": salesforce})


def measure(*, people: int, per_company: int, deals: bool, activities: bool) -> Measured:
    """Seed fresh emulators, run a first sync and an idle one, count every call."""
    with (
        tempfile.TemporaryDirectory() as directory,
        emulators(salesforce_port=None, hubspot_port=None) as running,
    ):
        _seed(running, people, per_company, deals=deals, activities=activities)
        config = demo_config(running, database_url=f"sqlite:///{Path(directory) / 'b.sqlite'}")
        with connected(config) as opened:
            save_setting(opened.store, "contacts.create_as", "Contact")
            save_setting(opened.store, "companies.enabled", True)
            save_setting(opened.store, "deals.enabled", deals)
            save_setting(opened.store, "activities.calls.enabled", activities)

            def calls() -> int:
                return (
                    running.salesforce_control.usage()["api_calls_total"]
                    + running.hubspot_control.call_count()
                )

            def tick() -> None:
                for control in (running.salesforce_control, running.hubspot_control):
                    control.advance_clock(seconds=CLOCK_STEP_SECONDS)

            before = calls()
            started = time.perf_counter()
            build_engine(opened, config).run_once()
            seconds = time.perf_counter() - started
            first = calls() - before
            tick()
            build_engine(opened, config).run_once()  # reads the first run's own writes back
            tick()
            idle_before = calls()
            build_engine(opened, config).run_once()
            idle = calls() - idle_before
            scope = Scope(
                salesforce_org_id=opened.salesforce.account_id(),
                hubspot_portal_id=opened.hubspot.account_id(),
            )
            with opened.store.begin(scope) as tx:
                deal_links = tx.count_links(pair="deals")
                task_links = tx.count_links(pair="activities.calls")
    return Measured(
        calls=first, idle_calls=idle, seconds=seconds, deals=deal_links, tasks=task_links
    )


def main() -> None:
    """Run the baseline, deals, and deals with activities; print the comparison."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--people", type=int, default=1000, help="people on each side")
    parser.add_argument("--people-per-company", type=int, default=5)
    args = parser.parse_args()
    runs = {
        "people and companies (baseline)": measure(
            people=args.people, per_company=args.people_per_company, deals=False, activities=False
        ),
        "with deals": measure(
            people=args.people, per_company=args.people_per_company, deals=True, activities=False
        ),
        "with deals and activities": measure(
            people=args.people, per_company=args.people_per_company, deals=True, activities=True
        ),
    }
    print(f"{args.people} people a side, {args.people_per_company} per company")
    print("| run | calls | deals linked | tasks linked | s | idle run calls |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, measured in runs.items():
        print(
            f"| {label} | {measured.calls:,} | {measured.deals:,} | {measured.tasks:,} | "
            f"{measured.seconds:,.1f} | {measured.idle_calls} |"
        )
    baseline, deals, both = runs.values()
    per_deal = (deals.calls - baseline.calls) / max(1, deals.deals)
    per_task = (both.calls - deals.calls) / max(1, both.tasks)
    print(f"calls per synced deal: {per_deal:.3f}")
    print(f"calls per synced activity: {per_task:.3f}")


if __name__ == "__main__":
    main()
