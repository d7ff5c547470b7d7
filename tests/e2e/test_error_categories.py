"""Error categories the cards in ``test_error_cards.py`` leave out, each from a real API answer.

``test_error_cards.py`` provokes every card once on a HubSpot contact *created* in
Salesforce. This module covers the rest of what the contacts sync can really meet:
refused *updates* of linked records (so both record ids are on the error), the
integration user's field and object permissions on leads and contacts (R4), values
Salesforce refuses although HubSpot took them, and the Salesforce → HubSpot direction,
where HubSpot is the API saying no. Each test puts a good record in the same run and
checks it still synced (R27).

Categories the contacts sync cannot produce from an API answer, and so are not here:
``associations`` (contacts write no references but the owner, which is matched to an
active user before the write: ``OWNER_NOT_MATCHED`` in ``test_error_cards.py``) and
``api_limit`` (an exhausted allocation or daily limit defers the whole run, see
``test_health_budget.py``; rate limits are retried, never stored per record).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from crmsync.connectors.errors import SchemaMismatchError
from crmsync.store.models import SyncErrorRecord
from tests.e2e.conftest import HUBSPOT_TOKEN, World

LEAD_FIELDS = ("Title", "Company", "Phone")


def _open_errors(world: World) -> list[SyncErrorRecord]:
    with world.store.begin(world.engine().scope) as tx:
        return tx.open_errors()


def _the_error(world: World) -> SyncErrorRecord:
    """The one open error; fails listing them all when there is not exactly one."""
    errors = _open_errors(world)
    assert len(errors) == 1, [(e.api_code, e.source_id, e.api_message) for e in errors]
    return errors[0]


def _assert_told(error: SyncErrorRecord) -> None:
    """The card shows the API's words and says what to do (R3, R27)."""
    assert error.api_message.strip()
    assert error.hint is not None
    assert error.hint.strip()


# -- HubSpot → Salesforce: a linked lead's update refused -------------------------------


@dataclass(frozen=True, kw_only=True)
class LeadUpdateCase:
    """How the org refuses one lead's update, and what the stored error must say."""

    arrange: Callable[[World], None]
    """Switch the emulator so the edit below is refused."""
    edit: dict[str, Any]
    """The HubSpot edit of the bad contact."""
    category: str
    code: str
    field: str


def _title_read_only(world: World) -> None:
    # R4: the integration user sees Title on leads but may not edit it.
    world.sf_control.update_settings(field_security={"Lead.Title": "read"})


def _title_needs_phone(world: World) -> None:
    rule = {
        "object": "Lead",
        "name": "Title_needs_phone",
        "field": "Phone",
        "when_field": "Title",
        "message": "A lead with a title needs a phone number",
    }
    world.sf_control.update_settings(validation_rules=[rule])


def _nothing(_world: World) -> None:
    """Salesforce's own rule (Company is required on a lead) is enough."""


LEAD_UPDATE_CASES = {
    "r4_field_permissions_read_only_field": LeadUpdateCase(
        arrange=_title_read_only,
        edit={"jobtitle": "CTO"},
        category="field_permissions",
        code="INVALID_FIELD_FOR_INSERT_UPDATE",
        field="Title",
    ),
    "custom_code_validation_rule": LeadUpdateCase(
        arrange=_title_needs_phone,
        edit={"jobtitle": "CTO"},
        category="custom_code_validation",
        code="FIELD_CUSTOM_VALIDATION_EXCEPTION",
        field="Phone",
    ),
    "required_fields_cleared_company": LeadUpdateCase(
        arrange=_nothing,
        edit={"company": ""},
        category="required_fields",
        code="REQUIRED_FIELD_MISSING",
        field="Company",
    ),
}


@pytest.mark.parametrize("name", sorted(LEAD_UPDATE_CASES))
def test_r3_r27_refused_lead_update_is_stored_with_both_ids_and_the_other_lead_syncs(
    world: World, name: str
) -> None:
    case = LEAD_UPDATE_CASES[name]
    world.set("contacts.create_as", "Lead")
    bad = world.hs_create(email="bad@acme.io", lastname="Bad", company="Acme")
    good = world.hs_create(email="good@acme.io", lastname="Good", company="Acme")
    world.sync()
    (bad_lead,) = world.sf_by_email("Lead", "bad@acme.io", *LEAD_FIELDS)
    case.arrange(world)

    world.hs_update(bad, **case.edit)
    world.hs_update(good, lastname="Goodwin")  # sent in the same call as the bad one
    world.sync()

    error = _the_error(world)
    assert (error.category, error.api_code, error.field) == (case.category, case.code, case.field)
    assert (error.hubspot_id, error.salesforce_id) == (bad, bad_lead.id)
    assert (error.source_system, error.direction) == ("hubspot", "hubspot_to_salesforce")
    _assert_told(error)
    # Refused, not half-applied, and never silently dropped (R4): the lead is as it was.
    assert world.sf_read("Lead", bad_lead.id, *LEAD_FIELDS).fields == bad_lead.fields
    (good_lead,) = world.sf_by_email("Lead", "good@acme.io")
    assert good_lead.fields["LastName"] == "Goodwin"


# -- HubSpot → Salesforce: object access and values ------------------------------------


def test_r4_r27_update_of_a_read_only_object_is_a_field_permissions_error(world: World) -> None:
    bad = world.hs_create(email="bad@acme.io", lastname="Bad")
    world.sync()
    (contact,) = world.sf_by_email("Contact", "bad@acme.io")
    # R4: the integration user may read contacts but not edit them; leads stay writable.
    world.sf_control.update_settings(object_access={"Contact": "read"})
    world.set("contacts.create_as", "Lead")

    world.hs_update(bad, lastname="Renamed")
    world.hs_create(email="good@acme.io", lastname="Good", company="Acme")
    world.sync()

    error = _the_error(world)
    assert (error.category, error.api_code) == (
        "field_permissions",
        "INSUFFICIENT_ACCESS_OR_READONLY",
    )
    assert (error.hubspot_id, error.salesforce_id) == (bad, contact.id)
    _assert_told(error)
    assert world.sf_read("Contact", contact.id).fields["LastName"] == "Bad"
    assert world.sf_by_email("Lead", "good@acme.io")


def test_r4_a_mapped_field_hidden_from_the_integration_user_stops_the_run_loudly(
    world: World,
) -> None:
    # The user cannot even read Title: every query naming it is refused, so the run
    # stops with the API's INVALID_FIELD instead of syncing contacts without it.
    world.sf_control.update_settings(field_security={"Contact.Title": "hidden"})
    world.hs_create(email="bad@acme.io", lastname="Bad", jobtitle="CTO")

    with pytest.raises(SchemaMismatchError) as refused:
        world.sync()

    assert refused.value.detail is not None
    assert refused.value.detail.code == "INVALID_FIELD"
    assert world.servers.salesforce_log.writes == []


def test_r27_property_values_salesforce_refuses_an_email_hubspot_accepted(world: World) -> None:
    # HubSpot takes an internationalised address; Salesforce's Email field does not.
    bad = world.hs_create(email="zoë@acme.io", lastname="Bad")
    world.hs_create(email="good@acme.io", lastname="Good")

    world.sync()

    error = _the_error(world)
    assert (error.category, error.api_code, error.field) == (
        "property_values",
        "INVALID_EMAIL_ADDRESS",
        "Email",
    )
    assert (error.hubspot_id, error.salesforce_id) == (bad, None)  # never created
    _assert_told(error)
    assert world.sf_by_email("Contact", "good@acme.io")
    assert [record.fields["LastName"] for record in world.sf_all("Contact")] == ["Good"]


# -- Salesforce → HubSpot: HubSpot refuses ---------------------------------------------


def _hubspot_property(world: World, name: str) -> dict[str, Any]:
    answer = httpx.get(
        f"{world.servers.hubspot.url}/crm/v3/properties/contacts/{name}",
        headers={"Authorization": f"Bearer {HUBSPOT_TOKEN}"},
    )
    answer.raise_for_status()
    found: dict[str, Any] = answer.json()
    return found


def _set_lead_status_options(world: World, options: list[dict[str, Any]]) -> None:
    """Change the options of ``hs_lead_status`` as a HubSpot admin would."""
    answer = httpx.patch(
        f"{world.servers.hubspot.url}/crm/v3/properties/contacts/hs_lead_status",
        json={"options": options},
        headers={"Authorization": f"Bearer {HUBSPOT_TOKEN}"},
    )
    answer.raise_for_status()


def _lead_status_hubspot_no_longer_offers(world: World) -> tuple[str, list[dict[str, Any]]]:
    """A lead whose status maps to ``UNQUALIFIED``, an option HubSpot's admin removed.

    Returns the lead's id and the property's original options.
    """
    options = _hubspot_property(world, "hs_lead_status")["options"]
    _set_lead_status_options(world, [o for o in options if o["value"] != "UNQUALIFIED"])
    lead = world.sf_create(
        "Lead", Email="bad@acme.io", LastName="Bad", Company="Acme", Status="Closed - Not Converted"
    )
    world.sf_create("Lead", Email="good@acme.io", LastName="Good", Company="Acme")
    return lead, options


def _hs_lead_status(world: World, email: str) -> str | None:
    (contact,) = world.hubspot.find_by("contacts", "email", [email], fields=("hs_lead_status",))
    status = contact.fields["hs_lead_status"]
    return status if isinstance(status, str) else None


def test_r27_a_lead_status_hubspot_does_not_offer_is_stored_with_hubspots_error(
    world: World,
) -> None:
    lead, _ = _lead_status_hubspot_no_longer_offers(world)

    world.sync()

    error = _the_error(world)
    assert (error.api_code, error.field) == ("VALIDATION_ERROR", "hs_lead_status")
    assert "UNQUALIFIED" in error.api_message  # HubSpot's own words name the value
    assert (error.source_system, error.direction) == ("salesforce", "salesforce_to_hubspot")
    assert (error.salesforce_id, error.hubspot_id) == (lead, None)  # never created
    _assert_told(error)
    assert world.hs_by_email("bad@acme.io") == []
    assert _hs_lead_status(world, "good@acme.io") == "NEW"


def test_r3_an_option_hubspot_does_not_offer_is_on_the_picklists_card(world: World) -> None:
    _lead_status_hubspot_no_longer_offers(world)

    world.sync()

    assert _the_error(world).category == "picklists"


def test_r3_the_lead_status_error_clears_once_hubspot_offers_the_option_again(
    world: World,
) -> None:
    lead, options = _lead_status_hubspot_no_longer_offers(world)
    world.sync()
    assert len(_open_errors(world)) == 1

    _set_lead_status_options(world, options)
    world.sf_update("Lead", lead, Phone="+48 22 555 0100")  # the next change syncs it
    world.sync()

    assert _open_errors(world) == []
    assert _hs_lead_status(world, "bad@acme.io") == "UNQUALIFIED"


def test_r3_r27_duplicates_hubspot_refuses_an_email_another_contact_has(world: World) -> None:
    world.hs_create(email="taken@acme.io", lastname="Taken")
    lead = world.sf_create("Lead", Email="mover@acme.io", LastName="Mover", Company="Acme")
    good = world.sf_create("Lead", Email="good@acme.io", LastName="Good", Company="Acme")
    world.sync()
    (mover,) = world.hs_by_email("mover@acme.io")

    # The linked lead takes the email of another HubSpot contact; HubSpot answers 409.
    world.sf_update("Lead", lead, Email="taken@acme.io")
    world.sf_update("Lead", good, LastName="Goodwin")  # in the same HubSpot call
    world.sync()

    error = _the_error(world)
    assert (error.category, error.api_code) == ("duplicates", "CONFLICT")
    assert (error.salesforce_id, error.hubspot_id) == (lead, mover.id)
    assert (error.source_system, error.direction) == ("salesforce", "salesforce_to_hubspot")
    _assert_told(error)
    assert world.hs_read(mover.id).fields["email"] == "mover@acme.io"
    (synced,) = world.hs_by_email("good@acme.io")
    assert synced.fields["lastname"] == "Goodwin"
