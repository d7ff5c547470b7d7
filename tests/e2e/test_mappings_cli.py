"""``crmsync mappings list|add|remove|set-rule`` against both emulators' describe (R23).

Every edit goes through the same validation as ``settings set contacts.mappings.*``: a
refused edit is one line naming the fix and leaves the stored table as it was.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner, Result

from crmsync.cli.main import app
from crmsync.core.mapping import validate_object_mapping
from crmsync.core.sync_rules import SyncRule
from crmsync.engine.settings import MAPPING_TABLES, contact_mappings
from tests.e2e.conftest import World
from tests.unit.cli.test_cli_failures import assert_one_line_failure


def _cli(world: World, database_url: str, *args: str) -> Result:
    return CliRunner().invoke(app, ["mappings", *args], env=world.cli_env(database_url))


def _lead_rules(world: World) -> dict[str, SyncRule]:
    return {row.hubspot_property: row.rule for row in contact_mappings(world.store)["Lead"].fields}


def test_r23_default_tables_pass_against_both_emulators(world: World) -> None:
    for mapping in MAPPING_TABLES.values():
        validate_object_mapping(
            mapping,
            hubspot_fields=world.hubspot.describe(mapping.hubspot_object),
            salesforce_fields=world.salesforce.describe(mapping.salesforce_object),
        )


def test_r23_list_prints_the_table_as_json(world: World, database_url: str) -> None:
    result = _cli(world, database_url, "list", "lead", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {"hubspot_property": "lastname", "salesforce_field": "LastName"}.items() <= rows[
        1
    ].items()


def test_r23_set_rule_remove_and_add_are_saved(world: World, database_url: str) -> None:
    assert (
        _cli(world, database_url, "set-rule", "Lead", "jobtitle", "always-salesforce").exit_code
        == 0
    )
    assert _lead_rules(world)["jobtitle"] is SyncRule.ALWAYS_SALESFORCE

    assert _cli(world, database_url, "remove", "Lead", "jobtitle").exit_code == 0
    assert "jobtitle" not in _lead_rules(world)

    added = _cli(
        world,
        database_url,
        "add",
        "Lead",
        "jobtitle",
        "Title",
        "--rule",
        "prefer_hubspot_unless_blank",
    )
    assert added.exit_code == 0, added.output
    assert _lead_rules(world)["jobtitle"] is SyncRule.PREFER_HUBSPOT_UNLESS_BLANK
    listed = _cli(world, database_url, "list", "Lead")
    assert "prefer_hubspot_unless_blank" in listed.stdout


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (("remove", "Lead", "lastname"), "Salesforce requires Lead.LastName"),
        (("remove", "Lead", "company"), "Salesforce requires Lead.Company"),
        (("remove", "Contact", "lastname"), "Salesforce requires Contact.LastName"),
        (("remove", "Lead", "email"), "kept unique by 'email'"),
        (("set-rule", "Lead", "email", "always_hubspot"), "kept unique by 'email'"),
        (("set-rule", "Lead", "lastname", "always_salesforce"), "Lead.LastName"),
        (("set-rule", "Contact", "hubspot_owner_id", "always_salesforce"), "two-way only"),
        (("set-rule", "Lead", "phone", "sometimes"), "unknown rule 'sometimes'"),
        (("remove", "Lead", "jobtitel"), "did you mean 'jobtitle'"),
        (("add", "Lead", "phone", "Phone"), "already mapped"),
        (("add", "Lead", "no_such_property", "Title"), "no_such_property"),
        (("add", "Lead", "numemployees", "NoSuchField__c"), "NoSuchField__c"),
        (("list", "Campaign"), "no mapping table for 'Campaign'"),
    ],
)
def test_r23_a_refused_edit_is_one_line_and_changes_nothing(
    world: World, database_url: str, args: tuple[str, ...], mentions: str
) -> None:
    before = contact_mappings(world.store)

    result = _cli(world, database_url, *args)

    assert_one_line_failure(result, mentions=mentions)
    assert contact_mappings(world.store) == before


def test_r22_settings_set_deals_stages_is_checked_against_both_crms(
    world: World, database_url: str
) -> None:
    row = {"pipeline": "default", "stage": "closedwon", "salesforce_stage": "Prospecting"}
    env = world.cli_env(database_url)

    refused = CliRunner().invoke(
        app, ["settings", "set", f"deals.stages={json.dumps([row])}"], env=env
    )
    assert refused.exit_code != 0
    assert "deals.stages" in refused.output and "unknown" not in refused.output.lower()

    row["salesforce_stage"] = "Closed Won"
    saved = CliRunner().invoke(
        app, ["settings", "set", f"deals.stages={json.dumps([row])}"], env=env
    )
    assert saved.exit_code == 0, saved.output
    with world.store.begin() as tx:
        (stored,) = tx.settings()["deals.stages"]
    assert stored["salesforce_stage"] == "Closed Won"
