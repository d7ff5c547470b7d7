"""Where the default store lives, who may read it, and which store ``health`` names."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crmsync.cli.main import app

NO_TOKENS = {"CRMSYNC_SALESFORCE_TOKEN": None, "CRMSYNC_HUBSPOT_TOKEN": None}


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A per-user data directory of its own, and no store URL in the environment."""
    home = tmp_path / "data-home"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    monkeypatch.delenv("CRMSYNC_DATABASE_URL", raising=False)
    return home


def test_default_store_is_the_same_from_any_working_directory(
    data_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    monkeypatch.chdir(tmp_path / "one")
    saved = runner.invoke(app, ["settings", "set", "contacts.create_as=lead"], env=NO_TOKENS)
    assert saved.exit_code == 0, saved.output

    monkeypatch.chdir(tmp_path / "two")
    shown = runner.invoke(app, ["settings", "show"], env=NO_TOKENS)

    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["contacts.create_as"] == "Lead"
    assert (data_home / "crmsync" / "crmsync.sqlite").exists()
    assert not list((tmp_path / "two").iterdir())


def test_store_file_is_created_readable_by_its_owner_only(data_home: Path) -> None:
    result = CliRunner().invoke(app, ["db", "upgrade"], env=NO_TOKENS)

    assert result.exit_code == 0, result.output
    store = data_home / "crmsync" / "crmsync.sqlite"
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.parent.stat().st_mode) == 0o700


def test_explicit_database_url_still_wins(data_home: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'chosen.sqlite'}"

    result = CliRunner().invoke(
        app, ["db", "upgrade"], env={**NO_TOKENS, "CRMSYNC_DATABASE_URL": url}
    )

    assert result.exit_code == 0, result.output
    assert (tmp_path / "chosen.sqlite").exists()
    assert not (data_home / "crmsync").exists()


def test_health_names_the_store_it_reads(data_home: Path) -> None:
    assert CliRunner().invoke(app, ["db", "upgrade"], env=NO_TOKENS).exit_code == 0

    result = CliRunner().invoke(app, ["health"], env=NO_TOKENS, terminal_width=250)

    assert f"State store: sqlite:///{data_home / 'crmsync' / 'crmsync.sqlite'}" in result.output
