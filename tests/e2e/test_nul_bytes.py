"""A NUL byte in one record's value never stops the others on PostgreSQL (R27).

PostgreSQL refuses ``\\x00`` in text; the store keeps what it can store and the record
whose value it cannot keep gets its own sync error, while every other record syncs and
the cursor moves on.
"""

from __future__ import annotations

import pytest

from tests.conftest import POSTGRES_URL
from tests.e2e.conftest import World

pytestmark = pytest.mark.postgres


@pytest.fixture
def database_url(database_url: str) -> str:
    """PostgreSQL only: SQLite stores NUL bytes as they are."""
    if not database_url.startswith("postgresql"):
        pytest.skip("the NUL-byte refusal is PostgreSQL's")
    return database_url


@pytest.mark.skipif(not POSTGRES_URL, reason="needs CRMSYNC_TEST_POSTGRES_URL")
def test_r27_a_nul_byte_in_one_value_becomes_that_records_error_and_the_rest_sync(
    world: World,
) -> None:
    # Too long for Salesforce's LastName: the refusal echoes the value, NUL and all.
    poisoned = world.hs_create(email="nul@example.com", lastname="Nul\x00" + "x" * 100)
    world.sf_create("Lead", Email="sfnul@example.com", LastName="Nul\x00Lead", Company="C")
    world.hs_create(email="clean@example.com", lastname="Clean")

    world.sync()
    world.hs_create(email="later@example.com", lastname="Later")
    world.sync()

    assert len(world.sf_by_email("Contact", "clean@example.com")) == 1
    assert len(world.sf_by_email("Contact", "later@example.com")) == 1
    # The lead's value is kept as it is (JSON escapes it) and reaches HubSpot.
    (lead_in_hubspot,) = world.hs_by_email("sfnul@example.com")
    assert lead_in_hubspot.fields["lastname"] == "Nul\x00Lead"
    with world.store.begin(world.engine().scope) as tx:
        errors = [(row.source_id, row.api_code, row.api_message) for row in tx.open_errors()]
    # The poisoned record has its own error, its message stored without the NUL.
    ((source_id, code, message),) = errors
    assert (source_id, code) == (poisoned, "STRING_TOO_LONG")
    assert "\x00" not in message
    assert "Nul\ufffdx" in message
