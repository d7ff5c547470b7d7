"""Lifecycle settings saved on the dashboard steer the next sync (R15, R19).

The dashboard runs over both emulators and the test store; each setting is posted as
the Salesforce → HubSpot page posts it, and the next run is built from the store, as
every ``crmsync sync`` is.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from crmsync.emulators.common.server import running
from crmsync.web.app import create_dashboard_app
from tests.dashboard_client import PASSWORD, DashboardClient
from tests.e2e.conftest import World

PAGE = "/settings/salesforce-to-hubspot"
KEEP = {"contacts.salesforce_leads": "create_or_update", "same_rule": "on"}


@pytest.fixture
def dashboard(world: World, database_url: str) -> Iterator[DashboardClient]:
    config = world.config(database_url).model_copy(
        update={"dashboard_password": SecretStr(PASSWORD)}
    )
    with running(create_dashboard_app(config=config)) as server, DashboardClient(server.url) as c:
        assert c.log_in().status_code == 200
        yield c


def _person_with_a_role(world: World, email: str) -> str:
    """A synced Salesforce contact with a role on a new open opportunity: its HubSpot id."""
    contact = world.sf_create("Contact", LastName="Person", Email=email)
    world.sync()
    (person,) = world.hs_by_email(email)
    opportunity = world.sf_create(
        "Opportunity", Name="Deal", StageName="Prospecting", CloseDate="2026-09-30"
    )
    world.sf_create(
        "OpportunityContactRole", OpportunityId=opportunity, ContactId=contact, Role="Evaluator"
    )
    return person.id


def _stage(world: World, object_type: str, record_id: str) -> object:
    (record,) = world.hubspot.read_by_ids(object_type, [record_id], fields=("lifecyclestage",))
    return record.fields.get("lifecyclestage")


def test_r15_the_lifecycle_box_on_the_dashboard_turns_the_rule_on_and_off(
    world: World, dashboard: DashboardClient
) -> None:
    world.set("contacts.create_as", "contact")
    saved = dashboard.post(PAGE, {**KEEP, "lifecycle.update_from_opportunities": "on"})
    assert "Settings saved" in saved.text

    moved = _person_with_a_role(world, "on@dash.example")
    world.sync()
    assert _stage(world, "contacts", moved) == "opportunity"

    # Unticked and saved: the next role moves no one.
    assert "Settings saved" in dashboard.post(PAGE, KEEP).text
    kept = _person_with_a_role(world, "off@dash.example")
    world.sync()
    assert _stage(world, "contacts", kept) != "opportunity"


def test_r19_the_company_box_on_the_dashboard_moves_the_other_contacts(
    world: World, dashboard: DashboardClient
) -> None:
    world.set("contacts.create_as", "contact")
    on = {**KEEP, "lifecycle.update_from_opportunities": "on"}
    assert "Settings saved" in dashboard.post(PAGE, on).text
    buyer = _person_with_a_role(world, "buyer@dash.example")
    world.sf_create("Contact", LastName="Colleague", Email="colleague@dash.example")
    world.sync()
    (colleague,) = world.hs_by_email("colleague@dash.example")
    company = world.hs_create_company(name="Acme Dash")
    for person in (buyer, colleague.id):
        world.hs_primary_company(person, company)
    world.tick()

    # R19 unticked: only the buyer moved.
    world.sync()
    assert _stage(world, "contacts", buyer) == "opportunity"
    assert _stage(world, "contacts", colleague.id) != "opportunity"

    saved = dashboard.post(PAGE, {**on, "lifecycle.sync_company_stage_to_contacts": "on"})
    assert "Settings saved" in saved.text
    buyer_sf = world.sf_by_email("Contact", "buyer@dash.example")[0].id
    won = world.sf_create("Opportunity", Name="Won", StageName="Closed Won", CloseDate="2026-09-30")
    world.sf_create("OpportunityContactRole", OpportunityId=won, ContactId=buyer_sf)
    world.sync()

    assert _stage(world, "contacts", buyer) == "customer"
    assert _stage(world, "companies", company) == "customer"
    assert _stage(world, "contacts", colleague.id) == "customer"  # follows the company
