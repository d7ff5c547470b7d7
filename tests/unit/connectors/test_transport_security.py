"""A token never goes over plain HTTP to another machine: http only for loopback."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from crmsync.cli.main import app
from crmsync.connectors.hubspot.config import HubSpotConfig
from crmsync.connectors.salesforce.config import SalesforceConfig
from crmsync.errors import ConfigurationError

TOKEN = SecretStr("secret-token")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8081",
        "http://127.9.9.9",
        "http://localhost:8082",
        "http://[::1]:8081",
        "https://yourorg.my.salesforce.com",
    ],
)
def test_https_and_loopback_http_are_accepted(url: str) -> None:
    SalesforceConfig(instance_url=url, access_token=TOKEN)
    HubSpotConfig(base_url=url, access_token=TOKEN)


@pytest.mark.parametrize(
    "url", ["http://crm.example.com", "http://10.0.0.5:8081", "http://127.0.0.1.nip.io"]
)
def test_plain_http_to_another_host_is_refused(url: str) -> None:
    with pytest.raises(ConfigurationError, match="plain http"):
        SalesforceConfig(instance_url=url, access_token=TOKEN)
    with pytest.raises(ConfigurationError, match="plain http"):
        HubSpotConfig(base_url=url, access_token=TOKEN)


def test_sync_with_a_plain_http_crm_url_stops_with_one_line(database_url: str) -> None:
    env = {
        "CRMSYNC_DATABASE_URL": database_url,
        "CRMSYNC_SALESFORCE_URL": "http://crm.example.com",
        "CRMSYNC_SALESFORCE_TOKEN": "t",
        "CRMSYNC_HUBSPOT_URL": "http://127.0.0.1:9",
        "CRMSYNC_HUBSPOT_TOKEN": "t",
    }

    result = CliRunner().invoke(app, ["sync", "--once"], env=env, terminal_width=250)

    assert result.exit_code == 1, result.output
    assert result.output.strip() == (
        "Sync failed: the Salesforce URL 'http://crm.example.com' is "
        "plain http to crm.example.com: use https:// (plain http is only for an emulator "
        "on 127.0.0.1 or localhost)"
    )
