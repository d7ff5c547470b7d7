"""The core imports no HTTP library, CRM SDK or database layer (STYLE: a pure core)."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = (
    "requests",
    "httpx",
    "urllib3",
    "simple_salesforce",
    "hubspot",
    "sqlalchemy",
    "fastapi",
)

PROBE = f"""
import sys, pkgutil, importlib
import crmsync.core as core
for module in pkgutil.iter_modules(core.__path__):
    importlib.import_module("crmsync.core." + module.name)
loaded = sorted(name for name in {FORBIDDEN!r} if name in sys.modules)
print(",".join(loaded))
"""


def test_core_modules_import_no_io_libraries() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""
