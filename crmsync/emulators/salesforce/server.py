"""``crmsync emulate salesforce``: serve the emulator on loopback until stopped."""

from __future__ import annotations

from pathlib import Path

from crmsync.emulators.common.server import serve_forever
from crmsync.emulators.salesforce.app import create_app


def serve(*, port: int, token: str, data: Path | None, seed: Path | None) -> None:
    """Serve both orgs on ``127.0.0.1:port`` (see docs/emulators.md)."""
    serve_forever(create_app(token=token, data=data, seed=seed), port=port)


__all__ = ["create_app", "serve"]
