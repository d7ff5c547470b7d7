"""Records as the API returns them: SimplePublicObject and friends (wire facts B.2)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from crmsync.emulators.hubspot import catalog
from crmsync.emulators.hubspot.associations import AssociationStore
from crmsync.emulators.hubspot.store import Record, RecordStore
from crmsync.emulators.hubspot.values import iso

# HubSpot adds these to every answer, whatever properties were asked for.
_ALWAYS = ("createdate", "hs_object_id")


def render(
    record: Record,
    *,
    store: RecordStore,
    properties: list[str] | None,
    with_history: list[str] | None = None,
    associations: list[str] | None = None,
    links: AssociationStore | None = None,
) -> dict[str, Any]:
    """One record as SimplePublicObject(WithAssociations)."""
    object_type = record.object_type
    meta = catalog.OBJECT_TYPES[object_type]
    defined = store.schema.properties[object_type]
    names = list(properties) if properties else list(meta.default_properties)
    names += [*_ALWAYS, meta.modified_property]
    props: dict[str, str | None] = {}
    for name in names:
        if name in defined and name not in props:
            # HubSpot answers null for a known property with no value.
            props[name] = record.properties.get(name)
    out: dict[str, Any] = {
        "id": str(record.id),
        "properties": props,
        "createdAt": iso(record.created_at),
        "updatedAt": iso(record.updated_at),
        "archived": record.archived_at is not None,
    }
    if record.archived_at is not None:
        out["archivedAt"] = iso(record.archived_at)
    if with_history:
        out["propertiesWithHistory"] = {
            name: [
                {
                    "value": value,
                    "timestamp": _iso_ms(ms),
                    "sourceType": source,
                    "sourceId": "crmsync-emulator",
                }
                for value, ms, source in record.history.get(name, [])
            ]
            for name in with_history
            if name in defined
        }
    if associations and links is not None:
        out["associations"] = _associations(record, store=store, links=links, wanted=associations)
    return out


def _associations(
    record: Record, *, store: RecordStore, links: AssociationStore, wanted: list[str]
) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for segment in wanted:
        target = catalog.resolve_object_type(segment)
        if target is None:
            continue
        rows: list[dict[str, str]] = []
        targets = links.targets(
            from_type=record.object_type, from_id=record.id, to_type=target.name
        )
        for to_id in sorted(targets):
            if store.get(target.name, to_id) is None:
                continue
            for type_id in sorted(targets[to_id]):
                kind = links.kind(type_id)
                rows.append({"id": str(to_id), "type": catalog.v3_association_name(kind)})
        if rows:
            found[target.name] = {"results": rows}
    return found


def _iso_ms(ms: int) -> str:
    return iso(datetime.fromtimestamp(ms / 1000, tz=UTC))


def encode_cursor(next_id: int) -> str:
    """An opaque list cursor, like HubSpot's base64 ones."""
    return base64.urlsafe_b64encode(f"{next_id}".encode()).decode()


def decode_cursor(cursor: str | None) -> int:
    """The id a list cursor points at (0 for none); a bad cursor reads as the start."""
    if not cursor:
        return 0
    if cursor.isdecimal():
        return int(cursor)
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode().strip())
    except ValueError:
        return 0


def batch_envelope(
    *, results: list[dict[str, Any]], errors: list[dict[str, Any]], started: str, completed: str
) -> dict[str, Any]:
    """The batch answer; ``numErrors``/``errors`` only when something failed."""
    out: dict[str, Any] = {
        "status": "COMPLETE",
        "results": results,
        "startedAt": started,
        "completedAt": completed,
    }
    if errors:
        out["numErrors"] = len(errors)
        out["errors"] = errors
    return out
