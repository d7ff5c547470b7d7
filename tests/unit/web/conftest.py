"""The dashboard over a store only (no CRM connected), logged in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from crmsync.config import load_config
from crmsync.emulators.common.server import running
from crmsync.web.app import create_dashboard_app
from tests.dashboard_client import PASSWORD, DashboardClient

SECRET = "sf-secret-token-value"


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/pages.sqlite"


@pytest.fixture
def client(store_url: str) -> Iterator[DashboardClient]:
    config = load_config(
        None,
        database_url=store_url,
        # Not connected (no Salesforce token): pages still render, and never show a token.
        salesforce_url="http://127.0.0.1:9",
        salesforce_token=None,
        hubspot_url="http://127.0.0.1:9",
        hubspot_token=SecretStr(SECRET),
        dashboard_password=SecretStr(PASSWORD),
    )
    with (
        running(create_dashboard_app(config=config)) as server,
        DashboardClient(server.url) as http,
    ):
        http.log_in()
        yield http
