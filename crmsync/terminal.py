"""The terminal: Rich progress bars fed by the engine's hooks, and record data shown safely."""

from __future__ import annotations

import re

from rich.progress import Progress, TaskID
from rich.text import Text

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


_UNSAFE = re.compile(
    # C0 controls but tab and newline (ESC starts colour and terminal-link sequences),
    # DEL and C1 controls, and the bidirectional overrides that reorder what follows.
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
)


def shown(value: object) -> str:
    """``value`` as text a terminal shows literally: control characters become ``\\uNNNN``."""
    text = "" if value is None else str(value)
    return _UNSAFE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def plain(value: object) -> Text:
    """Record data for a Rich table or line: never read as markup (``[/]`` stays ``[/]``)."""
    return Text(shown(value))
