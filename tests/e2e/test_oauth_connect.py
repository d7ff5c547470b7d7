"""Connecting real accounts, against the emulators' OAuth endpoints: the Salesforce
web-server flow with PKCE, JWT bearer and client credentials; HubSpot OAuth apps and
their scopes; ``--token`` from standard input; ``connect status``; credentials
encrypted in the store (R5, R6)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import Result
from pydantic import SecretStr
from sqlalchemy import MetaData, create_engine, func, select
from typer.testing import CliRunner

from crmsync.cli.main import app
from crmsync.store.models import Link
from crmsync.vault import Vault, load_fernet
from tests.e2e.conftest import HUBSPOT_TOKEN, SALESFORCE_TOKEN, World
from tests.oauth_support import free_port, install_approving_browser, make_key_pair

SF_CLIENT_ID = "crmsync-connected-app"
SF_SECRET = "sf-consumer-secret-5b1e"
HS_CLIENT_ID = "crmsync-hubspot-app"
HS_SECRET = "hs-client-secret-77c2"
INTEGRATION = "integration@crmsync.example"
ALL_SCOPES = [
    "oauth",
    "crm.objects.contacts.read",
    "crm.objects.contacts.write",
    "crm.schemas.contacts.read",
    "crm.lists.read",
    "crm.objects.owners.read",
]


@pytest.fixture(autouse=True)
def approving_browser() -> None:
    """``--open`` loads the authorize URL and follows it back, as a person approving."""
    install_approving_browser()


def env(world: World, database_url: str, **extra: str | None) -> dict[str, str | None]:
    """Emulator URLs and the store, no Salesforce token: the OAuth keys come in ``extra``."""
    return {
        "CRMSYNC_DATABASE_URL": database_url,
        "CRMSYNC_SALESFORCE_URL": world.servers.salesforce.url,
        "CRMSYNC_SALESFORCE_TOKEN": None,
        "CRMSYNC_HUBSPOT_URL": world.servers.hubspot.url,
        "CRMSYNC_HUBSPOT_TOKEN": HUBSPOT_TOKEN,
        **extra,
    }


def invoke(args: list[str], environment: dict[str, str | None], stdin: str = "") -> Result:
    return CliRunner().invoke(app, args, env=environment, input=stdin)


def links(world: World) -> int:
    with world.store.begin() as tx:
        return int(tx.session.scalar(select(func.count(Link.id))) or 0)


def connect_salesforce(world: World, database_url: str, *, rotate: bool = False) -> Result:
    """``crmsync connect salesforce`` through the web-server flow with PKCE."""
    port = free_port()
    world.sf_control.add_oauth_app(
        client_id=SF_CLIENT_ID,
        client_secret=SF_SECRET,
        callback_urls=[f"http://localhost:{port}/OauthRedirect"],
        rotate_refresh_tokens=rotate,
    )
    return invoke(
        ["connect", "salesforce", "--url", world.servers.salesforce.url, "--client-id",
         SF_CLIENT_ID, "--open", "--callback-port", str(port), "--timeout", "20"],
        env(world, database_url, CRMSYNC_SALESFORCE_CLIENT_SECRET=SF_SECRET),
    )  # fmt: skip


def connect_hubspot(world: World, database_url: str, *, scopes: list[str]) -> Result:
    """``crmsync connect hubspot`` through an OAuth app granted ``scopes``."""
    port = free_port()
    world.hs_control.add_oauth_app(
        client_id=HS_CLIENT_ID,
        client_secret=HS_SECRET,
        redirect_uris=[f"http://localhost:{port}/oauth-callback"],
        scopes=scopes,
    )
    return invoke(
        ["connect", "hubspot", "--url", world.servers.hubspot.url, "--client-id", HS_CLIENT_ID,
         "--open", "--callback-port", str(port), "--timeout", "20"],
        env(world, database_url, CRMSYNC_HUBSPOT_CLIENT_SECRET=HS_SECRET),
    )  # fmt: skip


def vault(database_url: str, world: World) -> Vault:
    return Vault(world.store, load_fernet(secret_key=None, database_url=database_url))


def test_r5_web_server_flow_with_pkce_saves_a_refresh_token_the_sync_then_uses(
    world: World, database_url: str
) -> None:
    connected = connect_salesforce(world, database_url)
    world.hs_create(email="oauth@example.com", lastname="Oauth")

    # Neither a token nor the client secret in the environment: both were saved.
    synced = invoke(["sync", "--once"], env(world, database_url))

    assert connected.exit_code == 0, connected.output
    assert f"Connected as {INTEGRATION}" in connected.output
    assert "(refresh_token)" in connected.output
    assert synced.exit_code == 0, synced.output
    assert links(world) == 1


def test_jwt_bearer_flow_signs_with_the_key_file_and_a_wrong_key_is_one_reconnect_line(
    world: World, database_url: str, tmp_path: Path
) -> None:
    uploaded, other = make_key_pair(), make_key_pair()
    world.sf_control.add_oauth_app(client_id=SF_CLIENT_ID, certificate=uploaded.certificate_pem)
    right, wrong = tmp_path / "server.key", tmp_path / "other.key"
    right.write_bytes(uploaded.private_pem)
    wrong.write_bytes(other.private_pem)
    jwt_env = {
        "CRMSYNC_SALESFORCE_CLIENT_ID": SF_CLIENT_ID,
        "CRMSYNC_SALESFORCE_USERNAME": INTEGRATION,
    }
    world.hs_create(email="jwt@example.com", lastname="Jwt")

    refused = invoke(
        ["sync", "--once"],
        env(world, database_url, **jwt_env, CRMSYNC_SALESFORCE_JWT_KEY_FILE=str(wrong)),
    )
    synced = invoke(
        ["sync", "--once"],
        env(world, database_url, **jwt_env, CRMSYNC_SALESFORCE_JWT_KEY_FILE=str(right)),
    )

    assert refused.exit_code == 75
    assert "reconnect Salesforce: invalid_grant" in refused.output
    assert "Traceback" not in refused.output
    assert synced.exit_code == 0, synced.output
    assert links(world) == 1


def test_client_credentials_flow_runs_as_the_apps_integration_user(
    world: World, database_url: str
) -> None:
    world.sf_control.add_oauth_app(
        client_id=SF_CLIENT_ID, client_secret=SF_SECRET, run_as=INTEGRATION
    )
    cc_env = env(
        world,
        database_url,
        CRMSYNC_SALESFORCE_CLIENT_ID=SF_CLIENT_ID,
        CRMSYNC_SALESFORCE_CLIENT_SECRET=SF_SECRET,
    )
    world.hs_create(email="cc@example.com", lastname="Credentials")

    synced = invoke(["sync", "--once"], cc_env)
    status = invoke(["connect", "status"], cc_env)

    assert synced.exit_code == 0, synced.output
    assert links(world) == 1
    assert status.exit_code == 0, status.output
    assert "client_credentials" in status.output and INTEGRATION in status.output


def test_hubspot_app_connect_names_each_missing_scope_then_syncs_with_its_refresh_token(
    world: World, database_url: str
) -> None:
    short = connect_hubspot(
        world, database_url, scopes=[s for s in ALL_SCOPES if s != "crm.objects.owners.read"]
    )
    full = connect_hubspot(world, database_url, scopes=ALL_SCOPES)
    world.hs_create(email="hsapp@example.com", lastname="App")
    app_env = env(
        world,
        database_url,
        CRMSYNC_SALESFORCE_TOKEN=SALESFORCE_TOKEN,
        CRMSYNC_HUBSPOT_TOKEN=None,
    )

    synced = invoke(["sync", "--once"], app_env)
    status = invoke(["connect", "status"], app_env)

    assert short.exit_code == 2, short.output
    assert "Missing scopes" in short.output and "crm.objects.owners.read" in short.output
    assert full.exit_code == 0, full.output
    assert "Missing scopes" not in full.output
    assert synced.exit_code == 0, synced.output
    assert links(world) == 1
    assert status.exit_code == 0, status.output
    assert "refresh_token" in status.output and "crm.objects.contacts.write" in status.output


@pytest.mark.parametrize("flag", [["--token", "-"], ["--token-stdin"]])
def test_r5_token_read_from_standard_input_is_saved_and_never_printed(
    world: World, database_url: str, flag: list[str]
) -> None:
    connected = invoke(
        ["connect", "salesforce", "--url", world.servers.salesforce.url, *flag],
        env(world, database_url),
        stdin=SALESFORCE_TOKEN + "\n",
    )
    world.hs_create(email="stdin@example.com", lastname="Stdin")

    synced = invoke(["sync", "--once"], env(world, database_url))

    assert connected.exit_code == 0, connected.output
    assert SALESFORCE_TOKEN not in connected.output
    assert synced.exit_code == 0, synced.output
    assert links(world) == 1


def test_no_secret_is_stored_in_clear_text_in_the_database_file(
    world: World, database_url: str
) -> None:
    assert connect_salesforce(world, database_url).exit_code == 0
    assert connect_hubspot(world, database_url, scopes=ALL_SCOPES).exit_code == 0
    saved = vault(database_url, world)
    secrets = {
        "Salesforce refresh token": saved.get("salesforce.refresh_token"),
        "HubSpot refresh token": saved.get("hubspot.refresh_token"),
    }
    world.hs_create(email="secret@example.com", lastname="Secret")
    assert invoke(["sync", "--once"], env(world, database_url, CRMSYNC_HUBSPOT_TOKEN=None))
    settings_shown = invoke(["settings", "show"], env(world, database_url))
    world.store.close()

    raw = _stored_bytes(database_url)

    for name, secret in secrets.items():
        assert secret is not None, name
        value = secret.get_secret_value()
        assert value.encode() not in raw, name
        assert value not in settings_shown.output, name
    for value in (SF_SECRET, HS_SECRET):
        assert value.encode() not in raw
        assert value not in settings_shown.output


def _stored_bytes(database_url: str) -> bytes:
    """The SQLite file's bytes; for another database, every row of every table as text."""
    if database_url.startswith("sqlite"):
        return Path(database_url.removeprefix("sqlite:///")).read_bytes()
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            tables = MetaData()
            tables.reflect(connection)
            rows = [
                repr(tuple(row)) for table in tables.sorted_tables
                for row in connection.execute(table.select())
            ]  # fmt: skip
    finally:
        engine.dispose()
    return "\n".join(rows).encode()


def test_a_clear_text_token_saved_by_an_older_version_is_encrypted_on_first_use(
    world: World, database_url: str
) -> None:
    from crmsync.store.models import Setting

    with world.store.begin() as tx:
        tx.session.add(Setting(key="salesforce.token", value=SALESFORCE_TOKEN))
        tx.set_setting(
            "salesforce.connection",
            {"org_id": "x", "url": world.servers.salesforce.url, "sandbox": False},
        )
    world.hs_create(email="legacy@example.com", lastname="Legacy")

    synced = invoke(["sync", "--once"], env(world, database_url))

    with world.store.begin() as tx:
        stored = tx.session.get(Setting, "salesforce.token")
        assert stored is not None
        value = stored.value
    assert synced.exit_code == 0, synced.output
    assert isinstance(value, dict) and SALESFORCE_TOKEN not in str(value)


def test_with_only_a_login_host_configured_calls_go_to_the_instance_the_grant_names(
    world: World,
) -> None:
    from crmsync.connectors.salesforce.auth import SalesforceOAuth, salesforce_tokens
    from crmsync.connectors.salesforce.config import SalesforceConfig
    from crmsync.connectors.salesforce.connector import SalesforceConnector

    world.sf_control.add_oauth_app(
        client_id=SF_CLIENT_ID, client_secret=SF_SECRET, run_as=INTEGRATION
    )
    url = world.servers.salesforce.url
    tokens = salesforce_tokens(
        SalesforceOAuth(
            login_url="https://login.salesforce.com",
            client_id=SF_CLIENT_ID,
            client_secret=SecretStr(SF_SECRET),
            loopback_url=url,
        ),
        flow="client_credentials",
    )
    connector = SalesforceConnector.from_config(
        SalesforceConfig(instance_url=url, oauth_flow="client_credentials",
                         instance_from_token=True),
        tokens=tokens,
    )  # fmt: skip

    user = connector.whoami()
    grant = tokens.current()

    assert user.username == INTEGRATION
    assert grant is not None and grant.instance_url is not None
    # The placeholder host was replaced by the instance the token answer named.
    assert connector._session._on_instance(f"{url}/services/data") == (
        f"{grant.instance_url}/services/data"
    )


def test_a_failing_token_endpoint_is_reported_without_the_refresh_token_or_secret(
    world: World, database_url: str
) -> None:
    # Tracebacks never print local variables (where tokens live), should one escape.
    from crmsync.cli.main import app as cli

    assert cli.pretty_exceptions_show_locals is False
    assert connect_salesforce(world, database_url).exit_code == 0
    saved = vault(database_url, world).get("salesforce.refresh_token")
    assert saved is not None
    world.sf_control.expire_sessions()
    world.sf_control.add_fault(kind="status", status=500, count=10, path_contains="")

    result = invoke(["sync", "--once"], env(world, database_url))

    assert result.exit_code == 75, result.output  # a passing fault: the next run resumes
    assert saved.get_secret_value() not in result.output
    assert SF_SECRET not in result.output


def test_hubspot_private_app_token_from_standard_input_is_saved_and_used(
    world: World, database_url: str
) -> None:
    token_env = env(world, database_url, CRMSYNC_SALESFORCE_TOKEN=SALESFORCE_TOKEN)
    saved_env = {**token_env, "CRMSYNC_HUBSPOT_TOKEN": None}

    connected = invoke(
        ["connect", "hubspot", "--url", world.servers.hubspot.url, "--token", "-"],
        saved_env,
        stdin=HUBSPOT_TOKEN + "\n",
    )
    world.hs_create(email="pat@example.com", lastname="Pat")
    synced = invoke(["sync", "--once"], saved_env)
    status = invoke(["connect", "status"], saved_env)

    assert connected.exit_code == 0, connected.output
    assert HUBSPOT_TOKEN not in connected.output + status.output
    assert synced.exit_code == 0, synced.output
    assert links(world) == 1
    assert "private_app" in status.output


def test_a_token_endpoint_outage_is_retriable_and_no_reconnect_notice(
    world: World, database_url: str
) -> None:
    from crmsync.connectors.errors import ServerError
    from crmsync.connectors.oauth import ReconnectRequiredError
    from crmsync.connectors.salesforce.auth import SalesforceOAuth, salesforce_tokens

    world.sf_control.add_oauth_app(client_id=SF_CLIENT_ID, client_secret=SF_SECRET)
    heard: list[object] = []
    tokens = salesforce_tokens(
        SalesforceOAuth(
            login_url="https://login.salesforce.com",
            client_id=SF_CLIENT_ID,
            client_secret=SecretStr(SF_SECRET),
            loopback_url=world.servers.salesforce.url,
        ),
        flow="client_credentials",
        listener=lambda system, error: heard.append(error),
    )
    world.sf_control.add_fault(kind="status", status=503, count=1, path_contains="oauth2/token")

    with pytest.raises(ServerError) as outage:
        tokens.access_token()
    token = tokens.access_token()  # the next attempt gets through

    assert not isinstance(outage.value, ReconnectRequiredError)
    assert token
    assert heard == [None]  # only the success was heard: no "reconnect" notice
