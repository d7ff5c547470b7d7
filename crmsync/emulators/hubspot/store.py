"""CRM records in memory, with unique-value indexes and write-through persistence.

Lookups by id and by unique value (a contact's email) are dict hits; nothing here scans.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from crmsync.emulators.common.clock import MovableClock
from crmsync.emulators.hubspot import catalog
from crmsync.emulators.hubspot.errors import (
    HubSpotApiError,
    PropertyProblem,
    conflict,
    contact_exists,
    validation_error,
)
from crmsync.emulators.hubspot.persistence import Persistence
from crmsync.emulators.hubspot.schema import AccountSchema
from crmsync.emulators.hubspot.values import epoch_ms, is_valid_email, iso, normalise, parse_instant

History = list[tuple[str, int, str]]  # (value, epoch ms, source type)


@dataclass(kw_only=True, slots=True)
class Record:
    """One CRM object. ``properties`` holds set values only (never empty strings)."""

    id: int
    object_type: str
    properties: dict[str, str]
    history: dict[str, History]
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None = None
    # What search sees, and a newer version waiting for the index (search lag).
    indexed: dict[str, str] | None = None
    pending: tuple[datetime, dict[str, str]] | None = None

    def searchable(self, now: datetime) -> dict[str, str] | None:
        """The properties the search index holds for this record right now."""
        if self.pending is not None and self.pending[0] <= now:
            self.indexed = self.pending[1]
            self.pending = None
        return self.indexed


@dataclass(kw_only=True)
class Settings:
    """Behaviour switches that vary between real accounts or that tests pin down."""

    search_lag_seconds: float = 0.0
    lifecycle_backwards: bool = False  # B.7: HubSpot ignores backwards moves by default
    batch_read_all_missing_404: bool = False  # B.3: one report says 404, most say 207


ChangeEvent = tuple[str, str, int, dict[str, Any]]  # (kind, object_type, id, extra)


class RecordStore:
    """All records of one account."""

    def __init__(
        self,
        *,
        schema: AccountSchema,
        persistence: Persistence,
        clock: MovableClock,
        settings: Settings,
        on_change: Callable[[ChangeEvent], None],
    ) -> None:
        self.schema = schema
        self._persist = persistence
        self._clock = clock
        self.settings = settings
        self._on_change = on_change
        self.lock = threading.RLock()
        self.records: dict[str, dict[int, Record]] = {t: {} for t in catalog.OBJECT_TYPES}
        self.unique: dict[tuple[str, str], dict[str, int]] = {}
        self.merged: dict[int, int] = {}
        self.next_id = 101

    # --- loading and saving -----------------------------------------------------
    def clear(self) -> None:
        """Forget every record."""
        with self.lock:
            self.records = {t: {} for t in catalog.OBJECT_TYPES}
            self.unique = {}
            self.merged = {}
            self.next_id = 101

    def load(
        self, snapshot_records: dict[str, dict[int, dict[str, Any]]], meta: dict[str, Any]
    ) -> None:
        """Rebuild memory (and indexes) from a data file."""
        with self.lock:
            for object_type, rows in snapshot_records.items():
                for rid, body in rows.items():
                    record = _from_body(int(rid), object_type, body)
                    self.records[object_type][record.id] = record
                    if record.archived_at is None:
                        self._index(record, record.properties)
            self.merged = {int(k): int(v) for k, v in meta.get("merged", {}).items()}
            self.next_id = int(meta.get("next_id", self.next_id))

    def save(self, records: list[Record]) -> None:
        """Write records through to persistence (grouped by type)."""
        by_type: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        for r in records:
            by_type.setdefault(r.object_type, []).append((r.id, _to_body(r)))
        for object_type, rows in by_type.items():
            self._persist.save_records(object_type, rows)
        self._persist.save_meta("next_id", self.next_id)

    # --- reading ------------------------------------------------------------------
    def get(self, object_type: str, record_id: int, *, archived: bool = False) -> Record | None:
        """A record by id (a merged-away id resolves to the surviving record)."""
        table = self.records[object_type]
        if record_id in self.merged and not archived:
            record_id = self.merged[record_id]
        record = table.get(record_id)
        if record is None or (record.archived_at is not None) != archived:
            return None
        return record

    def find(
        self, object_type: str, prop: str, value: str, *, archived: bool = False
    ) -> Record | None:
        """A record by its id (``hs_object_id``) or a unique property such as email."""
        if prop in ("hs_object_id", "id", ""):
            return (
                self.get(object_type, int(value), archived=archived) if value.isdecimal() else None
            )
        index = self.unique.get((object_type, prop))
        if index is None:
            if not self._is_unique(object_type, prop):
                raise HubSpotApiError(
                    status=400,
                    category="VALIDATION_ERROR",
                    message=f"{prop} is not a unique property of {object_type}",
                )
            return None
        rid = index.get(value.lower() if prop == "email" else value)
        return self.get(object_type, rid, archived=archived) if rid is not None else None

    def _is_unique(self, object_type: str, prop: str) -> bool:
        if object_type == "contacts" and prop == "email":
            return True
        definition = self.schema.property(object_type, prop)
        return bool(definition and definition.get("hasUniqueValue"))

    # --- validation -----------------------------------------------------------------
    def prepare(
        self, object_type: str, raw: dict[str, Any], *, current: Record | None
    ) -> dict[str, str]:
        """Validated, normalised changes (``""`` clears); raises HubSpot's 400/409."""
        problems: list[PropertyProblem] = []
        changes: dict[str, str] = {}
        pipeline = raw.get("pipeline") or (current.properties.get("pipeline") if current else None)
        for name, value in raw.items():
            definition = self.schema.property(object_type, name)
            if definition is None:
                problems.append(
                    PropertyProblem(
                        name=name,
                        error="PROPERTY_DOESNT_EXIST",
                        message=f'Property "{name}" does not exist',
                    )
                )
                continue
            if definition.get("modificationMetadata", {}).get("readOnlyValue"):
                problems.append(
                    PropertyProblem(
                        name=name,
                        error="READ_ONLY_VALUE",
                        message=f"{name} is a read only property; its value cannot be set.",
                    )
                )
                continue
            allowed = self.schema.allowed_values(
                object_type=object_type, name=name, pipeline=str(pipeline) if pipeline else None
            )
            text, problem = normalise(name=name, raw=value, definition=definition, allowed=allowed)
            if problem is None and name == "email" and object_type == "contacts" and text:
                text = text.lower()
                if not is_valid_email(text):
                    problem = PropertyProblem(
                        name=name, error="INVALID_EMAIL", message=f"Email address {text} is invalid"
                    )
            if problem is not None:
                problems.append(problem)
                continue
            changes[name] = text
        if problems:
            raise validation_error(problems)
        if object_type in {"contacts", "companies"}:
            self._hold_lifecycle(changes, current)
        if (
            current is None
            and object_type in catalog.ENGAGEMENT_TYPES
            and not changes.get("hs_timestamp")
        ):
            raise validation_error(
                [
                    PropertyProblem(
                        name="hs_timestamp",
                        error="REQUIRED_PROPERTY",
                        message="hs_timestamp is required for engagements",
                    )
                ]
            )
        self._check_unique(object_type, changes, current)
        return changes

    def _hold_lifecycle(self, changes: dict[str, str], current: Record | None) -> None:
        """B.7 / R16: a move to an earlier lifecycle stage is silently ignored by default."""
        wanted = changes.get("lifecyclestage")
        if not wanted or current is None or self.settings.lifecycle_backwards:
            return
        now = current.properties.get("lifecyclestage")
        stages = catalog.LIFECYCLE_STAGES
        if now in stages and wanted in stages and stages.index(wanted) < stages.index(now):
            del changes["lifecyclestage"]

    def _check_unique(
        self, object_type: str, changes: dict[str, str], current: Record | None
    ) -> None:
        for name, value in changes.items():
            if not value or not self._is_unique(object_type, name):
                continue
            owner = self.unique.get((object_type, name), {}).get(value)
            if owner is not None and (current is None or owner != current.id):
                if object_type == "contacts":
                    raise contact_exists(owner)
                raise conflict(
                    f"A {catalog.OBJECT_TYPES[object_type].singular} with {name} '{value}' "
                    f"already exists. Existing ID: {owner}"
                )

    # --- writing ------------------------------------------------------------------
    def allocate_id(self) -> int:
        """The next record id (ids are unique across object types, as in HubSpot)."""
        with self.lock:
            rid = self.next_id
            self.next_id += 1
            return rid

    def insert(
        self,
        object_type: str,
        changes: dict[str, str],
        *,
        record_id: int | None = None,
        created_at: datetime | None = None,
    ) -> Record:
        """Create a record from prepared changes (call ``save`` afterwards)."""
        now = self._clock.now()
        with self.lock:
            rid = record_id if record_id is not None else self.allocate_id()
            self.next_id = max(self.next_id, rid + 1)
            created = created_at or now
            if changes.get("createdate"):
                created = parse_instant(changes["createdate"]) or created
            record = Record(
                id=rid,
                object_type=object_type,
                properties={},
                history={},
                created_at=created,
                updated_at=now,
            )
            stamp = iso(created)
            base = {"hs_object_id": str(rid), "createdate": stamp}
            if object_type in catalog.ENGAGEMENT_TYPES:
                base["hs_createdate"] = stamp
            if object_type == "deals" and changes.get("dealstage") and not changes.get("pipeline"):
                changes = {**changes, "pipeline": "default"}
            self.records[object_type][rid] = record
            self._apply(record, {**base, **changes}, now=now, source="API")
            self._on_change(("creation", object_type, rid, {}))
            return record

    def update(self, record: Record, changes: dict[str, str]) -> Record:
        """Apply prepared changes to a live record (call ``save`` afterwards)."""
        with self.lock:
            changed = self._apply(record, changes, now=self._clock.now(), source="API")
            for name in changed:
                self._on_change(
                    (
                        "propertyChange",
                        record.object_type,
                        record.id,
                        {"propertyName": name, "propertyValue": record.properties.get(name, "")},
                    )
                )
            return record

    def archive(self, record: Record) -> None:
        """Archive (soft-delete) a record; its unique values become free."""
        with self.lock:
            now = self._clock.now()
            self._unindex(record, record.properties)
            record.archived_at = now
            record.indexed = None
            record.pending = None
            self._on_change(("deletion", record.object_type, record.id, {}))

    def _apply(
        self, record: Record, changes: dict[str, str], *, now: datetime, source: str
    ) -> list[str]:
        """Set values, keep history, bump the modified date; returns the changed names."""
        changed = [n for n, v in changes.items() if record.properties.get(n, "") != v]
        if not changed and record.properties:
            return []
        ms = epoch_ms(now)
        old = {n: record.properties.get(n, "") for n in changed}
        self._unindex(record, old)
        for name in changed:
            value = changes[name]
            if value:
                record.properties[name] = value
            else:
                record.properties.pop(name, None)
            record.history.setdefault(name, []).insert(0, (value, ms, source))
        if record.object_type == "deals" and ("dealstage" in changed or "pipeline" in changed):
            self._derive_deal(record)
        modified = catalog.OBJECT_TYPES[record.object_type].modified_property
        record.properties[modified] = iso(now)
        record.updated_at = now
        self._index(record, {n: record.properties.get(n, "") for n in changed})
        lag = self.settings.search_lag_seconds
        if lag > 0:
            record.pending = (now + timedelta(seconds=lag), dict(record.properties))
        else:
            record.indexed = record.properties
            record.pending = None
        return changed

    def _derive_deal(self, record: Record) -> None:
        stage = self.schema.stage(
            pipeline=record.properties.get("pipeline", "default"),
            stage_id=record.properties.get("dealstage", ""),
        )
        if stage is None:
            return
        closed = stage["metadata"].get("isClosed") == "true"
        probability = stage["metadata"].get("probability", "0")
        record.properties["hs_is_closed"] = "true" if closed else "false"
        record.properties["hs_is_closed_won"] = (
            "true" if closed and float(probability) >= 1 else "false"
        )
        record.properties["hs_deal_stage_probability"] = probability

    def _index(self, record: Record, values: dict[str, str]) -> None:
        for name, value in values.items():
            if value and self._is_unique(record.object_type, name):
                self.unique.setdefault((record.object_type, name), {})[value] = record.id

    def _unindex(self, record: Record, values: dict[str, str]) -> None:
        for name, value in values.items():
            index = self.unique.get((record.object_type, name))
            if value and index is not None and index.get(value) == record.id:
                del index[value]

    # --- merge ----------------------------------------------------------------------
    def merge(self, object_type: str, primary: Record, other: Record) -> Record:
        """Merge ``other`` into ``primary``: primary's values win, blanks are filled."""
        with self.lock:
            fill = {
                n: v
                for n, v in other.properties.items()
                if n not in primary.properties and not self._read_only(object_type, n)
            }
            merged_ids = [
                i for i in primary.properties.get("hs_merged_object_ids", "").split(";") if i
            ]
            merged_ids.append(str(other.id))
            other_email = other.properties.get("email")
            self._unindex(other, other.properties)
            other.archived_at = self._clock.now()
            other.indexed = None
            other.pending = None
            self.merged[other.id] = primary.id
            for old, target in list(self.merged.items()):
                if target == other.id:
                    self.merged[old] = primary.id
            extra = dict(fill)
            extra["hs_merged_object_ids"] = ";".join(merged_ids)
            if object_type == "contacts" and other_email and "email" not in fill:
                emails = [
                    e for e in primary.properties.get("hs_additional_emails", "").split(";") if e
                ]
                extra["hs_additional_emails"] = ";".join([*emails, other_email])
            self._apply(primary, extra, now=self._clock.now(), source="MERGE")
            if object_type == "contacts" and other_email and "email" not in fill:
                # The merged-away address still finds the surviving contact.
                self.unique.setdefault(("contacts", "email"), {})[other_email] = primary.id
            self._persist.save_meta("merged", self.merged)
            self._on_change(
                (
                    "merge",
                    object_type,
                    primary.id,
                    {"primaryObjectId": primary.id, "mergedObjectIds": [other.id]},
                )
            )
            return primary

    def _read_only(self, object_type: str, name: str) -> bool:
        definition = self.schema.property(object_type, name)
        return bool(definition and definition.get("modificationMetadata", {}).get("readOnlyValue"))


def _to_body(record: Record) -> dict[str, Any]:
    return {
        "p": record.properties,
        "h": record.history,
        "c": iso(record.created_at),
        "u": iso(record.updated_at),
        "a": iso(record.archived_at) if record.archived_at else None,
    }


def _from_body(rid: int, object_type: str, body: dict[str, Any]) -> Record:
    def when(text: str) -> datetime:
        moment = parse_instant(text)
        if moment is None:
            raise ValueError(f"bad timestamp {text!r} in data file")
        return moment

    record = Record(
        id=rid,
        object_type=object_type,
        properties=dict(body["p"]),
        history={k: [tuple(e) for e in v] for k, v in body["h"].items()},
        created_at=when(body["c"]),
        updated_at=when(body["u"]),
        archived_at=when(body["a"]) if body.get("a") else None,
    )
    if record.archived_at is None:
        record.indexed = record.properties
    return record
