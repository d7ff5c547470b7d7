"""``crmsync demo`` serves the dashboard and prints its address and how to log in."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from crmsync.emulators.common.server import free_port
from tests.dashboard_client import DashboardClient

ADDRESS = re.compile(r"Dashboard on (http://127\.0\.0\.1:\d+)")
PASSWORD = re.compile(r"Log in with the password (\S+) \(shown this once")


def test_demo_prints_the_dashboard_address_and_a_password_that_logs_in(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CRMSYNC_")}
    command = [
        sys.executable,
        "-m",
        "crmsync.cli.main",
        "demo",
        "--port-salesforce",
        str(free_port()),
        "--port-hubspot",
        str(free_port()),
        "--port-dashboard",
        str(free_port()),
        "--database",
        str(tmp_path / "demo.sqlite"),
    ]
    demo = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    printed = ""
    try:
        assert demo.stdout is not None
        deadline = time.monotonic() + 240
        while "Serving" not in printed and time.monotonic() < deadline:
            line = demo.stdout.readline()
            if not line:
                break
            printed += line
        address, password = ADDRESS.search(printed), PASSWORD.search(printed)
        assert address is not None and password is not None, printed
        with DashboardClient(address.group(1)) as client:
            assert client.log_in(password.group(1)).status_code == 200
            activity = client.get("/activity").text
    finally:
        demo.terminate()
        demo.wait(timeout=20)

    assert "first sync" in activity  # the demo's runs are in the history
    assert "after conversion" in activity
