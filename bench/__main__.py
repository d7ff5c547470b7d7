"""Run every benchmark module's ``main()`` (or only those named on the command line).

Usage: ``uv run python -m bench`` or ``uv run python -m bench hubspot_emulator``.
Each module runs with its default arguments.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def main() -> None:
    """Import each ``bench/*.py`` module and call its ``main()``."""
    here = Path(__file__).resolve().parent
    wanted = set(sys.argv[1:])
    names = sorted(p.stem for p in here.glob("*.py") if not p.stem.startswith("_"))
    for name in names:
        if wanted and name not in wanted:
            continue
        module = importlib.import_module(f"bench.{name}")
        entry = getattr(module, "main", None)
        if entry is None:
            continue
        print(f"== bench/{name}.py ==")
        saved = sys.argv
        sys.argv = [f"bench/{name}.py"]  # each benchmark parses its own (default) arguments
        try:
            entry()
        finally:
            sys.argv = saved


if __name__ == "__main__":
    main()
