"""An in-memory stand-in for HubSpot's search, shared by the change-feed unit tests.

It applies EQ/GT/GTE filters and the one sort (``-name`` descending) the way HubSpot's
search does; a record in ``hidden`` is not searchable yet
(search lags writes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crmsync.connectors.base import RemoteRecord
from crmsync.connectors.hubspot.change_feed import Found


@dataclass
class FakeSearch:
    """Contacts in a search index: applies EQ/GT/GTE filters and one sort (``-name``
    descending) as search does."""

    rows: dict[str, RemoteRecord] = field(default_factory=dict)
    hidden: set[str] = field(default_factory=set)
    calls: int = 0
    rows_returned: int = 0

    def put(self, record_id: int, at: datetime) -> None:
        self.rows[str(record_id)] = RemoteRecord(
            object_type="contacts",
            id=str(record_id),
            fields={"lastmodifieddate": at.isoformat()},
            modified_at=at,
        )

    def __call__(self, filters: list[dict[str, Any]], sort: str, limit: int) -> Found:
        self.calls += 1
        matched = [
            row
            for row in self.rows.values()
            if row.id not in self.hidden and all(_matches(row, f) for f in filters)
        ]
        if sort == "hs_object_id":
            matched.sort(key=lambda row: int(row.id))
        else:
            matched.sort(key=lambda row: (row.modified_at, int(row.id)))
        if sort.startswith("-"):
            matched.reverse()
        self.rows_returned += min(limit, len(matched))
        return Found(rows=matched[:limit], more=len(matched) > limit)


def _matches(row: RemoteRecord, f: dict[str, Any]) -> bool:
    if f["propertyName"] == "hs_object_id":
        left, right = int(row.id), int(f["value"])
    else:
        left, right = round(row.modified_at.timestamp() * 1000), int(f["value"])
    return {"EQ": left == right, "GT": left > right, "GTE": left >= right}[f["operator"]]
