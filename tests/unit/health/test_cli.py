"""``crmsync usage``, ``health`` and ``explain`` before any CRM is connected (R1, R2, R7)."""

from __future__ import annotations

import json
from dataclasses import replace

from typer.testing import CliRunner

from crmsync.cli.main import app
from crmsync.core.mapping import (
    DEFAULT_CONTACT_MAPPING,
    DEFAULT_LEAD_MAPPING,
    ObjectMapping,
    Transform,
)
from crmsync.core.policies import ContactSettings
from crmsync.core.sync_rules import SyncRule
from crmsync.health.explain import explain


def _env(database_url: str) -> dict[str, str | None]:
    # No tokens at all (None unsets a variable): health must not try to reach a CRM.
    return {
        "CRMSYNC_DATABASE_URL": database_url,
        "CRMSYNC_SALESFORCE_TOKEN": None,
        "CRMSYNC_HUBSPOT_TOKEN": None,
    }


def test_r2_allocation_saved_from_the_cli_shows_in_the_health_report(database_url: str) -> None:
    runner = CliRunner()
    env = _env(database_url)
    saved = runner.invoke(app, ["usage", "--set-allocation", "300"], env=env)
    assert saved.exit_code == 0, saved.output

    result = runner.invoke(app, ["health", "--json"], env=env)

    # Without tokens nothing can sync: the probe says broken (2), and still reports.
    assert result.exit_code == 2, result.output
    report = json.loads(result.output)
    assert report["salesforce"]["allocation"] == 300
    assert report["integration_user"] is None
    assert report["status"] == "broken"


def test_r7_explain_names_both_directions_and_the_allocation(database_url: str) -> None:
    runner = CliRunner()
    env = _env(database_url)
    runner.invoke(app, ["usage", "--set-allocation", "250"], env=env)

    result = runner.invoke(app, ["explain"], env=env)

    assert result.exit_code == 0, result.output
    assert "HubSpot to Salesforce" in result.output
    assert "Salesforce to HubSpot" in result.output
    assert "250" in result.output


def test_r7_r23_explain_says_how_owners_and_failed_records_are_handled(database_url: str) -> None:
    result = CliRunner().invoke(app, ["explain"], env=_env(database_url), terminal_width=200)

    assert result.exit_code == 0, result.output
    assert "Owners are matched by email" in result.output
    assert "after 1 minute" in result.output


def test_r7_r23_explain_says_owners_are_not_synced_when_their_row_is_off(
    database_url: str,
) -> None:
    mappings = {
        name: ObjectMapping(
            hubspot_object=mapping.hubspot_object,
            salesforce_object=mapping.salesforce_object,
            fields=tuple(
                replace(row, rule=SyncRule.DONT_SYNC)
                if row.transform is Transform.OWNER_BY_EMAIL
                else row
                for row in mapping.fields
            ),
        )
        for name, mapping in (("Contact", DEFAULT_CONTACT_MAPPING), ("Lead", DEFAULT_LEAD_MAPPING))
    }

    sections = {
        section.title: section.lines
        for section in explain(ContactSettings(), mappings, allocation=None)
    }

    assert sections["Owners"] == ("Owners are not synced.",)


def test_r7_explain_covers_deals_lifecycle_and_activities(database_url: str) -> None:
    from crmsync.core.deal_stages import StageRow, StageTable
    from crmsync.engine.settings import save_stage_table
    from crmsync.store.state import StateStore

    env = _env(database_url)
    before = CliRunner().invoke(app, ["explain"], env=env, terminal_width=200)
    assert "Deals do not sync" in before.output
    assert "Activities do not sync" in before.output

    store = StateStore.open(database_url)
    try:
        with store.begin() as tx:
            for key in (
                "deals.enabled",
                "lifecycle.update_from_opportunities",
                "lifecycle.sync_company_stage_to_contacts",
                "activities.calls.enabled",
            ):
                tx.set_setting(key, True)
            tx.set_setting("deals.contact_roles.labels", {"Champion": "Influencer"})
        row = StageRow(pipeline="default", stage="closedwon", salesforce_stage="Closed Won")
        save_stage_table(store, StageTable(rows=(row,)))
    finally:
        store.close()

    result = CliRunner().invoke(app, ["explain"], env=env, terminal_width=200)

    assert result.exit_code == 0, result.output
    assert "HubSpot deals sync with Salesforce opportunities" in result.output
    assert "closedwon ⇄ Closed Won" in result.output
    assert "Fields of a Salesforce Opportunity" in result.output
    assert "(R15)" in result.output and "(R19)" in result.output
    assert "HubSpot calls on a synced contact become Salesforce tasks" in result.output
    # R22: how association labels read as contact roles, from the stored settings.
    assert "'Champion' → Influencer" in result.output
    assert "The label 'Primary' marks the primary contact role" in result.output
    assert "deals.contact_roles.create_labels" in result.output


def test_r22_explain_names_each_pipeline_record_type_and_the_currency_rule(
    database_url: str,
) -> None:
    from crmsync.core.deal_stages import StageRow, StageTable
    from crmsync.engine.settings import save_stage_table
    from crmsync.store.state import StateStore

    env = _env(database_url)
    store = StateStore.open(database_url)
    try:
        with store.begin() as tx:
            tx.set_setting("deals.enabled", True)
        row = StageRow(
            pipeline="renewal",
            stage="renewed",
            salesforce_stage="Closed Won",
            record_type="Renewal",
        )
        save_stage_table(store, StageTable(rows=(row,)))
    finally:
        store.close()

    result = CliRunner().invoke(app, ["explain"], env=env, terminal_width=200)

    assert result.exit_code == 0, result.output
    assert "renewed ⇄ Closed Won [Renewal]" in result.output
    assert "Each pipeline stands for one opportunity record type" in result.output
    assert "An amount moves only with its currency" in result.output
