"""Lead conversion, per-record errors and crash-resume over real HTTP (R25, R27)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from crmsync.connectors.errors import ConnectionLostError
from crmsync.engine.hooks import Checkpoint
from crmsync.engine.sync import LATE_WRITE_HORIZON
from crmsync.store.models import SyncErrorRecord
from crmsync.store.state import Scope
from tests.e2e.conftest import CrashAt, SimulatedCrash, World


def _scope(world: World) -> Scope:
    return Scope(
        salesforce_org_id=world.salesforce.account_id(),
        hubspot_portal_id=world.hubspot.account_id(),
    )


def _open_errors(world: World) -> list[SyncErrorRecord]:
    with world.store.begin(_scope(world)) as tx:
        return tx.open_errors()


def _links(world: World) -> int:
    with world.store.begin(_scope(world)) as tx:
        return tx.count_links()


# -- lead conversion -------------------------------------------------------------------


def test_converted_lead_moves_the_link_to_its_contact_and_is_never_written_again(
    world: World,
) -> None:
    world.set("contacts.create_as", "Lead")
    hubspot_id = world.hs_create(email="eve@example.com", lastname="Lead", company="Acme")
    world.sync()
    (lead,) = world.sf_by_email("Lead", "eve@example.com")
    converted = world.sf_control.convert_lead(lead.id, create_opportunity=False)
    contact_id = converted["contactId"]
    assert contact_id is not None
    world.tick()

    report = world.sync()
    world.hs_update(hubspot_id, lastname="AfterConversion")
    world.clear_writes()
    world.sync()

    assert report.converted == 1
    assert world.sf_read("Contact", contact_id).fields["LastName"] == "AfterConversion"
    assert world.sf_read("Lead", lead.id).fields["LastName"] == "Lead"
    assert not [write for write in world.writes() if "/Lead" in write]
    assert [record.id for record in world.hs_all()] == [hubspot_id]


# -- one bad record (R27) --------------------------------------------------------------


def test_r27_validation_rule_failure_is_a_typed_error_and_the_rest_sync(world: World) -> None:
    world.sf_control.update_settings(
        validation_rules=[
            {
                "object": "Contact",
                "name": "Phone_with_email",
                "field": "Phone",
                "when_field": "Email",
                "message": "Phone must not be blank when Email is set",
            }
        ]
    )
    bad_id = world.hs_create(email="nophone@example.com", lastname="NoPhone")
    world.hs_create(email="phone@example.com", lastname="Phone", phone="+48 500 000 001")

    report = world.sync()

    assert len(world.sf_by_email("Contact", "phone@example.com")) == 1
    assert world.sf_by_email("Contact", "nophone@example.com") == []
    assert report.errors == 1
    (error,) = _open_errors(world)
    assert (error.source_id, error.api_code, error.api_message) == (
        bad_id,
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "Phone must not be blank when Email is set",
    )

    world.hs_update(bad_id, phone="+48 500 000 002")
    world.sync()

    assert len(world.sf_by_email("Contact", "nophone@example.com")) == 1
    assert _open_errors(world) == []


def test_r27_too_long_value_is_reported_with_the_api_code_and_resolves_when_fixed(
    world: World,
) -> None:
    bad_id = world.hs_create(email="long@example.com", lastname="L" * 120)
    world.hs_create(email="short@example.com", lastname="Short")

    world.sync()

    assert len(world.sf_by_email("Contact", "short@example.com")) == 1
    (error,) = _open_errors(world)
    assert (error.source_id, error.api_code) == (bad_id, "STRING_TOO_LONG")
    assert error.api_message

    world.hs_update(bad_id, lastname="Fixed")
    world.sync()

    (contact,) = world.sf_by_email("Contact", "long@example.com")
    assert contact.fields["LastName"] == "Fixed"
    assert _open_errors(world) == []


def test_r27_lead_without_company_reports_required_field_and_syncs_once_set(
    world: World,
) -> None:
    world.set("contacts.create_as", "Lead")
    hubspot_id = world.hs_create(email="noco@example.com", lastname="NoCompany")

    world.sync()

    (error,) = _open_errors(world)
    assert (error.api_code, error.api_message) == (
        "REQUIRED_FIELD_MISSING",
        "Required fields are missing: [Company]",
    )
    world.hs_update(hubspot_id, company="Acme")
    world.sync()

    (lead,) = world.sf_by_email("Lead", "noco@example.com", "Company")
    assert lead.fields["Company"] == "Acme"
    assert _open_errors(world) == []


# -- crash-resume (R25) ----------------------------------------------------------------


def test_r25_crash_after_creating_in_salesforce_before_recording_makes_no_duplicate(
    world: World,
) -> None:
    world.hs_create(email="crash@example.com", lastname="Crash")
    hooks = CrashAt(Checkpoint.AFTER_WRITE_BEFORE_RECORD)

    with pytest.raises(SimulatedCrash):
        world.engine(hooks=hooks).run_once()
    assert len(world.sf_by_email("Contact", "crash@example.com")) == 1
    world.tick()
    resumed = world.sync()
    world.sync()

    assert resumed.recovered == 1

    assert len(world.sf_all("Contact")) == 1
    assert len(world.hs_all()) == 1
    assert _links(world) == 1


def test_r25_crash_after_creating_in_hubspot_before_recording_makes_no_duplicate(
    world: World,
) -> None:
    world.sf_create("Contact", Email="crash@example.com", LastName="Crash")
    hooks = CrashAt(Checkpoint.AFTER_WRITE_BEFORE_RECORD)

    with pytest.raises(SimulatedCrash):
        world.engine(hooks=hooks).run_once()
    assert len(world.hs_by_email("crash@example.com")) == 1
    world.tick()
    resumed = world.sync()
    world.sync()

    assert resumed.recovered == 1

    assert len(world.hs_all()) == 1
    assert len(world.sf_all("Contact")) == 1
    assert _links(world) == 1


def test_r25_crash_before_the_cursor_moves_loses_no_change(world: World) -> None:
    hubspot_id = world.hs_create(email="cur@example.com", lastname="Before")
    world.sync()
    (contact,) = world.sf_by_email("Contact", "cur@example.com")
    world.sync()
    world.hs_update(hubspot_id, lastname="After")
    world.sf_create("Contact", Email="new@example.com", LastName="New")

    with pytest.raises(SimulatedCrash):
        world.engine(hooks=CrashAt(Checkpoint.BEFORE_CURSOR)).run_once()
    world.tick()
    world.sync()

    assert world.sf_read("Contact", contact.id).fields["LastName"] == "After"
    assert len(world.hs_by_email("new@example.com")) == 1
    assert len(world.hs_all()) == 2
    assert len(world.sf_all("Contact")) == 2


def test_hubspot_change_in_the_run_that_sees_a_conversion_goes_to_the_contact(
    world: World,
) -> None:
    world.set("contacts.create_as", "Lead")
    hubspot_id = world.hs_create(email="fay@example.com", lastname="Lead", company="Acme")
    world.sync()
    (lead,) = world.sf_by_email("Lead", "fay@example.com")
    world.sync()
    contact_id = world.sf_control.convert_lead(lead.id, create_opportunity=False)["contactId"]
    assert contact_id is not None
    world.tick()
    world.hs_update(hubspot_id, lastname="Changed")
    world.clear_writes()

    report = world.sync()
    world.sync()

    assert report.errors == 0, _open_errors(world)
    assert not [write for write in world.writes() if "/Lead" in write]
    assert world.sf_read("Contact", contact_id).fields["LastName"] == "Changed"
    assert [record.id for record in world.hs_all()] == [hubspot_id]


def test_lead_converted_into_an_already_linked_contact_is_not_written_again(
    world: World,
) -> None:
    world.set("contacts.create_as", "Contact")
    world.hs_create(email="gus@example.com", lastname="Gus")
    world.sync()
    (contact,) = world.sf_by_email("Contact", "gus@example.com")
    world.set("contacts.create_as", "Lead")
    lead_owner = world.hs_create(email="gus.lead@example.com", lastname="GusLead", company="A")
    world.sync()
    (lead,) = world.sf_by_email("Lead", "gus.lead@example.com")
    world.sync()
    world.sf_control.convert_lead(lead.id, create_opportunity=False, contact_id=contact.id)
    world.tick()
    world.sync()
    world.hs_update(lead_owner, lastname="Later")
    world.clear_writes()

    report = world.sync()

    assert not [write for write in world.writes() if "/Lead" in write]
    assert report.errors == 0, _open_errors(world)
    assert len(world.hs_all()) == 2


def test_r25_answer_lost_mid_write_fails_the_run_typed_and_the_next_run_settles(
    world: World,
) -> None:
    world.sf_create("Contact", Email="lost@example.com", LastName="Lost")
    world.hs_control.inject_fault(kind="drop", count=1, path_contains="batch/create")

    with pytest.raises(ConnectionLostError):
        world.sync()
    world.tick()
    world.sync()

    assert len(world.hs_all()) == 1
    assert len(world.sf_all("Contact")) == 1
    assert _links(world) == 1


def test_r25_a_create_salesforce_applies_after_the_client_gave_up_is_not_duplicated(
    world: World,
) -> None:
    """The composite create's answer never comes; Salesforce applies it seconds later.

    The next run finds nothing yet: it must not create the contact again, but wait and
    look again (issue: a late-applied write made two contacts per email).
    """
    world.set("contacts.create_as", "contact")
    world.hs_create(email="late@example.com", lastname="Late")
    world.sf_control.add_fault(
        kind="late", latency_ms=1500, count=1, path_contains="/composite/sobjects"
    )

    with pytest.raises(ConnectionLostError):
        world.sync()
    report = world.sync()  # the write has not landed yet
    assert world.sf_by_email("Contact", "late@example.com") == []
    assert report.skipped["an earlier create may still land (R25)"] == 1

    time.sleep(2.0)  # the emulator applies the write now
    world.sync()
    world.sync()

    assert len(world.sf_by_email("Contact", "late@example.com")) == 1
    assert _links(world) == 1


def test_r25_a_create_that_never_landed_is_made_once_the_horizon_passed(world: World) -> None:
    world.set("contacts.create_as", "contact")
    world.hs_create(email="gone@example.com", lastname="Gone")
    world.sf_control.add_fault(kind="drop", count=1, path_contains="/composite/sobjects")
    with pytest.raises(ConnectionLostError):
        world.sync()

    later = datetime.now(UTC) + LATE_WRITE_HORIZON + timedelta(minutes=1)
    world.sync(clock=lambda: later)

    assert len(world.sf_by_email("Contact", "gone@example.com")) == 1


def test_r25_a_create_held_while_it_could_land_is_made_after_the_horizon(world: World) -> None:
    """A run inside the horizon holds the record and moves its cursor on; once the
    horizon has passed and nothing landed, the record is read again and created."""
    world.set("contacts.create_as", "contact")
    world.hs_create(email="held@example.com", lastname="Held")
    world.sf_control.add_fault(kind="drop", count=1, path_contains="/composite/sobjects")
    with pytest.raises(ConnectionLostError):
        world.sync()
    report = world.sync()  # within the horizon: held, the cursor moves past it
    assert report.skipped["an earlier create may still land (R25)"] == 1

    later = datetime.now(UTC) + LATE_WRITE_HORIZON + timedelta(minutes=1)
    world.sync(clock=lambda: later)
    world.sync(clock=lambda: later)

    assert len(world.sf_by_email("Contact", "held@example.com")) == 1
    assert _links(world) == 1
