"""HubSpot activities → Salesforce tasks, end to end (R24, R25, R8).

Each engagement type on a linked contact becomes one task (``WhoId`` the linked contact,
``WhatId`` the linked opportunity of its deal), once across repeated runs and crashes;
an edit updates the same task; an activity whose contact does not sync waits.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hubspot import HubSpot

from crmsync.core.translation import TRUNCATION_MARKER
from crmsync.engine.hooks import Checkpoint
from tests.e2e.conftest import HUBSPOT_TOKEN, CrashAt, SimulatedCrash, World

WHEN = "2026-05-04T15:30:00Z"

# type: (association type to contacts, to deals, properties, expected task fields)
KINDS: dict[str, tuple[int, int, dict[str, str], dict[str, Any]]] = {
    "emails": (
        198,
        210,
        {"hs_email_subject": "Proposal", "hs_email_text": "Here it is", "hs_timestamp": WHEN,
         "hs_email_status": "SENT", "hs_email_direction": "EMAIL"},
        {"Subject": "Proposal", "Description": "Here it is", "Status": "Completed",
         "Type": "Email"},
    ),
    "calls": (
        194,
        206,
        {"hs_call_title": "Discovery", "hs_call_body": "Talked budget", "hs_timestamp": WHEN,
         "hs_call_status": "COMPLETED"},
        {"Subject": "Discovery", "Description": "Talked budget", "Status": "Completed",
         "Type": "Call"},
    ),
    "meetings": (
        200,
        212,
        {"hs_meeting_title": "Demo", "hs_meeting_body": "Agenda", "hs_timestamp": WHEN,
         "hs_meeting_start_time": WHEN, "hs_meeting_outcome": "SCHEDULED"},
        {"Subject": "Demo", "Description": "Agenda", "Status": "Not Started",
         "Type": "Meeting"},
    ),
    "notes": (
        202,
        214,
        {"hs_note_body": "Prefers email", "hs_timestamp": WHEN},
        {"Subject": "Note", "Description": "Prefers email", "Status": "Completed"},
    ),
    "tasks": (
        204,
        216,
        {"hs_task_subject": "Follow up", "hs_task_body": "Call back", "hs_timestamp": WHEN,
         "hs_task_status": "NOT_STARTED", "hs_task_priority": "HIGH", "hs_task_type": "CALL"},
        {"Subject": "Follow up", "Description": "Call back", "Status": "Not Started",
         "Priority": "High", "Type": "Call"},
    ),
}  # fmt: skip
BODY = {
    "emails": "hs_email_text",
    "calls": "hs_call_body",
    "meetings": "hs_meeting_body",
    "notes": "hs_note_body",
    "tasks": "hs_task_body",
}
TASK_FIELDS = (
    "Subject", "Description", "Status", "Priority", "Type", "WhoId", "WhatId", "ActivityDate",
    "HubSpot_Activity_ID__c",
)  # fmt: skip


def _enable(world: World, *kinds: str) -> None:
    world.sf_control.add_field(
        object="Task", name="HubSpot_Activity_ID__c", type="string", length=80,
        external_id=True, unique=True,
    )  # fmt: skip
    world.set("contacts.create_as", "contact")
    for kind in kinds:
        world.set(f"activities.{kind}.enabled", True)


def _activity(world: World, kind: str, contact: str, **extra: str) -> str:
    contact_type, _deal_type, properties, _expected = KINDS[kind]
    record = world._write(world.hubspot, kind, None, {**properties, **extra})
    world.hs_associate(kind, record, "contacts", contact, contact_type)
    return record


def _tasks(world: World) -> list[dict[str, Any]]:
    page = world.salesforce.read_changes("Task", cursor=None, fields=TASK_FIELDS, page_size=200)
    return [{"Id": r.id, **r.fields} for r in page.records if not r.deleted]


def _linked_contact(world: World, email: str) -> tuple[str, str]:
    person = world.hs_create(email=email, lastname=email.split("@", maxsplit=1)[0])
    world.sync()
    (contact,) = world.sf_by_email("Contact", email)
    return person, contact.id


@pytest.mark.parametrize("kind", list(KINDS))
def test_r24_each_activity_type_becomes_one_task_and_an_edit_updates_it(
    world: World, kind: str
) -> None:
    _enable(world, kind)
    world.enable_deals()
    person, contact = _linked_contact(world, f"{kind}@r24.example")
    deal = world.hs_create_deal(
        dealname="With activity", closedate="2026-06-30T00:00:00Z", dealstage="qualifiedtobuy"
    )
    activity = _activity(world, kind, person)
    world.hs_associate(kind, activity, "deals", deal, KINDS[kind][1])

    world.sync()
    world.sync()

    (task,) = _tasks(world)
    expected = KINDS[kind][3]
    assert {name: task[name] for name in expected} == expected
    assert task["WhoId"] == contact
    with world.store.begin(world.engine().scope) as tx:
        opportunity = tx.links_by_hubspot(hubspot_type="deals", ids=[deal])[deal].salesforce_id
    assert task["WhatId"] == opportunity
    assert task["ActivityDate"] == "2026-05-04"
    assert task["HubSpot_Activity_ID__c"] == f"{kind}-{activity}"

    world.hs_control.advance_clock(seconds=30)
    world._write(world.hubspot, kind, activity, {BODY[kind]: "Edited in HubSpot"})
    world.sync()

    (edited,) = _tasks(world)
    assert edited["Id"] == task["Id"], "the same task, never a second one"
    assert edited["Description"] == "Edited in HubSpot"


def test_r24_types_are_switched_on_one_by_one(world: World) -> None:
    _enable(world, "calls")
    person, _contact = _linked_contact(world, "switch@r24.example")
    _activity(world, "notes", person)
    call = _activity(world, "calls", person)

    world.sync()

    (task,) = _tasks(world)
    assert task["HubSpot_Activity_ID__c"] == f"calls-{call}"


def test_r24_a_long_body_is_cut_to_the_field_with_a_marker(world: World) -> None:
    _enable(world, "notes")
    person, _contact = _linked_contact(world, "long@r24.example")
    _activity(world, "notes", person, hs_note_body="x" * 40000)

    world.sync()
    (task,) = _tasks(world)
    assert len(task["Description"]) == 32000
    assert task["Description"].endswith(TRUNCATION_MARKER)

    world.clear_writes()
    world.sync()
    assert world.writes() == [], "the cut body is not an endless change (R26)"


@pytest.mark.parametrize("point", list(Checkpoint))
def test_r24_r25_a_crash_at_any_checkpoint_leaves_one_task_per_activity(
    world: World, point: Checkpoint
) -> None:
    _enable(world, "emails", "calls")
    person, _contact = _linked_contact(world, "crash@r24.example")
    for kind in ("emails", "calls", "emails"):
        _activity(world, kind, person)

    with pytest.raises(SimulatedCrash):
        world.sync(hooks=CrashAt(point))
    world.sync()
    world.sync()

    keys = sorted(task["HubSpot_Activity_ID__c"] for task in _tasks(world))
    assert len(keys) == len(set(keys)) == 3


def _inclusion_list(world: World) -> str:
    url = world.servers.hubspot.url
    client = HubSpot(access_token=HUBSPOT_TOKEN, host=url, base_url=url)
    created = client.crm.lists.lists_api.create(
        {"name": "Sync to Salesforce", "objectTypeId": "0-1", "processingType": "MANUAL"}
    )
    return str(created.list.list_id)


def test_r24_r8_an_activity_waits_until_its_contact_syncs(world: World) -> None:
    _enable(world, "calls")
    list_id = _inclusion_list(world)
    world.set("contacts.inclusion_list_id", list_id)
    person = world.hs_create(email="later@r24.example", lastname="Later")
    _activity(world, "calls", person)

    world.sync()
    assert _tasks(world) == []
    with world.store.begin(world.engine().scope) as tx:
        (error,) = tx.open_errors()
    assert error.api_code == "ACTIVITY_CONTACT_NOT_SYNCED"

    url = world.servers.hubspot.url
    HubSpot(access_token=HUBSPOT_TOKEN, host=url, base_url=url).crm.lists.memberships_api.add(
        list_id, [person]
    )
    world.hs_update(person, firstname="Now on the list")
    later = datetime.now(UTC) + timedelta(minutes=5)
    world.sync(clock=lambda: later)

    (contact,) = world.sf_by_email("Contact", "later@r24.example")
    (task,) = _tasks(world)
    assert task["WhoId"] == contact.id
    with world.store.begin(world.engine().scope) as tx:
        assert tx.open_errors() == []


def _calls(world: World) -> list[Any]:
    page = world.hubspot.read_changes(
        "calls", cursor=None, fields=("hs_call_title", "hs_timestamp"), page_size=200
    )
    return [record for record in page.records if not record.deleted]


def test_r24_salesforce_tasks_come_back_as_engagements_only_when_switched_on(
    world: World,
) -> None:
    _enable(world, "calls")
    person, contact = _linked_contact(world, "back@r24.example")
    world.sf_create(
        "Task", Subject="Called from Salesforce", Type="Call", WhoId=contact,
        ActivityDate="2026-05-06",
    )  # fmt: skip
    world.sync()
    assert _calls(world) == [], "off by default"

    world.set("activities.calls.from_salesforce", True)
    email_task = world.sf_create("Task", Subject="An email", Type="Email", WhoId=contact)
    _activity(world, "calls", person)  # a HubSpot call: one task, never a second call
    world.sf_update("Task", email_task, Description="not a call")
    later = world.sf_create(
        "Task", Subject="Second call", Type="Call", WhoId=contact, ActivityDate="2026-05-07"
    )
    world.sync()
    world.sync()

    # Switching on reads the Task feed from its start: earlier calls come too (HubSpot's
    # switch does not backfill; crmsync does).
    titles = sorted(str(call.fields["hs_call_title"]) for call in _calls(world))
    assert titles == ["Called from Salesforce", "Discovery", "Second call"]
    (made,) = [call for call in _calls(world) if call.fields["hs_call_title"] == "Second call"]
    assert str(made.fields["hs_timestamp"]).startswith("2026-05-07")
    associated = world.hubspot.associated_ids("calls", "contacts", [made.id])
    assert associated[made.id] == (person,)
    assert len(_tasks(world)) == 4, "three Salesforce tasks and the one from HubSpot"

    world.sf_update("Task", later, Subject="Second call, moved")
    world.sync()
    assert "Second call, moved" in {str(c.fields["hs_call_title"]) for c in _calls(world)}


@pytest.mark.parametrize("point", list(Checkpoint))
def test_r24_r25_a_task_coming_back_is_one_engagement_after_a_crash(
    world: World, point: Checkpoint
) -> None:
    _enable(world, "calls")
    world.set("activities.calls.from_salesforce", True)
    _person, contact = _linked_contact(world, "crashback@r24.example")
    for number in range(2):
        world.sf_create(
            "Task", Subject=f"Call {number}", Type="Call", WhoId=contact,
            ActivityDate="2026-05-06",
        )  # fmt: skip

    with pytest.raises(SimulatedCrash):
        world.sync(hooks=CrashAt(point))
    world.sync()
    world.sync()

    titles = sorted(str(call.fields["hs_call_title"]) for call in _calls(world))
    assert titles == ["Call 0", "Call 1"]


def test_r24_a_salesforce_task_with_no_due_date_goes_to_hubspot_dated_by_its_creation(
    world: World,
) -> None:
    _enable(world, "tasks")
    world.set("activities.tasks.from_salesforce", True)
    person, contact = _linked_contact(world, "undated@r24.example")
    created_on = world.sf_control.now()[:10]
    task = world.sf_create("Task", Subject="Undated to-do", WhoId=contact)
    world.sync()

    # HubSpot requires hs_timestamp: the task's CreatedDate stands in for the due date.
    hubspot = HubSpot(access_token=HUBSPOT_TOKEN, host=world.servers.hubspot.url)
    page = hubspot.crm.objects.basic_api.get_page(
        "tasks", properties=["hs_task_subject", "hs_timestamp"], associations=["contacts"]
    )
    (made,) = [t for t in page.results if t.properties["hs_task_subject"] == "Undated to-do"]
    assert str(made.properties["hs_timestamp"]).startswith(created_on)
    assert [a.id for a in made.associations["contacts"].results] == [person]
    # Salesforce keeps no due date, and the next runs write nothing back (no echo).
    (row,) = [t for t in _tasks(world) if t["Id"] == task]
    assert row["ActivityDate"] is None
    world.sync()
    world.clear_writes()
    world.sync()
    assert world.writes() == []
    (row,) = [t for t in _tasks(world) if t["Id"] == task]
    assert row["ActivityDate"] is None
    # An edit of the still undated task follows, and still sets no due date.
    world.sf_update("Task", task, Subject="Undated, renamed")
    world.sync()
    world.sync()
    (row,) = [t for t in _tasks(world) if t["Id"] == task]
    assert (row["Subject"], row["ActivityDate"]) == ("Undated, renamed", None)
    renamed = hubspot.crm.objects.basic_api.get_by_id(
        "tasks", made.id, properties=["hs_task_subject", "hs_timestamp"]
    )
    assert renamed.properties["hs_task_subject"] == "Undated, renamed"
    assert str(renamed.properties["hs_timestamp"]).startswith(created_on)

    # A due date set later moves the HubSpot date to it.
    world.sf_update("Task", task, ActivityDate="2026-09-01")
    world.sync()
    again = hubspot.crm.objects.basic_api.get_by_id("tasks", made.id, properties=["hs_timestamp"])
    assert str(again.properties["hs_timestamp"]).startswith("2026-09-01")
