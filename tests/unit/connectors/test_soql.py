"""SOQL building: literals, change query shape, IN chunking by URL length."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

import pytest

from crmsync.connectors.errors import SchemaMismatchError
from crmsync.connectors.salesforce import soql


def test_string_literal_escapes_quotes_and_backslashes() -> None:
    assert soql.string_literal("O'Brien\\x") == "'O\\'Brien\\\\x'"


def test_datetime_literal_is_utc_with_millis_only_when_set() -> None:
    assert (
        soql.datetime_literal(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05Z"
    )
    assert (
        soql.datetime_literal(datetime(2026, 1, 2, 3, 4, 5, 123000, tzinfo=UTC))
        == "2026-01-02T03:04:05.123Z"
    )


def test_changes_query_orders_by_modstamp_then_id_and_selects_change_fields_once() -> None:
    query = soql.changes_query(
        "Contact", fields=["email", "LastName"], floor=datetime(2026, 1, 1, tzinfo=UTC), limit=10
    )
    assert query == (
        "SELECT Id, SystemModstamp, IsDeleted, email, LastName FROM Contact "
        "WHERE SystemModstamp >= 2026-01-01T00:00:00Z "
        "ORDER BY SystemModstamp ASC, Id ASC LIMIT 10"
    )


def test_names_that_could_smuggle_soql_are_refused() -> None:
    with pytest.raises(SchemaMismatchError):
        soql.select_list(["Id FROM User --"])


def test_in_chunks_stay_under_the_url_budget_and_keep_every_value_once() -> None:
    values = [f"person{n}@example.com" for n in range(1000)] + ["person1@example.com"]
    chunks = list(soql.chunk_values(values, max_chars=2000))
    assert [value for chunk in chunks for value in chunk] == list(dict.fromkeys(values))
    for chunk in chunks:
        assert len(chunk) <= soql.MAX_IN_VALUES
        assert len(quote(", ".join(soql.string_literal(v) for v in chunk))) <= 2000 + 3 * len(chunk)
