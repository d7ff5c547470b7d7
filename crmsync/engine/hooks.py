"""Points where the engine reports progress, and where tests may stop it (crash-resume).

The engine calls :meth:`SyncHooks.checkpoint` at each point named in
:class:`Checkpoint`; a test hook raises there to simulate a crash at exactly that point
(R25), with no patching of engine internals.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol


class Checkpoint(StrEnum):
    """Named points of a run, in the order they happen for one batch."""

    BEFORE_WRITE = "before_write"
    AFTER_WRITE_BEFORE_RECORD = "after_write_before_record"
    AFTER_RECORD = "after_record"
    BEFORE_CURSOR = "before_cursor"
    AFTER_CURSOR = "after_cursor"


class SyncHooks(Protocol):
    """Told about checkpoints and progress."""

    def checkpoint(self, point: Checkpoint) -> None:
        """Called at each checkpoint; may raise to stop the run there."""
        ...

    def progress(self, *, source: str, object_type: str, records: int) -> None:
        """Called after each batch with how many records it held."""
        ...


class NoHooks:
    """Hooks that do nothing."""

    def checkpoint(self, point: Checkpoint) -> None:
        """Do nothing."""

    def progress(self, *, source: str, object_type: str, records: int) -> None:
        """Do nothing."""
