"""Generated requests from HubSpot's official specs against the emulator (schemathesis).

For each operation crmsync relies on, schemathesis draws requests from the vendored
spec: well-formed ones (positive) and ones that break the schema (negative). Every
answer must be below 500, JSON where the spec says JSON (errors included), and match
the spec's schema for its status. The draw is derandomised and small, so the run is the
same on every machine and takes seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from crmsync.emulators.common.server import BackgroundServer, running
from crmsync.emulators.hubspot.control_client import HubSpotEmulatorControl
from crmsync.emulators.hubspot.server import create_app
from tests.emulators.hubspot.spec_support import checkable_spec

TOKEN = "pat-na1-generated"
EXAMPLES = 3
"""Requests drawn per operation and mode (more find little more and cost seconds each)."""

POSITIVE_ONLY = {"DELETE /crm/v3/objects/contacts/{contactId}"}
"""A path id is the only input: a schema-breaking one is just another id, and drawing it
takes seconds."""

OPERATIONS: dict[str, tuple[str, ...]] = {
    # The object calls crmsync makes (contacts here; every object type shares the code).
    "contacts.json": (
        "GET /crm/v3/objects/contacts",
        "POST /crm/v3/objects/contacts",
        "GET /crm/v3/objects/contacts/{contactId}",
        "PATCH /crm/v3/objects/contacts/{contactId}",
        "DELETE /crm/v3/objects/contacts/{contactId}",
        "POST /crm/v3/objects/contacts/batch/read",
        "POST /crm/v3/objects/contacts/batch/create",
        "POST /crm/v3/objects/contacts/batch/update",
        "POST /crm/v3/objects/contacts/batch/upsert",
        "POST /crm/v3/objects/contacts/batch/archive",
        "POST /crm/v3/objects/contacts/search",
    ),
    # The inclusion list (R8). Creating lists is left out: drawing negative list
    # filters (a recursive schema) takes minutes, not seconds.
    "lists.json": (
        "GET /crm/v3/lists/{listId}",
        "GET /crm/v3/lists/{listId}/memberships",
        "GET /crm/v3/lists/{listId}/memberships/join-order",
    ),
    "crmOwners.json": ("GET /crm/v3/owners", "GET /crm/v3/owners/{ownerId}"),
    "properties.json": ("GET /crm/v3/properties/{objectType}",),
}


@dataclass(frozen=True)
class Target:
    """The emulator and the loaded specs."""

    server: BackgroundServer
    schemas: dict[str, Any]


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    with running(create_app(token=TOKEN)) as server:
        with HubSpotEmulatorControl(server.url) as control:
            control.set_limits(tier="unlimited", search_per_second=0)
        schemas = {
            name: schemathesis.openapi.from_dict(checkable_spec(name, server.url))
            for name in OPERATIONS
        }
        yield Target(server=server, schemas=schemas)


CASES = [
    pytest.param(spec, label, mode, id=f"{label} {mode.value}")
    for spec, labels in OPERATIONS.items()
    for label in labels
    for mode in schemathesis.GenerationMode
    if not (mode is schemathesis.GenerationMode.NEGATIVE and label in POSITIVE_ONLY)
]


@pytest.mark.parametrize(("spec", "label", "mode"), CASES)
def test_generated_requests_get_spec_answers_and_never_a_server_error(
    target: Target, spec: str, label: str, mode: schemathesis.GenerationMode
) -> None:
    operation = target.schemas[spec].find_operation_by_label(label)
    assert operation is not None, f"{label} is not in {spec}"
    headers = {"Authorization": f"Bearer {TOKEN}"}

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def answered_as_documented(case: schemathesis.Case) -> None:
        case.call_and_validate(
            base_url=target.server.url,
            headers=headers,
            checks=[not_a_server_error, content_type_conformance, response_schema_conformance],
        )

    answered_as_documented()
