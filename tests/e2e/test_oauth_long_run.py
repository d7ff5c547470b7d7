"""Hours of syncing on OAuth: the Salesforce session and the HubSpot access token each die
every 30 minutes on the emulators' clocks, and a revoked refresh token is one health
error that reconnecting clears (R2, R25, R27)."""

from __future__ import annotations

from collections import Counter

import httpx
import pytest

from crmsync.config import load_config
from crmsync.connectors.oauth import RefreshingToken
from crmsync.engine.hooks import Checkpoint
from crmsync.health.errors import open_errors
from crmsync.runtime import build_engine, connected
from crmsync.vault import Vault, load_fernet
from tests.e2e.conftest import HUBSPOT_TOKEN, World
from tests.e2e.test_oauth_connect import (
    ALL_SCOPES,
    connect_hubspot,
    connect_salesforce,
    env,
    invoke,
    links,
)
from tests.oauth_support import install_approving_browser

HALF_HOUR = 1800
STEP = 20 * 60  # each run is 20 simulated minutes after the last


@pytest.fixture(autouse=True)
def approving_browser() -> None:
    install_approving_browser()


class ExpireBeforeWrites:
    """Kills both CRMs' tokens just before each batch write of every other run.

    The refused write must be renewed and sent once more, and nothing applied twice.
    """

    def __init__(self, world: World) -> None:
        self.world = world
        self.active = False

    def checkpoint(self, point: Checkpoint) -> None:
        if point is Checkpoint.BEFORE_WRITE and self.active:
            self.world.sf_control.expire_sessions()
            self.world.hs_control.advance_clock(seconds=HALF_HOUR + 1)

    def progress(self, *, source: str, object_type: str, records: int) -> None:
        """Nothing to report."""


def _oauth_world(world: World, database_url: str) -> None:
    assert connect_salesforce(world, database_url).exit_code == 0
    assert connect_hubspot(world, database_url, scopes=ALL_SCOPES).exit_code == 0
    world.sf_control.set_session_lifetime(HALF_HOUR)


def test_six_simulated_hours_of_expiring_tokens_lose_and_repeat_nothing(
    world: World, database_url: str
) -> None:
    _oauth_world(world, database_url)
    config = load_config(
        None,
        database_url=database_url,
        salesforce_url=world.servers.salesforce.url,
        hubspot_url=world.servers.hubspot.url,
    )
    hooks = ExpireBeforeWrites(world)
    steps = 18  # 18 runs, 20 minutes apart: six hours
    answered: list[tuple[str, int]] = []

    with connected(config) as opened:
        for step in range(steps):
            world.hs_create(email=f"hs{step}@example.com", lastname=f"Hs{step}")
            world.sf_create("Lead", Email=f"sf{step}@example.com", LastName=f"Sf{step}",
                            Company="Acme")  # fmt: skip
            world.clear_writes()  # only the engine's writes are counted
            hooks.active = step % 2 == 1
            build_engine(opened, config, hooks=hooks).run_once()
            answered += [
                (name, status)
                for name, status in (
                    *world.servers.salesforce_log.answered,
                    *world.servers.hubspot_log.answered,
                )
                if "/oauth/" not in name
            ]
            world.tick(STEP)
        salesforce_tokens = opened.salesforce.tokens  # type: ignore[attr-defined]
        hubspot_tokens = opened.hubspot.tokens  # type: ignore[attr-defined]

    refused = Counter(name for name, status in answered if status == 401)
    applied = Counter(name for name, status in answered if 200 <= status < 300)
    # Every change arrived: each person is linked, once, and exists once on each side.
    assert links(world) == 2 * steps
    for step in range(steps):
        assert len(world.hs_by_email(f"sf{step}@example.com")) == 1
        found = [
            *world.sf_by_email("Lead", f"hs{step}@example.com"),
            *world.sf_by_email("Contact", f"hs{step}@example.com"),
        ]
        assert len(found) == 1
    assert open_errors(world.store) == []
    # Tokens died under the run many times, writes included, and were renewed.
    assert isinstance(salesforce_tokens, RefreshingToken)
    assert isinstance(hubspot_tokens, RefreshingToken)
    assert salesforce_tokens.renewals >= steps // 2
    assert hubspot_tokens.renewals >= steps // 2
    assert sum(refused.values()) >= steps // 2, refused
    assert set(refused) == set(applied)  # writes on both CRMs were refused and resent
    # No batch repeats: one applied create per direction and run, refused ones resent once.
    assert applied == Counter({name: steps for name in applied}), applied
    assert len(applied) == 2


def test_cli_run_keeps_going_across_expired_sessions(world: World, database_url: str) -> None:
    _oauth_world(world, database_url)
    oauth_env = env(world, database_url, CRMSYNC_HUBSPOT_TOKEN=None)
    world.hs_create(email="before@example.com", lastname="Before")
    assert invoke(["sync", "--once"], oauth_env).exit_code == 0
    world.tick(HALF_HOUR + 60)  # both tokens the first process held are dead by now
    world.sf_control.expire_sessions()
    world.hs_create(email="after@example.com", lastname="After")

    ran = invoke(["run", "--runs", "2", "--interval", "0.05"], oauth_env)

    assert ran.exit_code == 0, ran.output
    assert "Deferred" not in ran.output
    assert links(world) == 2


def test_revoked_refresh_token_is_one_health_error_until_reconnected(
    world: World, database_url: str
) -> None:
    _oauth_world(world, database_url)
    oauth_env = env(world, database_url, CRMSYNC_HUBSPOT_TOKEN=None)
    world.hs_create(email="synced@example.com", lastname="Synced")
    assert invoke(["sync", "--once"], oauth_env).exit_code == 0
    world.sf_control.expire_sessions()
    refresh = Vault(world.store, load_fernet(secret_key=None, database_url=database_url)).get(
        "salesforce.refresh_token"
    )
    assert refresh is not None
    # The revoke endpoint, as an administrator's "Revoke" in Setup does.
    answer = httpx.post(
        f"{world.servers.salesforce.url}/services/oauth2/revoke",
        data={"token": refresh.get_secret_value()},
    )
    assert answer.status_code == 200
    world.hs_create(email="waiting@example.com", lastname="Waiting")

    ran = invoke(["run", "--runs", "3", "--interval", "0.05"], oauth_env)
    health = invoke(["health"], oauth_env)
    reconnected = connect_salesforce(world, database_url)
    healthy = invoke(["health"], oauth_env)
    synced = invoke(["sync", "--once"], oauth_env)

    assert ran.exit_code == 0, ran.output  # the loop kept running
    assert ran.output.count("reconnect Salesforce") == 3  # tried again each interval
    assert health.exit_code == 2, health.output  # broken, for a monitor (issue: health probe)
    assert health.output.count("Reconnect Salesforce") == 1
    assert "Traceback" not in ran.output + health.output
    assert reconnected.exit_code == 0, reconnected.output
    assert "Reconnect Salesforce" not in healthy.output
    assert synced.exit_code == 0, synced.output
    assert links(world) == 2


def test_a_rotated_refresh_token_replaces_the_saved_one(world: World, database_url: str) -> None:
    assert connect_salesforce(world, database_url, rotate=True).exit_code == 0
    saved = Vault(world.store, load_fernet(secret_key=None, database_url=database_url))
    first = saved.get("salesforce.refresh_token")
    oauth_env = env(world, database_url)
    config = load_config(
        None,
        database_url=database_url,
        salesforce_url=world.servers.salesforce.url,
        hubspot_url=world.servers.hubspot.url,
        hubspot_token=HUBSPOT_TOKEN,
    )

    with connected(config) as opened:
        for step in range(3):
            world.hs_create(email=f"rot{step}@example.com", lastname=f"Rot{step}")
            world.sf_control.expire_sessions()
            build_engine(opened, config).run_once()
            world.tick()
    rotated = saved.get("salesforce.refresh_token")
    world.hs_create(email="later@example.com", lastname="Later")
    later = invoke(["sync", "--once"], oauth_env)  # a new process: only the saved token

    assert first is not None and rotated is not None
    assert rotated.get_secret_value() != first.get_secret_value()
    assert later.exit_code == 0, later.output
    assert links(world) == 4
