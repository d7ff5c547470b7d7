"""What one sync run did (or, in a dry run, would do)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, kw_only=True)
class PlannedWrite:
    """One field of one create or update, as a dry run prints it."""

    system: str
    object_type: str
    record_id: str | None
    source: str
    field: str
    old_value: Any
    new_value: Any
    action: str

    def describe(self) -> str:
        """One line for the terminal."""
        target = f"{self.object_type}/{self.record_id or 'new'}"
        return (
            f"{self.action} {self.system} {target} (from {self.source}) "
            f"{self.field}: {self.old_value!r} -> {self.new_value!r}"
        )


@dataclass(kw_only=True)
class SyncReport:
    """Counts of one run; ``planned`` lists every field write of a dry run."""

    read: Counter[str] = field(default_factory=Counter)
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    unchanged: int = 0
    linked: int = 0
    converted: int = 0
    unlinked: int = 0
    conflicts: int = 0
    errors: int = 0
    recovered: int = 0
    planned: list[PlannedWrite] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The counts as plain JSON values."""
        return {
            "read": dict(self.read),
            "created": dict(self.created),
            "updated": dict(self.updated),
            "skipped": dict(self.skipped),
            "unchanged": self.unchanged,
            "linked": self.linked,
            "converted": self.converted,
            "unlinked": self.unlinked,
            "conflicts": self.conflicts,
            "errors": self.errors,
            "recovered": self.recovered,
            "planned_writes": len(self.planned),
        }
