"""One emulator per test module, reached over loopback by the unmodified simple-salesforce.

Each test starts from an empty org: the autouse ``fresh_org`` fixture calls the reset
hook, which is much faster than starting a server per test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from salesforce_clients import TOKEN, connect
from simple_salesforce import Salesforce

from crmsync.emulators.common.server import BackgroundServer, running
from crmsync.emulators.salesforce.app import create_app
from crmsync.emulators.salesforce.control import SalesforceEmulatorControl


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    """A running emulator for the whole module."""
    with running(create_app(token=TOKEN)) as background:
        yield background


@pytest.fixture(scope="module")
def control(server: BackgroundServer) -> Iterator[SalesforceEmulatorControl]:
    """The hook client of the module's emulator."""
    with SalesforceEmulatorControl(server.url) as hooks:
        yield hooks


@pytest.fixture(autouse=True)
def fresh_org(control: SalesforceEmulatorControl) -> None:
    """Every test starts from empty orgs with default settings."""
    control.reset()


@pytest.fixture
def sf(server: BackgroundServer) -> Salesforce:
    """A simple-salesforce client of the production org."""
    return connect(server)
