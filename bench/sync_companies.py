"""API calls per synced company, measured against the same people synced without companies.

Two first syncs of the same data, each against fresh in-process emulators on loopback
(HubSpot on the ``unlimited`` tier), through the real engine, connectors and SQLite
store:

- **baseline**: company sync off. N HubSpot contacts and N Salesforce contacts (each
  under an account) sync as people only;
- **companies**: the same data with company sync on. Every HubSpot contact has a
  primary company (one company per ``--people-per-company`` people), every Salesforce
  contact an account; companies are created both ways, matched through contacts, and
  each person's primary company ⇄ ``AccountId`` is written.

The difference in calls, divided by the companies linked, is the cost of one synced
company (creates, association reads for matching, the association writes and the extra
records read back); calls are counted by each emulator's own counter, so every request is
billed. A second, idle run shows what a quiet company feed costs.

Usage: ``uv run python bench/sync_companies.py [--people 2000] [--people-per-company 5]``
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
from crmsync.engine.companies import ACCOUNT_KEY_FIELD
from crmsync.engine.settings import save_setting
from crmsync.runtime import build_engine, connected
from crmsync.store.state import Scope


@dataclass(frozen=True, kw_only=True)
class Measured:
    """One first sync and the idle run after it."""

    salesforce_calls: int
    hubspot_calls: int
    idle_calls: int
    seconds: float
    company_links: int
    people_links: int

    @property
    def calls(self) -> int:
        """Both sides' calls of the first sync."""
        return self.salesforce_calls + self.hubspot_calls


def _seed(running: Emulators, people: int, per_company: int) -> None:
    running.salesforce_control.add_field(
        object="Account", name=ACCOUNT_KEY_FIELD, type="string", length=64,
        external_id=True, unique=True,
    )  # fmt: skip
    groups = max(1, people // per_company)
    companies = [
        {"id": str(800_000 + g), "properties": {"name": f"HubSpot company {g}"}}
        for g in range(groups)
    ]
    contacts: list[dict[str, Any]] = []
    associations: list[dict[str, Any]] = []
    for i in range(people):
        contacts.append(
            {
                "id": str(1_000_000 + i),
                "properties": {"email": f"hs{i}@bench.example", "lastname": f"Hs{i}"},
            }
        )
        associations.append(
            {
                "fromType": "contacts",
                "fromId": str(1_000_000 + i),
                "toType": "companies",
                "toId": str(800_000 + i % groups),
                "typeId": 1,
            }
        )
    running.hubspot_control.seed(
        {"records": {"contacts": contacts, "companies": companies}, "associations": associations}
    )
    accounts = [{"ref": f"a{g}", "Name": f"Salesforce account {g}"} for g in range(groups)]
    salesforce_contacts = [
        {"Email": f"sf{i}@bench.example", "LastName": f"Sf{i}", "AccountId": f"@{{a{i % groups}}}"}
        for i in range(people)
    ]
    running.salesforce_control.seed(
        {"records": {"Account": accounts, "Contact": salesforce_contacts}}
    )


def measure(*, people: int, per_company: int, companies: bool) -> Measured:
    """Seed fresh emulators, run a first sync and an idle one, count every call."""
    with (
        tempfile.TemporaryDirectory() as directory,
        emulators(salesforce_port=None, hubspot_port=None) as running,
    ):
        _seed(running, people, per_company)
        config = demo_config(running, database_url=f"sqlite:///{Path(directory) / 'b.sqlite'}")
        with connected(config) as opened:
            save_setting(opened.store, "contacts.create_as", "Contact")
            save_setting(opened.store, "companies.enabled", companies)
            before_sf = running.salesforce_control.usage()["api_calls_total"]
            before_hs = running.hubspot_control.call_count()
            started = time.perf_counter()
            build_engine(opened, config).run_once()
            seconds = time.perf_counter() - started
            salesforce_calls = running.salesforce_control.usage()["api_calls_total"] - before_sf
            hubspot_calls = running.hubspot_control.call_count() - before_hs
            for control in (running.salesforce_control, running.hubspot_control):
                control.advance_clock(seconds=CLOCK_STEP_SECONDS)
            build_engine(opened, config).run_once()  # reads the first run's own writes back
            for control in (running.salesforce_control, running.hubspot_control):
                control.advance_clock(seconds=CLOCK_STEP_SECONDS)
            idle_before = (
                running.salesforce_control.usage()["api_calls_total"]
                + running.hubspot_control.call_count()
            )
            build_engine(opened, config).run_once()
            idle = (
                running.salesforce_control.usage()["api_calls_total"]
                + running.hubspot_control.call_count()
                - idle_before
            )
            scope = Scope(
                salesforce_org_id=opened.salesforce.account_id(),
                hubspot_portal_id=opened.hubspot.account_id(),
            )
            with opened.store.begin(scope) as tx:
                company_links = tx.count_links(pair="companies")
                people_links = tx.count_links(pair="contacts")
    return Measured(
        salesforce_calls=salesforce_calls,
        hubspot_calls=hubspot_calls,
        idle_calls=idle,
        seconds=seconds,
        company_links=company_links,
        people_links=people_links,
    )


def main() -> None:
    """Run the baseline and the company sync and print the comparison."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--people", type=int, default=2000, help="people on each side")
    parser.add_argument("--people-per-company", type=int, default=5)
    args = parser.parse_args()
    baseline = measure(people=args.people, per_company=args.people_per_company, companies=False)
    with_companies = measure(
        people=args.people, per_company=args.people_per_company, companies=True
    )
    extra = with_companies.calls - baseline.calls
    linked = max(1, with_companies.company_links)
    print(f"{args.people} people a side, {args.people_per_company} per company")
    print(
        "| run | Salesforce calls | HubSpot calls | people linked | companies linked "
        "| s | idle run calls |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, measured in (
        ("people only (baseline)", baseline),
        ("with companies", with_companies),
    ):
        print(
            f"| {label} | {measured.salesforce_calls:,} | {measured.hubspot_calls:,} | "
            f"{measured.people_links:,} | {measured.company_links:,} | "
            f"{measured.seconds:,.1f} | {measured.idle_calls} |"
        )
    print(
        f"calls per synced company: {extra / linked:.3f} "
        f"({extra:,} extra calls for {with_companies.company_links:,} companies)"
    )


if __name__ == "__main__":
    main()
