"""Progress on the terminal: Rich progress bars fed by the engine's hooks."""

from __future__ import annotations

from rich.progress import Progress, TaskID

from crmsync.engine.hooks import Checkpoint


class RichHooks:
    """Progress bars (one per change feed) on the terminal."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[tuple[str, str], TaskID] = {}

    def checkpoint(self, point: Checkpoint) -> None:
        """Nothing to show."""

    def progress(self, *, source: str, object_type: str, records: int) -> None:
        """Advance the bar of this feed."""
        key = (source, object_type)
        if key not in self._tasks:
            self._tasks[key] = self._progress.add_task(f"{source} {object_type}", total=None)
        self._progress.advance(self._tasks[key], records)
