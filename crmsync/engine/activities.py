"""HubSpot activities → Salesforce tasks, one :class:`ObjectPair` per type (R24).

HubSpot's emails, calls, meetings, notes and tasks on a linked contact become
Salesforce ``Task`` records (integration behaviour §1.10):

- each type has its own switch (``activities.emails.enabled``...), off by default;
- ``WhoId`` is the linked lead or contact of the activity's contact; ``WhatId`` the
  linked opportunity of its deal (deal sync on), else the linked account of its
  company (company sync on); both read through association pseudo-fields;
- subject, body (cut to the field's length with a marker), date, status, priority,
  type and owner are mapped by a fixed table per type (HubSpot offers no activity
  mapping either), always HubSpot → Salesforce;
- each activity is linked to its task and created once (R25: the task carries
  ``<type>-<id>`` in ``HubSpot_Activity_ID__c``, an Activity external-id field the admin
  adds); later edits update the same task;
- an activity whose contact is not linked, or not eligible (R8), waits: it is stored as
  a sync error (``ACTIVITY_CONTACT_NOT_SYNCED``) and retried until the contact syncs.

Salesforce → HubSpot is per type and off by default
(``activities.<type>.from_salesforce``, for tasks, emails, calls and meetings, as
§1.10): then the pair reads the Task feed, takes the tasks of its kind (by
``TaskSubtype``/``Type``; never a task crmsync made from another HubSpot activity),
waits for the task's lead or contact to be linked, and creates the engagement
associated with the linked HubSpot contact, stamped with the task's id in
``salesforcetaskid`` (a unique property crmsync adds). Its rows then sync both ways. A
task with no due date (``ActivityDate``) is dated in HubSpot by its ``CreatedDate``
(else ``LastModifiedDate``), since HubSpot requires ``hs_timestamp``
(:class:`DueDateFallback`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from crmsync.connectors.base import (
    AssociationType,
    Connector,
    RemoteRecord,
    System,
    association_field,
)
from crmsync.connectors.hubspot.writes import TASK_KEY_PROPERTY as HUBSPOT_TASK_KEY
from crmsync.core.mapping import FieldMapping, ObjectMapping, Transform
from crmsync.core.sync_rules import SyncRule
from crmsync.core.translation import FieldTranslator, Owners, Translation, Translator
from crmsync.core.values import FieldValue, is_blank
from crmsync.engine.create_keys import ensure_hubspot_key, require_salesforce_key
from crmsync.engine.matching import MatchContext, MatchOutcome, Notice, Unlinked
from crmsync.engine.pairs import Action, CreateKey, Gate, ObjectPair, Reference

TASK_KEY_FIELD = "HubSpot_Activity_ID__c"
"""The Task (Activity) external-id field holding ``<type>-<HubSpot id>``."""
CONTACT_NOT_SYNCED = "ACTIVITY_CONTACT_NOT_SYNCED"
TIMESTAMP = "hs_timestamp"
"""The date every engagement must have (HubSpot refuses one without it)."""
SUBJECT_LENGTH = 255
BODY_LENGTH = 32000

ContactEligibility = Callable[[str], bool]


@dataclass(frozen=True, kw_only=True)
class ActivityType:
    """One HubSpot engagement type and how it becomes a task."""

    name: str
    contact_type: int
    """v4 association type id, engagement → contact."""
    deal_type: int
    company_type: int
    rows: tuple[FieldMapping, ...]
    from_salesforce: bool = True
    """Whether Salesforce tasks of this kind can create engagements (§1.10: tasks,
    emails, calls and meetings; not notes)."""

    @property
    def setting(self) -> str:
        """Its on/off switch."""
        return f"activities.{self.name}.enabled"

    @property
    def inbound_setting(self) -> str:
        """Its Salesforce → HubSpot switch (off by default)."""
        return f"activities.{self.name}.from_salesforce"


def _row(
    prop: str,
    field: str,
    transform: Transform | None = None,
    *,
    values: tuple[tuple[str, str], ...] = (),
    length: int | None = None,
    default: str | None = None,
) -> FieldMapping:
    return FieldMapping(
        hubspot_property=prop,
        salesforce_field=field,
        rule=SyncRule.ALWAYS_HUBSPOT,
        transform=transform,
        value_map=values,
        max_length=length,
        salesforce_default=default,
    )


def _subject(prop: str) -> FieldMapping:
    return _row(prop, "Subject", Transform.TRUNCATE, length=SUBJECT_LENGTH)


def _body(prop: str) -> FieldMapping:
    return _row(prop, "Description", Transform.TRUNCATE, length=BODY_LENGTH)


def _constant(prop: str, field: str, value: str) -> FieldMapping:
    # ``prop`` is any property every record has; only the fixed value is written.
    return _row(prop, field, Transform.CONSTANT, values=(("*", value),))


_DATE = Transform.DATE
_MAP = Transform.VALUE_MAP
_OWNER = _row("hubspot_owner_id", "OwnerId", Transform.OWNER_BY_EMAIL)

ACTIVITY_TYPES: tuple[ActivityType, ...] = (
    ActivityType(
        name="emails",
        contact_type=198,
        deal_type=210,
        company_type=186,
        rows=(
            _subject("hs_email_subject"),
            _body("hs_email_text"),
            _row("hs_timestamp", "ActivityDate", _DATE),
            _row(
                "hs_email_status",
                "Status",
                _MAP,
                default="Completed",
                values=(
                    ("SENT", "Completed"),
                    ("BOUNCED", "Completed"),
                    ("FAILED", "Completed"),
                    ("SCHEDULED", "Not Started"),
                    ("SENDING", "In Progress"),
                ),
            ),
            _constant("hs_object_id", "Type", "Email"),
            _OWNER,
        ),
    ),
    ActivityType(
        name="calls",
        contact_type=194,
        deal_type=206,
        company_type=182,
        rows=(
            _subject("hs_call_title"),
            _body("hs_call_body"),
            _row("hs_timestamp", "ActivityDate", _DATE),
            _row(
                "hs_call_status",
                "Status",
                _MAP,
                default="Completed",
                values=(
                    ("COMPLETED", "Completed"),
                    ("BUSY", "Completed"),
                    ("NO_ANSWER", "Completed"),
                    ("FAILED", "Completed"),
                    ("CANCELED", "Completed"),
                    ("IN_PROGRESS", "In Progress"),
                    ("CONNECTING", "In Progress"),
                    ("RINGING", "In Progress"),
                    ("QUEUED", "Not Started"),
                    ("CALLING_CRM_USER", "In Progress"),
                ),
            ),
            _constant("hs_object_id", "Type", "Call"),
            _OWNER,
        ),
    ),
    ActivityType(
        name="meetings",
        contact_type=200,
        deal_type=212,
        company_type=188,
        rows=(
            _subject("hs_meeting_title"),
            _body("hs_meeting_body"),
            # HubSpot's meeting ``hs_timestamp`` is its start time.
            _row("hs_timestamp", "ActivityDate", _DATE),
            _row(
                "hs_meeting_outcome",
                "Status",
                _MAP,
                default="Not Started",
                values=(
                    ("SCHEDULED", "Not Started"),
                    ("COMPLETED", "Completed"),
                    ("NO_SHOW", "Completed"),
                    ("RESCHEDULED", "Deferred"),
                    ("CANCELED", "Deferred"),
                ),
            ),
            _constant("hs_object_id", "Type", "Meeting"),
            _OWNER,
        ),
    ),
    ActivityType(
        name="notes",
        contact_type=202,
        deal_type=214,
        company_type=190,
        from_salesforce=False,
        rows=(
            _body("hs_note_body"),
            _row("hs_timestamp", "ActivityDate", _DATE),
            _constant("hs_object_id", "Subject", "Note"),
            _constant("hs_timestamp", "Status", "Completed"),
            _OWNER,
        ),
    ),
    ActivityType(
        name="tasks",
        contact_type=204,
        deal_type=216,
        company_type=192,
        rows=(
            _subject("hs_task_subject"),
            _body("hs_task_body"),
            _row("hs_timestamp", "ActivityDate", _DATE),
            _row(
                "hs_task_status",
                "Status",
                _MAP,
                default="Not Started",
                values=(
                    ("NOT_STARTED", "Not Started"),
                    ("IN_PROGRESS", "In Progress"),
                    ("WAITING", "Waiting on someone else"),
                    ("COMPLETED", "Completed"),
                    ("DEFERRED", "Deferred"),
                ),
            ),
            _row(
                "hs_task_priority",
                "Priority",
                _MAP,
                default="Normal",
                values=(("HIGH", "High"), ("MEDIUM", "Normal"), ("LOW", "Low"), ("NONE", "Normal")),
            ),
            _row(
                "hs_task_type",
                "Type",
                _MAP,
                values=(("TODO", "Other"), ("EMAIL", "Email"), ("CALL", "Call")),
            ),
            _OWNER,
        ),
    ),
)
"""Every activity type crmsync syncs, with its fixed task mapping."""

ACTIVITY_SWITCHES: tuple[str, ...] = tuple(kind.setting for kind in ACTIVITY_TYPES)

TASK_KEY_PROPERTY = HUBSPOT_TASK_KEY
"""A unique engagement property holding the Salesforce task an engagement was created
for (crmsync adds it when Salesforce → HubSpot is on for the type, R25)."""


def task_kind(task: RemoteRecord) -> str:
    """The engagement type a Salesforce task becomes: by ``TaskSubtype``, then ``Type``."""
    subtype = str(task.fields.get("TaskSubtype") or "")
    kind = str(task.fields.get("Type") or "")
    if subtype in ("Email", "ListEmail") or kind == "Email":
        return "emails"
    if subtype == "Call" or kind == "Call":
        return "calls"
    if kind == "Meeting":
        return "meetings"
    return "tasks"


class DueDateFallback:
    """A :class:`Translator` giving a Salesforce task with no due date a HubSpot date.

    HubSpot requires ``hs_timestamp`` on every engagement, while a task's
    ``ActivityDate`` is optional: a task without one goes to HubSpot dated by the day
    it was created (``CreatedDate``, else ``LastModifiedDate``). Only the HubSpot side
    gets the date; the task's ``ActivityDate`` stays empty, since the HubSpot value is
    then the one last synced and not a change.
    """

    def __init__(self, inner: Translator) -> None:
        self._inner = inner

    def to_salesforce(
        self, mapping: FieldMapping, value: FieldValue, *, record: Mapping[str, Any]
    ) -> Translation:
        """As the inner translator."""
        return self._inner.to_salesforce(mapping, value, record=record)

    def to_hubspot(
        self, mapping: FieldMapping, value: FieldValue, *, record: Mapping[str, Any]
    ) -> Translation:
        """The inner translation; a blank due date falls back to the task's dates."""
        if mapping.hubspot_property == TIMESTAMP and is_blank(value):
            value = record.get("CreatedDate") or record.get("LastModifiedDate")
        return self._inner.to_hubspot(mapping, value, record=record)


class ActivityPolicy:
    """Activities go HubSpot → Salesforce; Salesforce tasks of this kind come back when
    the type's ``from_salesforce`` switch is on. The key fields must exist."""

    def __init__(self, *, kind: str, owners: Owners | None, from_salesforce: bool) -> None:
        self._kind = kind
        self._from_salesforce = from_salesforce
        self._translator: Translator = DueDateFallback(FieldTranslator(owners=owners))

    def prepare(self, *, hubspot: Connector, salesforce: Connector) -> None:
        """Check the idempotency keys exist (adding HubSpot's own when tasks come back)."""
        require_salesforce_key(
            salesforce,
            object_type="Task",
            field=TASK_KEY_FIELD,
            missing=f"activity sync needs the Activity field {TASK_KEY_FIELD} (Text(80), "
            "External ID, Unique) so a task is never created twice: add it in Setup → "
            "Object Manager → Activity → Fields, then run again",
        )
        if self._from_salesforce:
            ensure_hubspot_key(
                hubspot,
                object_type=self._kind,
                name=TASK_KEY_PROPERTY,
                label="Salesforce task id (crmsync)",
                missing=f"needs the unique {self._kind} property {TASK_KEY_PROPERTY}",
            )

    def outbound(self, record: RemoteRecord, *, linked_type: str | None) -> Gate:
        """Create a task, or update the linked one; the contact check is the matcher's."""
        return Gate(action=Action.CREATE_OR_UPDATE, create_as="Task")

    def inbound(self, record: RemoteRecord, *, linked_hubspot_id: str | None) -> Gate:
        """A task of this kind comes back when switched on; a task crmsync made from
        another HubSpot activity (its key names that activity) never does."""
        if not self._from_salesforce:
            return Gate(action=Action.SKIP, reason="tasks do not sync to HubSpot")
        if linked_hubspot_id is not None:
            return Gate(action=Action.UPDATE)
        if record.fields.get(TASK_KEY_FIELD):
            return Gate(action=Action.SKIP, reason="task made from a HubSpot activity")
        if task_kind(record) != self._kind:
            return Gate(action=Action.SKIP, reason=f"task is not one of the {self._kind}")
        return Gate(action=Action.CREATE_OR_UPDATE)

    def translator(self) -> Translator:
        """Owners, value maps, dates, truncation and fixed values."""
        return self._translator

    def triggered(self, since: str | None) -> tuple[list[str], str | None]:
        """Activities sync on change (and wait for their contact through sync errors)."""
        return [], since


class WaitForContact:
    """Never deduplicated; an activity is created once its contact is linked and eligible."""

    def __init__(self, *, contact_field: str, eligible: ContactEligibility) -> None:
        self._contact_field = contact_field
        self._eligible = eligible

    def match(
        self, source: System, unlinked: Sequence[Unlinked], context: MatchContext
    ) -> MatchOutcome:
        """Creates for activities whose contact syncs; notices for the others."""
        outcome = MatchOutcome()
        field = self._contact_field if source is System.HUBSPOT else "WhoId"
        contacts = {record.id: str(record.fields.get(field) or "") for record, _ in unlinked}
        wanted = [c for c in contacts.values() if c]
        with context.store.begin(context.scope) as tx:
            linked: Mapping[str, object] = (
                tx.links_by_hubspot(hubspot_type="contacts", ids=wanted)
                if source is System.HUBSPOT
                else tx.links_by_salesforce(salesforce_types=["Contact", "Lead"], ids=wanted)
            )
        for record, create_as in unlinked:
            contact = contacts[record.id]
            if not contact:
                outcome.skipped.append("activity has no contact (R24)")
            elif contact not in linked or (
                source is System.HUBSPOT and not self._eligible(contact)
            ):
                outcome.notices.append(
                    Notice(
                        system=source,
                        record_id=record.id,
                        object_type=record.object_type,
                        code=CONTACT_NOT_SYNCED,
                        message=f"contact {contact} is not synced to the other side yet; "
                        "the activity waits for it (R24, R8)",
                        field=field,
                    )
                )
            else:
                target = (create_as or "Task") if source is System.HUBSPOT else None
                outcome.creates.append((record, target))
        return outcome


def _activity_key(record: RemoteRecord, source: System) -> str | None:
    # A task carries ``<type>-<id>``; an engagement made from a task, the task's id.
    if source is System.SALESFORCE:
        return record.id
    return f"{record.object_type}-{record.id}"


def activity_pair(
    kind: ActivityType,
    *,
    owners: Owners | None,
    eligible: ContactEligibility,
    what: str | None,
    from_salesforce: bool = False,
) -> ObjectPair:
    """The pair of one activity type. ``what`` is the pair ``WhatId`` follows
    (``deals`` or ``companies``), if any is on; ``from_salesforce`` brings Salesforce
    tasks of this kind back as engagements (then every row syncs both ways)."""
    inbound = from_salesforce and kind.from_salesforce
    rule = SyncRule.TWO_WAY if inbound else SyncRule.ALWAYS_HUBSPOT
    rows = tuple(
        replace(row, rule=rule)
        for row in kind.rows
        if owners is not None or row.transform is not Transform.OWNER_BY_EMAIL
    )
    who = association_field("contacts")
    references = [
        Reference(
            hubspot_property=who,
            salesforce_field="WhoId",
            target_pair="contacts",
            target_hubspot_object="contacts",
            target_salesforce_objects=("Contact", "Lead"),
            salesforce_objects=("Task",),
            hubspot_association=AssociationType(
                from_object=kind.name, to_object="contacts", type_id=kind.contact_type
            ),
            rule=rule,
        )
    ]
    if what is not None:
        deal = what == "deals"
        references.append(
            Reference(
                hubspot_property=association_field(what),
                salesforce_field="WhatId",
                target_pair=what,
                target_hubspot_object=what,
                target_salesforce_objects=("Opportunity",) if deal else ("Account",),
                salesforce_objects=("Task",),
                hubspot_association=AssociationType(
                    from_object=kind.name,
                    to_object=what,
                    type_id=kind.deal_type if deal else kind.company_type,
                ),
                rule=rule,
            )
        )
    return ObjectPair(
        name=f"activities.{kind.name}",
        hubspot_object=kind.name,
        mappings={
            "Task": ObjectMapping(hubspot_object=kind.name, salesforce_object="Task", fields=rows)
        },
        match=None,
        policy=ActivityPolicy(kind=kind.name, owners=owners, from_salesforce=inbound),
        strategy=WaitForContact(contact_field=who, eligible=eligible),
        create_key=CreateKey(
            # Without tasks coming back no engagement is created: nothing to stamp.
            hubspot_property=TASK_KEY_PROPERTY if inbound else "hs_object_id",
            salesforce_field=TASK_KEY_FIELD,
            value=_activity_key,
            stamped=True,
        ),
        references=tuple(references),
        depends_on=("companies", "contacts", "deals"),
        settings_prefix=f"activities.{kind.name}",
        read_salesforce=inbound,
        salesforce_extra_fields=(
            {"Task": ("Type", "TaskSubtype", "CreatedDate", "LastModifiedDate")} if inbound else {}
        ),
    )


__all__ = [
    "ACTIVITY_SWITCHES",
    "ACTIVITY_TYPES",
    "TASK_KEY_FIELD",
    "TASK_KEY_PROPERTY",
    "ActivityPolicy",
    "ActivityType",
    "WaitForContact",
    "activity_pair",
]
