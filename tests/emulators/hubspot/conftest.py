"""Fixtures: one HubSpot emulator per test session on loopback, reset before each test,
reached with the unmodified ``hubspot-api-client``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hubspot import HubSpot

from crmsync.emulators.common.server import BackgroundServer, running
from crmsync.emulators.hubspot.control_client import HubSpotEmulatorControl
from crmsync.emulators.hubspot.server import create_app

TOKEN = "pat-na1-test-token"


@pytest.fixture(scope="session")
def hubspot_server() -> Iterator[BackgroundServer]:
    """The emulator, served in a background thread for the whole session."""
    with running(create_app(token=TOKEN)) as server:
        yield server


@pytest.fixture(scope="session")
def control(hubspot_server: BackgroundServer) -> Iterator[HubSpotEmulatorControl]:
    """The test-hook client."""
    with HubSpotEmulatorControl(hubspot_server.url) as ctl:
        yield ctl


@pytest.fixture
def emulator(control: HubSpotEmulatorControl) -> HubSpotEmulatorControl:
    """A fresh, empty account with no rate limits (tests that need limits set them)."""
    control.reset()
    control.set_limits(tier="unlimited", search_per_second=0)
    control.set_behaviour(
        search_lag_seconds=0, lifecycle_backwards=False, batch_read_all_missing_404=False
    )
    return control


@pytest.fixture
def client(hubspot_server: BackgroundServer, emulator: HubSpotEmulatorControl) -> HubSpot:
    """The official client pointed at the emulator."""
    return HubSpot(access_token=TOKEN, host=hubspot_server.url, base_url=hubspot_server.url)
