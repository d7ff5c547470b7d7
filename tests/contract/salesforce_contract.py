"""The contract-suite harness for Salesforce (emulator + SalesforceConnector)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest


@contextmanager
def salesforce_harness() -> Iterator[object]:
    """Placeholder until the Salesforce emulator serves."""
    pytest.skip("Salesforce emulator not available yet")
    yield None
