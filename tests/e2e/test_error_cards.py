"""Each error card of the health page, from a real API response through a sync (R3, R4, R27).

Every case makes the emulator refuse one record the way the real API would, puts a good
record beside it, runs one sync and checks the stored error: its category (the card),
the API's own code and message, a hint, and that the good record still synced.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from crmsync.store.models import SyncErrorRecord
from tests.e2e.conftest import World


@dataclass(frozen=True)
class Case:
    """One card: how to provoke it, and what the stored error must say."""

    category: str
    code: str
    field: str | None
    arrange: Callable[[World], None]
    """Set the emulator up and create the bad record (email ``bad@acme.io``)."""


def _required_field(world: World) -> None:
    world.set("contacts.create_as", "Lead")
    world.hs_create(email="bad@acme.io", lastname="NoCompany")  # a lead needs Company


def _too_long(world: World) -> None:
    world.hs_create(email="bad@acme.io", lastname="L" * 120)


def _read_only_field(world: World) -> None:
    # R4: the integration user may read Phone but not edit it.
    world.sf_control.update_settings(field_security={"Contact.Phone": "read"})
    world.hs_create(email="bad@acme.io", lastname="Phone", phone="+48 22 555 0100")


def _validation_rule(world: World) -> None:
    rule = {
        "object": "Contact",
        "name": "Title_needs_phone",
        "field": "Phone",
        "when_field": "Title",
        "message": "A contact with a title needs a phone number",
    }
    world.sf_control.update_settings(validation_rules=[rule])
    world.hs_create(email="bad@acme.io", lastname="Rule", jobtitle="CTO")


def _country_not_in_picklist(world: World) -> None:
    world.sf_control.update_settings(picklist_mode="enabled")
    world.set("contacts.state_country.picklists", "enabled")
    world.set("contacts.state_country.mode", "as_is")  # sent exactly as typed
    world.hs_create(email="bad@acme.io", lastname="Far", country="Narnia")


def _duplicate_rule(world: World) -> None:
    world.sf_control.update_settings(duplicate_rules={"Contact": "block"})
    world.set("contacts.salesforce_contacts", "nothing")  # "taken" stays out of HubSpot
    world.sf_create("Contact", Email="taken@acme.io", LastName="Taken")
    contact = world.hs_create(email="bad@acme.io", lastname="Mover")
    world.sync()
    # The linked contact takes an email another Salesforce contact already has.
    world.hs_update(contact, email="taken@acme.io")


def _unmatched_owner(world: World) -> None:
    world.hs_control.seed(
        {
            "owners": [
                {
                    "id": "777",
                    "email": "nobody@elsewhere.example",
                    "firstName": "No",
                    "lastName": "Body",
                    "userId": 777,
                    "userIdIncludingInactive": 777,
                    "createdAt": "2026-01-01T00:00:00.000Z",
                    "updatedAt": "2026-01-01T00:00:00.000Z",
                    "archived": False,
                }
            ]
        }
    )
    world.hs_create(email="bad@acme.io", lastname="Owned", hubspot_owner_id="777")


CASES = {
    "required_fields": Case(
        category="required_fields",
        code="REQUIRED_FIELD_MISSING",
        field="Company",
        arrange=_required_field,
    ),
    "property_values": Case(
        category="property_values", code="STRING_TOO_LONG", field="LastName", arrange=_too_long
    ),
    "field_permissions": Case(
        category="field_permissions",
        code="INVALID_FIELD_FOR_INSERT_UPDATE",
        field="Phone",
        arrange=_read_only_field,
    ),
    "custom_code_validation": Case(
        category="custom_code_validation",
        code="FIELD_CUSTOM_VALIDATION_EXCEPTION",
        field="Phone",
        arrange=_validation_rule,
    ),
    "picklists": Case(
        category="picklists",
        code="FIELD_INTEGRITY_EXCEPTION",
        field="MailingCountry",
        arrange=_country_not_in_picklist,
    ),
    "duplicates": Case(
        category="duplicates", code="DUPLICATES_DETECTED", field=None, arrange=_duplicate_rule
    ),
    "associations": Case(
        category="associations", code="OWNER_NOT_MATCHED", field="OwnerId", arrange=_unmatched_owner
    ),
}


def _open_errors(world: World) -> list[SyncErrorRecord]:
    with world.store.begin(world.engine(owners=True).scope) as tx:
        return tx.open_errors()


@pytest.mark.parametrize("name", sorted(CASES))
def test_r3_r27_each_card_comes_from_the_api_and_the_rest_still_syncs(
    world: World, name: str
) -> None:
    case = CASES[name]
    case.arrange(world)
    world.hs_create(email="good@acme.io", lastname="Good", company="Acme")

    world.sync(owners=True)

    (error,) = _open_errors(world)
    assert (error.category, error.api_code) == (case.category, case.code)
    if case.field is not None:
        assert error.field == case.field
    assert error.api_message
    assert error.hint
    assert error.hubspot_id is not None
    assert world.sf_by_email("Contact", "good@acme.io") or world.sf_by_email("Lead", "good@acme.io")


def test_r3_r27_a_refused_write_call_is_an_other_error_for_its_records(world: World) -> None:
    world.hs_create(email="bad@acme.io", lastname="Locked")
    world.sf_create("Lead", Email="lead@acme.io", LastName="Lead", Company="Acme")
    # Salesforce refuses the whole collection call (a row lock held elsewhere).
    world.sf_control.add_fault(
        kind="status",
        status=400,
        code="UNABLE_TO_LOCK_ROW",
        message="unable to obtain exclusive access to this record",
        path_contains="composite/sobjects",
        count=1,
    )

    world.sync()

    (error,) = _open_errors(world)
    assert (error.category, error.api_code) == ("other", "UNABLE_TO_LOCK_ROW")
    assert "exclusive access" in error.api_message
    assert world.hs_by_email("lead@acme.io")  # the other direction went on


def test_r4_an_object_the_integration_user_may_only_read_is_a_field_permission_error(
    world: World,
) -> None:
    world.sf_control.update_settings(object_access={"Contact": "read"})
    world.hs_create(email="bad@acme.io", lastname="Blocked")
    world.sf_create("Lead", Email="lead@acme.io", LastName="Lead", Company="Acme")

    world.sync()

    (error,) = _open_errors(world)
    assert (error.category, error.api_code) == (
        "field_permissions",
        "INSUFFICIENT_ACCESS_OR_READONLY",
    )
    assert world.hs_by_email("lead@acme.io")  # the other direction went on


def test_r3_r4_lifting_field_security_and_retrying_resolves_the_error(world: World) -> None:
    _read_only_field(world)
    world.sync()
    assert len(_open_errors(world)) == 1

    world.sf_control.update_settings(field_security={})
    with world.store.begin(world.engine().scope) as tx:
        for row in tx.open_errors():
            row.attempts = 0  # what ``crmsync errors retry`` does
    world.sync()

    assert _open_errors(world) == []
    (contact,) = world.sf_by_email("Contact", "bad@acme.io")
    assert contact.fields["Phone"] == "+48 22 555 0100"
