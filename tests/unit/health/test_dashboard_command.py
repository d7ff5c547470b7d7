"""``crmsync dashboard`` serves the dashboard behind a login until stopped (R1)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import httpx

from crmsync.emulators.common.server import free_port
from tests.dashboard_client import DashboardClient


def test_r1_dashboard_command_prints_a_first_start_password_that_logs_in(
    database_url: str,
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "CRMSYNC_DATABASE_URL": database_url,
        "CRMSYNC_SALESFORCE_TOKEN": "",
        "CRMSYNC_HUBSPOT_TOKEN": "",
    }
    env.pop("CRMSYNC_DASHBOARD_PASSWORD", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "crmsync.cli.main", "dashboard", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        assert _get_when_up(url + "/").headers["location"] == "/login"
        assert server.stdout is not None
        printed = server.stdout.readline() + server.stdout.readline()
        found = re.search(r"Log in with the password (\S+) \(shown this once", printed)
        assert found is not None, printed
        with DashboardClient(url) as client:
            client.log_in(found.group(1))
            page = client.get("/")
    finally:
        server.terminate()
        server.wait(timeout=10)

    assert f"Dashboard on {url}" in printed
    assert page.status_code == 200
    assert "calls-24h" in page.text


def _get_when_up(url: str) -> httpx.Response:
    deadline = time.monotonic() + 60  # a loaded CI machine starts Python slowly
    while True:
        try:
            return httpx.get(url)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
