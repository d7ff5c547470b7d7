"""Run an ASGI app on loopback, in the foreground (CLI) or a background thread (tests)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

KEEP_ALIVE_SECONDS = 75
"""How long an idle client connection stays open, as on the CRMs' front ends (nginx's
default). uvicorn's own 5 s equals simple-salesforce's Bulk 2.0 polling pause, so a
client reusing its connection after that pause raced the server closing it."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve_forever(app: Any, *, host: str = "127.0.0.1", port: int) -> None:
    """Serve ``app`` until interrupted."""
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )


class BackgroundServer:
    """An ASGI app served by uvicorn in a daemon thread; ``url`` is its base URL."""

    def __init__(self, app: Any, *, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.host = host
        self.port = port or free_port()
        config = uvicorn.Config(
            app,
            host=host,
            port=self.port,
            log_level="warning",
            access_log=False,
            lifespan="on",
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def url(self) -> str:
        """``http://host:port`` with no trailing slash."""
        return f"http://{self.host}:{self.port}"

    def start(self, *, timeout: float = 10.0) -> None:
        """Start serving and wait until the socket accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"emulator did not start on {self.url}")
            time.sleep(0.01)

    def stop(self) -> None:
        """Ask uvicorn to exit and wait for the thread."""
        self._server.should_exit = True
        self._thread.join(timeout=10)


@contextmanager
def running(app: Any, *, port: int | None = None) -> Iterator[BackgroundServer]:
    """Context manager: an app served in the background for the block's duration."""
    server = BackgroundServer(app, port=port)
    server.start()
    try:
        yield server
    finally:
        server.stop()
