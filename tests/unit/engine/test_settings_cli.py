"""``crmsync settings show/set`` over the state store, and mapping validation on save (R23)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crmsync.cli.main import app
from crmsync.connectors.base import FieldInfo, FieldType
from crmsync.core.mapping import MappingValidationError
from crmsync.core.policies import SettingError
from crmsync.engine.settings import contact_settings, save_setting
from crmsync.store import StateStore


def test_settings_set_then_show_round_trips(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRMSYNC_DATABASE_URL", f"sqlite:///{tmp_path / 's.sqlite'}")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for assignment in ("contacts.create_as=lead", "contacts.salesforce_leads=nothing"):
        result = runner.invoke(app, ["settings", "set", assignment])
        assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["settings", "show"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["contacts.create_as"] == "Lead"
    assert shown["contacts.salesforce_leads"] == "nothing"
    assert any(row["hubspot_property"] == "email" for row in shown["contacts.mappings.Lead"])


def test_unknown_or_bad_values_are_refused(tmp_path: Path) -> None:
    store = StateStore.open(f"sqlite:///{tmp_path / 's.sqlite'}")
    try:
        with pytest.raises(SettingError):
            save_setting(store, "contacts.create_as", "opportunity")
        with pytest.raises(SettingError):
            save_setting(store, "contacts.nonsense", "x")
        save_setting(store, "contacts.state_country.picklists", "enabled")
        assert contact_settings(store).state_country_picklists.value == "enabled"
    finally:
        store.close()


class DescribedCrm:
    """Wraps a fake with field descriptions (describe is all the check needs)."""

    def __init__(self, fields: dict[str, FieldInfo]) -> None:
        self.fields = fields

    def describe(self, object_type: str) -> dict[str, FieldInfo]:
        return self.fields


def test_r23_type_mismatch_is_refused_when_the_mapping_is_saved(tmp_path: Path) -> None:
    store = StateStore.open(f"sqlite:///{tmp_path / 's.sqlite'}")
    hubspot = DescribedCrm({"notes": FieldInfo(name="notes", label="Notes", type=FieldType.STRING)})
    salesforce = DescribedCrm(
        {
            "NumberOfEmployees": FieldInfo(
                name="NumberOfEmployees", label="Employees", type=FieldType.NUMBER
            )
        }
    )
    rows = [
        {"hubspot_property": "notes", "salesforce_field": "NumberOfEmployees", "rule": "two_way"}
    ]
    try:
        with pytest.raises(MappingValidationError) as refused:
            save_setting(
                store,
                "contacts.mappings.Lead",
                json.dumps(rows),
                hubspot=hubspot,  # type: ignore[arg-type]
                salesforce=salesforce,  # type: ignore[arg-type]
            )
        # The message describes both sides.
        assert "string" in str(refused.value)
        assert "number" in str(refused.value)
    finally:
        store.close()
