"""One runner per store: concurrent ``crmsync sync --once`` never duplicate a record (R26).

Real processes against the running emulators and a real store (SQLite, and PostgreSQL
when ``CRMSYNC_TEST_POSTGRES_URL`` is set): the store's runner lock lets one run at a
time; the others exit with status 73 and one line, or queue with ``--wait``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from typing import Any

from typer.testing import CliRunner

from crmsync.cli.main import app
from crmsync.runner import ExitStatus
from crmsync.store.lock import store_lock
from tests.e2e.conftest import World

PEOPLE = 600


def _seed(world: World, people: int) -> list[str]:
    """Half the people as HubSpot contacts, half as Salesforce leads; returns the emails."""
    contacts: list[dict[str, Any]] = []
    leads: list[dict[str, Any]] = []
    emails = []
    for number in range(people):
        email = f"runner{number}@example.com"
        emails.append(email)
        if number % 2 == 0:
            contacts.append(
                {"id": str(900000 + number), "properties": {"email": email, "lastname": "L"}}
            )
        else:
            leads.append({"Email": email, "LastName": "L", "Company": "Lock Ltd"})
    world.hs_control.seed({"records": {"contacts": contacts}})
    world.sf_control.seed({"records": {"Lead": leads}})
    return emails


def _crmsync(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "crmsync.cli.main", *args],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _copies_per_email(world: World) -> tuple[Counter[str], Counter[str]]:
    hubspot = Counter(str(r.fields.get("email")).lower() for r in world.hs_all())
    salesforce = Counter(
        str(r.fields.get("Email")).lower()
        for object_type in ("Lead", "Contact")
        for r in world.sf_all(object_type)
    )
    return hubspot, salesforce


def test_r26_concurrent_sync_once_processes_leave_no_duplicates(
    world: World, database_url: str
) -> None:
    emails = _seed(world, PEOPLE)
    env = world.cli_env(database_url)
    # The schema is created once, as ``crmsync db upgrade`` does before a deployment.
    assert CliRunner().invoke(app, ["db", "upgrade"], env=env).exit_code == 0

    runs = [_crmsync(env, "sync", "--once") for _ in range(3)]
    outputs = [run.communicate(timeout=240)[0] for run in runs]
    statuses = [run.returncode for run in runs]

    assert set(statuses) <= {ExitStatus.OK, ExitStatus.STORE_BUSY}, outputs
    assert ExitStatus.OK in statuses, outputs
    for status, output in zip(statuses, outputs, strict=True):
        if status == ExitStatus.STORE_BUSY:
            assert "another crmsync run is using this store" in output
            assert "Traceback" not in output
    # Whatever the others skipped, one more run finishes the job: still one copy each.
    finish = _crmsync(env, "sync", "--once")
    assert finish.wait(timeout=240) == ExitStatus.OK
    hubspot, salesforce = _copies_per_email(world)
    assert {email: hubspot[email] for email in emails} == dict.fromkeys(emails, 1)
    assert {email: salesforce[email] for email in emails} == dict.fromkeys(emails, 1)


def test_second_runner_exits_73_with_one_line_while_the_store_is_busy(
    world: World, database_url: str
) -> None:
    env = world.cli_env(database_url)
    world.hs_create(email="busy@example.com", lastname="Busy")

    with store_lock(database_url):
        result = CliRunner().invoke(app, ["sync", "--once"], env=env)

    assert result.exit_code == ExitStatus.STORE_BUSY, result.output
    assert result.output.strip().startswith("Not started: another crmsync run")
    assert len(result.output.strip().splitlines()) == 1
    assert world.sf_by_email("Contact", "busy@example.com") == []


def test_wait_queues_the_second_runner_behind_the_first(world: World, database_url: str) -> None:
    env = world.cli_env(database_url)
    world.hs_create(email="queued@example.com", lastname="Queued")
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with store_lock(database_url):
            held.set()
            release.wait(timeout=30)

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(timeout=10)
    started = time.monotonic()
    threading.Timer(1.0, release.set).start()
    try:
        result = CliRunner().invoke(app, ["sync", "--once", "--wait"], env=env)
    finally:
        release.set()
        holder.join()

    assert result.exit_code == 0, result.output
    assert time.monotonic() - started >= 1.0
    assert len(world.sf_by_email("Contact", "queued@example.com")) == 1


def test_errors_retry_waits_for_a_run_then_gives_up_with_one_line(
    world: World, database_url: str
) -> None:
    env = world.cli_env(database_url)
    assert CliRunner().invoke(app, ["db", "upgrade"], env=env).exit_code == 0

    with store_lock(database_url):
        result = CliRunner().invoke(app, ["errors", "retry", "--all"], env=env)

    assert result.exit_code == ExitStatus.STORE_BUSY, result.output
    assert "Not queued: another crmsync run is using this store" in result.output


def test_dry_run_needs_no_lock_and_writes_nothing(world: World, database_url: str) -> None:
    env = world.cli_env(database_url)
    world.hs_create(email="planned@example.com", lastname="Planned")
    assert CliRunner().invoke(app, ["db", "upgrade"], env=env).exit_code == 0

    with store_lock(database_url):
        result = CliRunner().invoke(app, ["sync", "--dry-run"], env=env, terminal_width=250)

    assert result.exit_code == 0, result.output
    assert "planned@example.com" in result.output
    assert world.sf_by_email("Contact", "planned@example.com") == []
