"""Companies ⇄ accounts end to end against both emulators (R21, R10).

A company is matched to an account through the contacts linked to both, never by
domain; creates go both ways under HubSpot's rules; a contact's primary company syncs
with ``Contact.AccountId`` both ways; a converted lead's new account joins the company
its person already has.
"""

from __future__ import annotations

import pytest

from crmsync.engine.hooks import Checkpoint
from tests.e2e.conftest import CrashAt, SimulatedCrash, World

ACCOUNT_FIELDS = ("Name", "Website", "HubSpot_Company_ID__c")


def _accounts(world: World) -> list[dict[str, object]]:
    rows = world.salesforce.read_changes(
        "Account", cursor=None, fields=ACCOUNT_FIELDS, page_size=200
    ).records
    return [dict(row.fields, Id=row.id) for row in rows if not row.deleted]


def _contact_account(world: World, contact_id: str) -> object:
    return world.sf_read("Contact", contact_id, "AccountId").fields.get("AccountId")


def _primary_company(world: World, contact_id: str) -> object:
    (record,) = world.hubspot.read_by_ids(
        "contacts", [contact_id], fields=("email", "associatedcompanyid")
    )
    return record.fields.get("associatedcompanyid")


def test_r21_company_matches_account_through_contacts_not_domain(world: World) -> None:
    account = world.sf_create("Account", Name="Acme (Salesforce)", Website="https://acme.example")
    world.sf_create("Contact", LastName="Kowalska", Email="ann@acme.example", AccountId=account)
    # Same domain, no shared contact: must not be linked to ``account``.
    lookalike = world.hs_create_company(name="Acme lookalike", domain="acme.example")
    company = world.hs_create_company(name="Acme", domain="acme.io")
    person = world.hs_create(email="ann@acme.example", lastname="Kowalska")
    world.hs_primary_company(person, company)
    world.enable_companies()

    world.sync()
    world.sync()

    accounts = _accounts(world)
    assert [row["Id"] for row in accounts if row["Name"] in {"Acme", "Acme (Salesforce)"}] == [
        account
    ]
    assert len(accounts) == 1, "matched, not created"
    with world.store.begin(_scope(world)) as tx:
        links = tx.links_by_hubspot(hubspot_type="companies", ids=[company, lookalike])
    assert set(links) == {company}
    assert links[company].salesforce_id == account
    ids = sorted(c.id for c in world.hs_companies())
    assert ids == sorted([company, lookalike]), "no company created for the account"


def test_r21_account_creates_a_company_and_the_contact_is_associated(world: World) -> None:
    account = world.sf_create("Account", Name="Globex", Website="https://globex.example")
    contact = world.sf_create("Contact", LastName="Nowak", Email="jan@globex.example")
    world.sf_update("Contact", contact, AccountId=account)
    world.enable_companies()

    world.sync()

    (company,) = [c for c in world.hs_companies() if c.fields.get("name") == "Globex"]
    assert company.fields.get("salesforceaccountid") == account, "stamped for idempotency"
    (person,) = world.hs_by_email("jan@globex.example")
    assert _primary_company(world, person.id) == company.id


def test_r21_company_with_a_new_contact_creates_an_account(world: World) -> None:
    company = world.hs_create_company(name="Initech", domain="initech.example")
    person = world.hs_create(email="peter@initech.example", lastname="Gibbons")
    world.hs_primary_company(person, company)
    world.enable_companies()  # contacts are created as Contact by default (R9)

    world.sync()

    (account,) = [row for row in _accounts(world) if row["Name"] == "Initech"]
    assert account["HubSpot_Company_ID__c"] == company
    (contact,) = world.sf_by_email("Contact", "peter@initech.example", "AccountId")
    assert contact.fields.get("AccountId") == account["Id"]


def test_r21_company_whose_contacts_are_leads_creates_no_account(world: World) -> None:
    company = world.hs_create_company(name="Hooli", domain="hooli.example")
    person = world.hs_create(email="gavin@hooli.example", lastname="Belson", company="Hooli")
    world.hs_primary_company(person, company)
    world.enable_companies()
    world.set("contacts.create_as", "lead")

    world.sync()

    assert _accounts(world) == []
    assert len(world.sf_by_email("Lead", "gavin@hooli.example")) == 1


def test_r21_reparenting_a_contact_moves_its_primary_company_and_back(world: World) -> None:
    first = world.sf_create("Account", Name="First")
    second = world.sf_create("Account", Name="Second")
    contact = world.sf_create("Contact", LastName="Mover", Email="mover@example.com")
    world.sf_update("Contact", contact, AccountId=first)
    world.enable_companies()
    world.sync()
    companies = {str(c.fields.get("name")): c.id for c in world.hs_companies()}
    (person,) = world.hs_by_email("mover@example.com")
    assert _primary_company(world, person.id) == companies["First"]

    world.sf_update("Contact", contact, AccountId=second)
    world.tick()
    world.sync()
    assert _primary_company(world, person.id) == companies["Second"]

    world.hs_primary_company(person.id, companies["First"])
    world.tick()
    world.sync()
    assert _contact_account(world, contact) == first


def test_r21_converted_lead_joins_the_company_its_person_has(world: World) -> None:
    company = world.hs_create_company(name="Umbrella", domain="umbrella.example")
    person = world.hs_create(email="alice@umbrella.example", lastname="Abernathy", company="U")
    world.hs_primary_company(person, company)
    world.enable_companies()
    world.set("contacts.create_as", "lead")
    world.sync()
    (lead,) = world.sf_by_email("Lead", "alice@umbrella.example")
    assert _accounts(world) == []

    converted = world.sf_control.convert_lead(lead.id)
    world.tick()
    world.sync()
    world.sync()

    assert [c.id for c in world.hs_companies()] == [company], "never a second company"
    with world.store.begin(_scope(world)) as tx:
        links = tx.links_by_hubspot(hubspot_type="companies", ids=[company])
    assert links[company].salesforce_id == converted["accountId"]


def test_r10_warning_when_leads_are_created_while_hubspot_auto_creates_companies(
    world: World, database_url: str
) -> None:
    from typer.testing import CliRunner

    from crmsync.cli.main import app

    env = world.cli_env(database_url)
    runner = CliRunner()
    first = runner.invoke(
        app, ["settings", "set", "companies.auto_create_and_associate=on"], env=env
    )
    assert first.exit_code == 0, first.output
    assert "R10" not in first.output  # contacts are created as Contact: no warning
    second = runner.invoke(app, ["settings", "set", "contacts.create_as=lead"], env=env)
    assert second.exit_code == 0, second.output
    assert "Warning (R10)" in second.output
    assert "duplicate" in second.output.lower()


@pytest.mark.parametrize(
    "point",
    [Checkpoint.BEFORE_WRITE, Checkpoint.AFTER_WRITE_BEFORE_RECORD, Checkpoint.AFTER_RECORD],
)
def test_r25_crash_during_a_company_run_leaves_no_duplicate(
    world: World, point: Checkpoint
) -> None:
    for index in range(3):
        account = world.sf_create("Account", Name=f"Crash {index}")
        contact = world.sf_create("Contact", LastName=f"C{index}", Email=f"c{index}@crash.example")
        world.sf_update("Contact", contact, AccountId=account)
        company = world.hs_create_company(name=f"New {index}", domain=f"new{index}.example")
        person = world.hs_create(email=f"n{index}@new.example", lastname=f"N{index}")
        world.hs_primary_company(person, company)
    world.enable_companies()
    crash = CrashAt(point)
    with pytest.raises(SimulatedCrash):
        world.sync(hooks=crash)
    world.sync()
    world.sync()

    names = sorted(str(c.fields.get("name")) for c in world.hs_companies())
    assert names == sorted([*(f"Crash {i}" for i in range(3)), *(f"New {i}" for i in range(3))])
    account_names = sorted(str(row["Name"]) for row in _accounts(world))
    assert account_names == names


def _scope(world: World):  # type: ignore[no-untyped-def]
    from crmsync.store.state import Scope

    return Scope(
        salesforce_org_id=world.salesforce.account_id(),
        hubspot_portal_id=world.hubspot.account_id(),
    )


def test_r10_warning_on_health_explain_and_the_health_page(world: World, database_url: str) -> None:
    from pydantic import SecretStr
    from typer.testing import CliRunner

    from crmsync.cli.main import app
    from crmsync.emulators.common.server import running
    from crmsync.web.app import create_dashboard_app
    from tests.dashboard_client import PASSWORD, DashboardClient

    world.set("companies.auto_create_and_associate", True)
    world.set("contacts.create_as", "lead")
    env = world.cli_env(database_url)
    runner = CliRunner()
    health = runner.invoke(app, ["health"], env=env)
    explained = runner.invoke(app, ["explain"], env=env)
    assert "Warning: R10" in health.output, health.output
    assert "Warning (R10)" in explained.output, explained.output
    config = world.config(database_url).model_copy(
        update={"dashboard_password": SecretStr(PASSWORD)}
    )
    with (
        running(create_dashboard_app(config=config)) as server,
        DashboardClient(server.url) as http,
    ):
        http.log_in()
        page = http.get("/")
        settings_tab = http.get("/settings/hubspot-to-salesforce")
    assert "Warning: R10" in page.text
    assert 'id="lead-warning"' in settings_tab.text  # beside the choice it is about

    world.set("contacts.create_as", "contact")
    assert "R10" not in runner.invoke(app, ["health"], env=env).output
