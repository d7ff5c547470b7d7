"""``crmsync demo``: the README's first command seeds, syncs both ways and follows a conversion.

The CLI run checks what a newcomer sees; the library run (the same functions the CLI
calls) keeps the emulators up afterwards so the records can be read back from them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from crmsync.cli.main import app
from crmsync.config import CrmsyncConfig
from crmsync.demo.dataset import build_dataset
from crmsync.demo.runner import DemoResult, Emulators, demo_config, emulators, run_demo
from crmsync.emulators.common.server import free_port
from crmsync.runtime import connected
from crmsync.store.state import Scope


def test_demo_command_prints_records_synced_both_ways(tmp_path: Path) -> None:
    database = tmp_path / "var" / "demo.sqlite"
    result = CliRunner().invoke(
        app,
        [
            "demo",
            "--no-serve",
            "--port-salesforce",
            str(free_port()),
            "--port-hubspot",
            str(free_port()),
            "--database",
            str(database),
        ],
    )

    assert result.exit_code == 0, result.output
    assert database.exists()
    lines = result.output.splitlines()
    for label in ("created in Salesforce", "created in HubSpot"):
        (row,) = [line for line in lines if label in line]
        first_sync = int(row.split("│")[2])
        assert first_sync > 100, row
    (conversions,) = [line for line in lines if "conversions followed" in line]
    assert int(conversions.split("│")[3]) == 1
    assert "skipped: not on the inclusion list (R8)" in result.output
    # --no-serve: the emulators are gone, so no address to them is offered.
    assert "export CRMSYNC_" not in result.output
    unwrapped = "".join(result.output.split())  # the console wraps at its width
    assert f"statestoreiskept:sqlite:///{database.resolve()}" in unwrapped


@dataclass
class Demo:
    """A finished demo whose emulators are still running."""

    running: Emulators
    config: CrmsyncConfig
    result: DemoResult


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo run once through the library, emulators kept up for the module."""
    database = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    with emulators(salesforce_port=None, hubspot_port=None) as running:
        config = demo_config(running, database_url=f"sqlite:///{database}")
        result = run_demo(running, config, console=Console(quiet=True))
        yield Demo(running=running, config=config, result=result)


def test_r9_r11_polish_hubspot_contact_arrives_as_a_lead_with_the_country_converted(
    demo: Demo,
) -> None:
    dataset = build_dataset()
    (inclusion_list,) = dataset.hubspot_seed["lists"]
    members = set(inclusion_list["recordIds"])
    polska = [
        row["properties"]["email"]
        for row in dataset.hubspot_seed["records"]["contacts"]
        if row["id"] in members
        and row["properties"]["country"] == "Polska"
        and row["properties"]["email"] in dataset.polish_hubspot_emails
    ]
    assert polska, "the data set should hold Polish HubSpot-only contacts on the list"

    with connected(demo.config) as opened:
        leads = list(opened.salesforce.find_by("Lead", "Email", polska[:5], fields=("Country",)))

    assert len(leads) == len(polska[:5])
    assert {lead.fields["Country"] for lead in leads} == {"Poland"}


def test_r8_hubspot_contacts_off_the_inclusion_list_stay_out_of_salesforce(demo: Demo) -> None:
    dataset = build_dataset()
    (inclusion_list,) = dataset.hubspot_seed["lists"]
    members = set(inclusion_list["recordIds"])
    outside = [
        row["properties"]["email"]
        for row in dataset.hubspot_seed["records"]["contacts"]
        if row["id"] not in members and row["properties"]["email"] not in dataset.overlapping_emails
    ]

    with connected(demo.config) as opened:
        found = [
            *opened.salesforce.find_by("Lead", "Email", outside, fields=("Email",)),
            *opened.salesforce.find_by("Contact", "Email", outside, fields=("Email",)),
        ]

    assert outside
    assert found == []


def test_converted_lead_link_follows_the_new_contact(demo: Demo) -> None:
    contact_id = demo.result.converted_contact_id
    assert contact_id is not None

    with connected(demo.config) as opened:
        scope = Scope(
            salesforce_org_id=opened.salesforce.account_id(),
            hubspot_portal_id=opened.hubspot.account_id(),
        )
        with opened.store.begin(scope) as tx:
            links = tx.links_by_salesforce(salesforce_types=["Contact"], ids=[contact_id])
        (contact,) = opened.hubspot.read_by_ids(
            "contacts", [links[contact_id].hubspot_id], fields=("email",)
        )

    assert demo.result.second_run.converted == 1
    assert contact.fields["email"]


def _open_error_codes(demo: Demo) -> Counter[str]:
    with connected(demo.config) as opened:
        scope = Scope(
            salesforce_org_id=opened.salesforce.account_id(),
            hubspot_portal_id=opened.hubspot.account_id(),
        )
        with opened.store.begin(scope) as tx:
            return Counter(row.api_code for row in tx.open_errors())


def test_r12_invalid_salesforce_emails_are_reported_not_synced(demo: Demo) -> None:
    bad = demo.result.dataset.bad_salesforce_emails

    with connected(demo.config) as opened:
        found = list(opened.hubspot.find_by("contacts", "email", bad, fields=("email",)))

    assert found == []
    assert _open_error_codes(demo)["INVALID_EMAIL_SKIPPED"] == len(bad)


def test_lead_and_contact_sharing_an_email_in_salesforce_are_reported(demo: Demo) -> None:
    shared = demo.result.dataset.duplicate_salesforce_emails

    assert _open_error_codes(demo)["DUPLICATE_EMAIL_IN_SALESFORCE"] == len(shared)
    assert demo.result.errors_by_category["duplicates"] == len(shared)


def test_r23_hubspot_owners_arrive_as_the_salesforce_users_with_their_email(demo: Demo) -> None:
    dataset = build_dataset()
    (inclusion_list,) = dataset.hubspot_seed["lists"]
    members = set(inclusion_list["recordIds"])
    owners = {owner["id"]: owner["email"] for owner in dataset.hubspot_seed["owners"]}
    owned = {
        row["properties"]["email"]: owners[row["properties"]["hubspot_owner_id"]]
        for row in dataset.hubspot_seed["records"]["contacts"]
        if row["id"] in members
        and row["properties"].get("hubspot_owner_id")
        and row["properties"]["email"] not in dataset.overlapping_emails
    }
    assert len(set(owned.values())) == 2, "the data set should give contacts to both reps"

    with connected(demo.config) as opened:
        users = opened.salesforce.owner_emails()
        leads = opened.salesforce.find_by("Lead", "Email", list(owned), fields=("Email", "OwnerId"))

    assert len(leads) == len(owned)
    for lead in leads:
        assert users[str(lead.fields["OwnerId"])] == owned[str(lead.fields["Email"]).lower()]


def test_r21_demo_companies_link_once_each_and_match_through_shared_contacts(
    demo: Demo,
) -> None:
    dataset = build_dataset()
    seeded = {row["id"] for row in dataset.hubspot_seed["records"]["companies"]}
    with connected(demo.config) as opened:
        companies = opened.hubspot.read_changes(
            "companies", cursor=None, fields=("name",), page_size=200
        ).records
        accounts = opened.salesforce.read_changes(
            "Account", cursor=None, fields=("Name",), page_size=200
        ).records
        scope = Scope(
            salesforce_org_id=opened.salesforce.account_id(),
            hubspot_portal_id=opened.hubspot.account_id(),
        )
        with opened.store.begin(scope) as tx:
            links = tx.links_by_hubspot(hubspot_type="companies", ids=[c.id for c in companies])

    # Every account has exactly one company: the seeded ones matched, the rest created.
    assert len(accounts) == len(dataset.salesforce_seed["records"]["Account"]) + 1  # conversion
    assert len({link.salesforce_id for link in links.values()}) == len(links)
    assert len(links) == demo.result.links_by_pair["companies"]
    # Seeded companies whose people sync only as leads wait for a contact (R21).
    assert len(companies) == len(links) + len(seeded - set(links))
    matched = [company for company in companies if company.id in seeded and company.id in links]
    assert matched, "seeded companies match their accounts through shared contacts"
    names = {account.id: account.fields["Name"] for account in accounts}
    for company in matched:
        assert names[links[company.id].salesforce_id] == company.fields["name"]


def test_r15_r22_r24_demo_seeds_deals_and_activities_and_a_won_opportunity_makes_a_customer(
    demo: Demo,
) -> None:
    result = demo.result
    assert result.links_by_pair["deals"] >= result.deals.hubspot_deals + result.deals.opportunities
    tasks = sum(n for pair, n in result.links_by_pair.items() if pair.startswith("activities."))
    assert tasks == result.deals.activities
    assert result.won_contact_stage == "customer"
    assert any("→ customer" in move for move in result.lifecycle_moves)
