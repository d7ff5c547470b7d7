"""Re-connecting to a sandbox, or as another user, keeps links and history (R5, R6).

The emulator serves a production org and a sandbox org (different org ids and data) on
one port; ``crmsync connect salesforce --sandbox`` points later commands at the sandbox.
"""

from __future__ import annotations

import json

import httpx
from pydantic import SecretStr
from typer.testing import CliRunner

from crmsync.cli.main import app
from crmsync.connectors.retry import RetryPolicy
from crmsync.connectors.salesforce.config import SalesforceConfig
from crmsync.connectors.salesforce.connector import SalesforceConnector
from tests.e2e.conftest import SALESFORCE_TOKEN, World


def _lead(email: str, last_name: str) -> dict[str, str]:
    return {"Email": email, "LastName": last_name, "Company": "Example"}


def _sandbox(world: World) -> SalesforceConnector:
    return SalesforceConnector.from_config(
        SalesforceConfig(
            instance_url=world.servers.salesforce.url,
            access_token=SecretStr(SALESFORCE_TOKEN),
            sandbox=True,
        ),
        retry=RetryPolicy.immediate(),
    )


def _links_per_org(world: World) -> dict[str, int]:
    with world.store.begin() as tx:
        return tx.links_per_org()


def _emails(connector: SalesforceConnector, object_type: str) -> set[str]:
    page = connector.read_changes(object_type, cursor=None, fields=["Email"], page_size=2000)
    return {str(record.fields["Email"]) for record in page.records if not record.deleted}


def _run(runner: CliRunner, args: list[str], env: dict[str, str]) -> str:
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    return result.output


def test_r6_sandbox_switch_keeps_each_orgs_links_apart(world: World, database_url: str) -> None:
    env = world.cli_env(database_url)
    runner = CliRunner()
    url = world.servers.salesforce.url
    world.set("contacts.create_as", "Lead")
    world.hs_create(email="shared@acme.io", lastname="Shared", company="Acme")
    world.sf_control.seed({"records": {"Lead": [_lead("prod@acme.io", "Prod")]}})
    world.sf_control.for_org("sandbox").seed({"records": {"Lead": [_lead("sbx@acme.io", "Sbx")]}})
    production = world.salesforce
    sandbox = _sandbox(world)
    assert production.account_id() != sandbox.account_id()

    _run(runner, ["sync", "--once"], env)
    world.tick()
    switched = _run(
        runner,
        ["connect", "salesforce", "--sandbox", "--url", url, "--token", SALESFORCE_TOKEN],
        env,
    )
    _run(runner, ["sync", "--once"], env)
    world.tick()

    assert "2 links made with another org are kept" in switched
    # Each org got HubSpot's contacts as its own leads; neither saw the other's lead.
    assert _emails(production, "Lead") == {"prod@acme.io", "shared@acme.io"}
    assert _emails(sandbox, "Lead") == {
        "sbx@acme.io",
        "shared@acme.io",
        "prod@acme.io",  # synced to HubSpot from production, so HubSpot has it too
    }
    links = _links_per_org(world)
    assert links[production.account_id()] == 2
    assert links[sandbox.account_id()] == 3
    # HubSpot holds one contact per person: the sandbox matched them, never duplicated.
    hubspot_emails = sorted(str(r.fields.get("email")) for r in world.hs_all())
    assert hubspot_emails == ["prod@acme.io", "sbx@acme.io", "shared@acme.io"]

    # Back to production: its links were kept, so nothing is created again.
    world.clear_writes()
    _run(runner, ["connect", "salesforce", "--url", url, "--token", SALESFORCE_TOKEN], env)
    _run(runner, ["sync", "--once"], env)

    assert _emails(production, "Lead") == {
        "prod@acme.io",
        "shared@acme.io",
        "sbx@acme.io",  # the sandbox's person reached HubSpot, so production gets it
    }
    assert _links_per_org(world)[production.account_id()] == 3
    assert not [w for w in world.writes() if "/crm/v3/objects/contacts/batch/create" in w]


def _sandbox_lead(world: World, email: str) -> dict[str, object]:
    (record,) = _sandbox(world).find_by("Lead", "Email", [email], fields=["LastName"])
    return dict(record.fields)


def test_r6_r25_sandbox_there_and_back_loses_no_hubspot_edit(
    world: World, database_url: str
) -> None:
    """Cursors belong to (org, portal): each org reads HubSpot from its own position.

    Every step is an hour apart, far past the change feeds' overlap window, so nothing
    reaches an org by being re-read inside the window.
    """
    env = world.cli_env(database_url)
    runner = CliRunner()
    url = world.servers.salesforce.url
    hour = 3600.0
    world.set("contacts.create_as", "Lead")
    person = world.hs_create(email="early@acme.io", lastname="Early", company="Acme")
    _run(runner, ["sync", "--once"], env)  # production gets the lead
    world.tick(hour)

    _run(
        runner,
        ["connect", "salesforce", "--sandbox", "--url", url, "--token", SALESFORCE_TOKEN],
        env,
    )
    _run(runner, ["sync", "--once"], env)
    world.tick(hour)
    # A HubSpot contact that existed before the switch reaches the sandbox too.
    assert _sandbox_lead(world, "early@acme.io")["LastName"] == "Early"

    world.hs_update(person, lastname="Edited while on the sandbox")
    world.tick(hour)
    _run(runner, ["sync", "--once"], env)
    world.tick(hour)
    assert _sandbox_lead(world, "early@acme.io")["LastName"] == "Edited while on the sandbox"

    _run(runner, ["connect", "salesforce", "--url", url, "--token", SALESFORCE_TOKEN], env)
    _run(runner, ["sync", "--once"], env)

    (lead,) = world.sf_by_email("Lead", "early@acme.io")
    assert lead.fields["LastName"] == "Edited while on the sandbox", "the edit reached production"


def _token_for(world: World, username: str) -> str:
    answer = httpx.post(
        f"{world.servers.salesforce.url}/services/oauth2/token",
        data={
            "grant_type": "password",
            "username": username,
            "password": "crmsync-password",
            "client_id": "crmsync-e2e",
            "client_secret": "secret",
        },
    )
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def test_r5_connecting_as_another_user_keeps_links_and_acts_as_that_user(
    world: World, database_url: str
) -> None:
    env = world.cli_env(database_url)
    runner = CliRunner()
    world.hs_create(email="kept@acme.io", lastname="Kept", company="Acme")
    _run(runner, ["sync", "--once"], env)
    world.tick()
    links_before = _links_per_org(world)

    admin_token = _token_for(world, "admin@crmsync.example")
    without_env_token = {k: v for k, v in env.items() if k != "CRMSYNC_SALESFORCE_TOKEN"}
    connected = _run(runner, ["connect", "salesforce", "--token", admin_token], without_env_token)
    health = json.loads(_run(runner, ["health", "--json"], without_env_token))
    world.hs_create(email="new@acme.io", lastname="New", company="Acme")
    _run(runner, ["sync", "--once"], without_env_token)

    assert "Connected as admin@crmsync.example" in connected
    assert health["integration_user"]["username"] == "admin@crmsync.example"
    assert _links_per_org(world)[world.salesforce.account_id()] == (
        links_before[world.salesforce.account_id()] + 1
    )
    assert len(world.sf_by_email("Contact", "kept@acme.io")) == 1  # linked, not re-created
    (created,) = world.sf_by_email("Contact", "new@acme.io", "CreatedById")
    assert created.fields["CreatedById"] != world.salesforce.whoami().user_id
