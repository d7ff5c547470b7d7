"""An honest in-memory CRM behind the Connector port, with fault injection.

It keeps records per object type with a modification stamp from a ticking clock,
serves change feeds from a ``(stamp, id)`` cursor, matches ``find_by`` case-insensitively
(emails), refuses creates missing required fields, and can fail or "crash" on chosen
write calls, so engine tests can stop a run at any point.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from crmsync.connectors.base import (
    ApiErrorDetail,
    ApiUsage,
    Capabilities,
    ChangePage,
    FieldInfo,
    RemoteRecord,
    System,
    WriteRequest,
    WriteResult,
)
from crmsync.connectors.errors import ServiceUnavailableError


class Clock:
    """A clock that moves one second each time it is read, shared by both fakes."""

    def __init__(self) -> None:
        self.now = datetime(2025, 1, 1, tzinfo=UTC)

    def tick(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


class CrashError(Exception):
    """Raised by a fault to simulate the process dying (not a CrmsyncError on purpose)."""


@dataclass
class Stored:
    object_type: str
    id: str
    fields: dict[str, Any]
    modified_at: datetime
    deleted: bool = False


Validator = Callable[[str, Mapping[str, Any]], ApiErrorDetail | None]


@dataclass
class Faults:
    """Fault switches: fail or crash on the n-th write call (1-based)."""

    fail_write_call: int | None = None
    crash_after_write_call: int | None = None
    validator: Validator | None = None


@dataclass
class FakeCrm:
    """One fake CRM (``system``) implementing :class:`~crmsync.connectors.base.Connector`."""

    system: System
    account: str
    clock: Clock
    required: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    unique_field: str | None = None
    batch_write: int = 200
    batch_read: int = 200
    records: dict[str, dict[str, Stored]] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    faults: Faults = field(default_factory=Faults)
    lists: dict[str, set[str]] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)
    _next_id: int = 0

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(max_batch_write=self.batch_write, max_batch_read=self.batch_read)

    # -- test helpers ------------------------------------------------------------------

    def seed(self, object_type: str, **fields: Any) -> str:
        """Create a record directly (as a user of the CRM would)."""
        record_id = self._new_id(object_type)
        self.records.setdefault(object_type, {})[record_id] = Stored(
            object_type=object_type,
            id=record_id,
            fields={"CreatedDate": self.clock.now.isoformat(), **fields},
            modified_at=self.clock.tick(),
        )
        return record_id

    def edit(self, object_type: str, record_id: str, **fields: Any) -> None:
        """Change a record directly (a user edit)."""
        stored = self.records[object_type][record_id]
        stored.fields.update(fields)
        stored.modified_at = self.clock.tick()

    def all(self, object_type: str) -> list[Stored]:
        return list(self.records.get(object_type, {}).values())

    def get(self, object_type: str, record_id: str) -> dict[str, Any]:
        return self.records[object_type][record_id].fields

    def convert_lead(self, lead_id: str) -> str:
        """Salesforce's lead conversion: a contact with the lead's data, the lead read-only."""
        lead = self.records["Lead"][lead_id]
        contact_fields = {k: v for k, v in lead.fields.items() if k not in ("Company", "Status")}
        contact_id = self.seed("Contact", **contact_fields)
        self.edit("Lead", lead_id, IsConverted=True, ConvertedContactId=contact_id)
        return contact_id

    def _new_id(self, object_type: str) -> str:
        self._next_id += 1
        if self.system is System.HUBSPOT:
            return str(1000 + self._next_id)
        prefix = {"Lead": "00Q", "Contact": "003"}.get(object_type, "a00")
        return f"{prefix}{self._next_id:015d}"

    # -- the Connector port ------------------------------------------------------------

    def account_id(self) -> str:
        return self.account

    def describe(self, object_type: str) -> Mapping[str, FieldInfo]:
        self.calls["describe"] += 1
        return {}

    def read_changes(
        self, object_type: str, *, cursor: str | None, fields: Sequence[str], page_size: int
    ) -> ChangePage:
        self.calls["read_changes"] += 1
        ordered = sorted(
            self.records.get(object_type, {}).values(), key=lambda s: (s.modified_at, s.id)
        )
        if cursor is not None:
            stamp, _, last_id = cursor.partition("|")
            after = (datetime.fromisoformat(stamp), last_id)
            ordered = [s for s in ordered if (s.modified_at, s.id) > after]
        page = ordered[:page_size]
        next_cursor = f"{page[-1].modified_at.isoformat()}|{page[-1].id}" if page else cursor
        return ChangePage(
            records=[self._remote(s, fields) for s in page],
            next_cursor=next_cursor,
            has_more=len(ordered) > page_size,
        )

    def read_by_ids(
        self, object_type: str, ids: Sequence[str], *, fields: Sequence[str]
    ) -> Sequence[RemoteRecord]:
        self.calls["read_by_ids"] += 1
        table = self.records.get(object_type, {})
        return [self._remote(table[i], fields) for i in ids if i in table]

    def find_by(
        self, object_type: str, field_name: str, values: Sequence[str], *, fields: Sequence[str]
    ) -> Sequence[RemoteRecord]:
        self.calls["find_by"] += 1
        wanted = {v.lower() for v in values}
        return [
            self._remote(s, fields)
            for s in self.records.get(object_type, {}).values()
            if isinstance(s.fields.get(field_name), str)
            and s.fields[field_name].strip().lower() in wanted
        ]

    def write(self, requests: Sequence[WriteRequest]) -> Sequence[WriteResult]:
        self.calls["write"] += 1
        number = self.calls["write"]
        if self.faults.fail_write_call == number:
            raise ServiceUnavailableError("injected 503 on write")
        results = [self._write_one(request) for request in requests]
        if self.faults.crash_after_write_call == number:
            raise CrashError(f"process died after write call {number}")
        return results

    def usage(self) -> ApiUsage:
        return ApiUsage(calls_made=sum(self.calls.values()))

    def owner_emails(self) -> Mapping[str, str]:
        self.calls["owner_emails"] += 1
        return dict(self.owners)

    def list_member_ids(self, list_id: str) -> Sequence[str]:
        self.calls["list_member_ids"] += 1
        return sorted(self.lists.get(list_id, set()))

    # -- internals ---------------------------------------------------------------------

    def _write_one(self, request: WriteRequest) -> WriteResult:
        table = self.records.setdefault(request.object_type, {})
        merged = dict(table[request.id].fields) if request.id in table else {}
        merged.update(request.fields)
        if self.faults.validator is not None:
            problem = self.faults.validator(request.object_type, merged)
            if problem is not None:
                return WriteResult(key=request.key, id=request.id, errors=(problem,))
        if request.id is None:
            missing = [f for f in self.required.get(request.object_type, ()) if not merged.get(f)]
            if missing:
                error = ApiErrorDetail(
                    code="REQUIRED_FIELD_MISSING",
                    message=f"Required fields are missing: [{', '.join(missing)}]",
                    fields=tuple(missing),
                )
                return WriteResult(key=request.key, id=None, errors=(error,))
            if self.unique_field and self._taken(request.object_type, merged):
                error = ApiErrorDetail(code="CONFLICT", message="Contact already exists")
                return WriteResult(key=request.key, id=None, errors=(error,))
            record_id = self.seed(request.object_type, **merged)
            return WriteResult(key=request.key, id=record_id, created=True)
        if request.id not in table:
            error = ApiErrorDetail(code="ENTITY_IS_DELETED", message="entity is deleted")
            return WriteResult(key=request.key, id=None, errors=(error,))
        if table[request.id].fields.get("IsConverted"):
            error = ApiErrorDetail(
                code="CANNOT_UPDATE_CONVERTED_LEAD", message="cannot reference converted lead"
            )
            return WriteResult(key=request.key, id=None, errors=(error,))
        self.edit(request.object_type, request.id, **request.fields)
        return WriteResult(key=request.key, id=request.id)

    def _taken(self, object_type: str, merged: Mapping[str, Any]) -> bool:
        assert self.unique_field is not None
        value = str(merged.get(self.unique_field) or "").lower()
        return bool(value) and any(
            str(s.fields.get(self.unique_field) or "").lower() == value
            for s in self.records.get(object_type, {}).values()
        )

    def _remote(self, stored: Stored, fields: Sequence[str]) -> RemoteRecord:
        return RemoteRecord(
            object_type=stored.object_type,
            id=stored.id,
            fields={name: stored.fields.get(name) for name in fields},
            modified_at=stored.modified_at,
            deleted=stored.deleted,
        )


def fake_pair(clock: Clock | None = None) -> tuple[FakeCrm, FakeCrm]:
    """A fake HubSpot portal and a fake Salesforce org sharing one clock."""
    shared = clock or Clock()
    hubspot = FakeCrm(
        system=System.HUBSPOT,
        account="portal-1",
        clock=shared,
        unique_field="email",
        batch_write=100,
        batch_read=100,
    )
    salesforce = FakeCrm(
        system=System.SALESFORCE,
        account="00D000000000001AAA",
        clock=shared,
        required={"Lead": ("LastName", "Company"), "Contact": ("LastName",)},
    )
    return hubspot, salesforce
