"""Bad input that needs the CRMs to be refused: one line naming the fix, non-zero exit,
nothing written (R8, R23, R27)."""

from __future__ import annotations

import json

import pytest
from hubspot import HubSpot
from typer.testing import CliRunner

from crmsync.cli.main import app
from crmsync.engine.settings import contact_mappings, contact_settings
from tests.e2e.conftest import HUBSPOT_TOKEN, World
from tests.unit.cli.test_cli_failures import (
    assert_one_line_failure,
    assert_one_line_run_failure,
)


@pytest.mark.parametrize("command", [["sync", "--once"], ["resync", "a@b.example"]])
def test_an_invalid_salesforce_token_says_reconnect_salesforce(
    world: World, database_url: str, command: list[str]
) -> None:
    env = {**world.cli_env(database_url), "CRMSYNC_SALESFORCE_TOKEN": "00Dxx!expired"}
    result = CliRunner().invoke(app, command, env=env)
    line = assert_one_line_run_failure(
        result, mentions="authentication failed: reconnect Salesforce"
    )
    assert "crmsync connect salesforce" in line
    assert "00Dxx!expired" not in result.output


def test_an_invalid_hubspot_token_says_reconnect_hubspot(world: World, database_url: str) -> None:
    env = {**world.cli_env(database_url), "CRMSYNC_HUBSPOT_TOKEN": "pat-na1-wrong"}
    result = CliRunner().invoke(app, ["sync", "--once"], env=env)
    assert_one_line_run_failure(result, mentions="authentication failed: reconnect HubSpot")
    assert "pat-na1-wrong" not in result.output


def test_r8_an_inclusion_list_hubspot_does_not_have_is_refused_when_set(
    world: World, database_url: str
) -> None:
    env = world.cli_env(database_url)
    result = CliRunner().invoke(
        app, ["settings", "set", "contacts.inclusion_list_id=987654"], env=env
    )
    assert_one_line_failure(result, mentions="HubSpot has no list 987654")
    assert contact_settings(world.store).inclusion_list_id is None


def _inclusion_list(world: World) -> str:
    """A manual HubSpot contact list, made through the emulator's Lists API."""
    url = world.servers.hubspot.url
    client = HubSpot(access_token=HUBSPOT_TOKEN, host=url, base_url=url)
    created = client.crm.lists.lists_api.create(
        {"name": "Sync to Salesforce", "objectTypeId": "0-1", "processingType": "MANUAL"}
    )
    return str(created.list.list_id)


def test_r8_an_inclusion_list_that_exists_is_saved(world: World, database_url: str) -> None:
    created = _inclusion_list(world)
    env = world.cli_env(database_url)
    result = CliRunner().invoke(
        app, ["settings", "set", f"contacts.inclusion_list_id={created}"], env=env
    )
    assert result.exit_code == 0, result.output
    assert contact_settings(world.store).inclusion_list_id == created


def test_r23_an_invalid_mapping_table_is_refused_in_one_line(
    world: World, database_url: str
) -> None:
    rows = [
        {"hubspot_property": "email", "salesforce_field": "Email"},
        {"hubspot_property": "no_such_property", "salesforce_field": "LastName"},
    ]
    env = world.cli_env(database_url)
    result = CliRunner().invoke(
        app, ["settings", "set", f"contacts.mappings.Lead={json.dumps(rows)}"], env=env
    )
    assert_one_line_failure(result, mentions="no_such_property")
    assert len(contact_mappings(world.store)["Lead"].fields) > len(rows)
