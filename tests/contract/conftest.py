"""Module-scoped emulators for the connector contract suite, one per CRM."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from contract_support import Harness
from hubspot_contract import hubspot_harness
from salesforce_contract import salesforce_harness

HARNESSES = {"salesforce": salesforce_harness, "hubspot": hubspot_harness}


@pytest.fixture(scope="module", params=sorted(HARNESSES))
def crm(request: pytest.FixtureRequest) -> Iterator[Harness]:
    """A running emulator with its harness; every contract test runs against both CRMs."""
    with HARNESSES[request.param]() as harness:
        yield harness
