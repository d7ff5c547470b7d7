"""``crmsync dashboard`` serves the health page until stopped (R1)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx

from crmsync.emulators.common.server import free_port


def test_r1_dashboard_command_serves_the_health_page(database_url: str) -> None:
    port = free_port()
    env = {
        **os.environ,
        "CRMSYNC_DATABASE_URL": database_url,
        "CRMSYNC_SALESFORCE_TOKEN": "",
        "CRMSYNC_HUBSPOT_TOKEN": "",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "crmsync.cli.main", "dashboard", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        page = _get_when_up(f"http://127.0.0.1:{port}/")
    finally:
        server.terminate()
        server.wait(timeout=10)

    assert page.status_code == 200
    assert "calls-24h" in page.text


def _get_when_up(url: str) -> httpx.Response:
    deadline = time.monotonic() + 20
    while True:
        try:
            return httpx.get(url)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
