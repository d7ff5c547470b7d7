"""Configuration from TOML and CRMSYNC_* variables; secrets never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmsync.config import load_config
from crmsync.errors import ConfigurationError


def test_environment_variables_work_on_their_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRMSYNC_SALESFORCE_URL", "http://127.0.0.1:9001")
    monkeypatch.setenv("CRMSYNC_SALESFORCE_TOKEN", "sf-secret")
    monkeypatch.setenv("CRMSYNC_HUBSPOT_URL", "http://127.0.0.1:9002")
    monkeypatch.setenv("CRMSYNC_HUBSPOT_TOKEN", "hs-secret")
    monkeypatch.setenv("CRMSYNC_DATABASE_URL", "sqlite:///x.sqlite")
    config = load_config(None)
    assert config.salesforce_url == "http://127.0.0.1:9001"
    assert config.hubspot_url == "http://127.0.0.1:9002"
    assert config.database_url == "sqlite:///x.sqlite"
    sf, hs = config.require_credentials()
    assert (sf.get_secret_value(), hs.get_secret_value()) == ("sf-secret", "hs-secret")
    assert "sf-secret" not in repr(config)


def test_environment_wins_over_the_toml_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "crmsync.toml"
    path.write_text('database_url = "sqlite:///file.sqlite"\nhubspot_url = "http://file"\n')
    monkeypatch.setenv("CRMSYNC_HUBSPOT_URL", "http://env")
    config = load_config(path)
    assert config.database_url == "sqlite:///file.sqlite"
    assert config.hubspot_url == "http://env"


def test_missing_tokens_are_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRMSYNC_SALESFORCE_TOKEN", raising=False)
    monkeypatch.delenv("CRMSYNC_HUBSPOT_TOKEN", raising=False)
    with pytest.raises(ConfigurationError, match="CRMSYNC_SALESFORCE_TOKEN"):
        load_config(None).require_credentials()


def test_an_empty_token_variable_counts_as_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRMSYNC_SALESFORCE_TOKEN", "sf-token")
    monkeypatch.setenv("CRMSYNC_HUBSPOT_TOKEN", "")
    with pytest.raises(ConfigurationError, match="set CRMSYNC_HUBSPOT_TOKEN "):
        load_config(None).require_credentials()
