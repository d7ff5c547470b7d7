"""Which flow each CRM is logged into, from which keys are set; the key file."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from crmsync.config import CrmsyncConfig
from crmsync.credentials import hubspot_flow, salesforce_flow
from crmsync.errors import ConfigurationError
from crmsync.vault import key_file_for, load_fernet


@pytest.mark.parametrize(
    ("keys", "flow"),
    [
        ({}, None),
        ({"salesforce_token": "t"}, "token"),
        ({"salesforce_client_id": "c", "salesforce_refresh_token": "r"}, "refresh_token"),
        ({"salesforce_client_id": "c", "salesforce_jwt_key_file": "k.pem"}, "jwt"),
        ({"salesforce_client_id": "c", "salesforce_client_secret": "s"}, "client_credentials"),
        # A refresh token wins over a pasted access token, which would expire anyway.
        ({"salesforce_token": "t", "salesforce_refresh_token": "r"}, "refresh_token"),
        ({"salesforce_token": "t", "salesforce_auth": "client_credentials"}, "client_credentials"),
    ],
)
def test_the_salesforce_flow_follows_from_the_keys_set(
    keys: dict[str, str], flow: str | None
) -> None:
    assert salesforce_flow(CrmsyncConfig(**keys)) == flow  # type: ignore[arg-type]


def test_the_hubspot_flow_follows_from_the_keys_set() -> None:
    assert hubspot_flow(CrmsyncConfig()) is None
    assert hubspot_flow(CrmsyncConfig(hubspot_token=SecretStr("pat"))) == "private_app"
    assert hubspot_flow(CrmsyncConfig(hubspot_refresh_token=SecretStr("r"))) == "refresh_token"


def test_the_key_file_is_created_0600_beside_a_sqlite_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crmsync.sqlite'}"

    first = load_fernet(secret_key=None, database_url=url)
    again = load_fernet(secret_key=None, database_url=url)
    path = key_file_for(url)

    assert path == tmp_path / "crmsync.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert again.decrypt(first.encrypt(b"x")) == b"x"


def test_a_configured_secret_key_is_used_and_a_bad_one_named(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crmsync.sqlite'}"
    key = Fernet.generate_key().decode()

    fernet = load_fernet(secret_key=SecretStr(key), database_url=url)

    assert Fernet(key.encode()).decrypt(fernet.encrypt(b"x")) == b"x"
    assert not key_file_for(url).exists()
    with pytest.raises(ConfigurationError, match="CRMSYNC_SECRET_KEY"):
        load_fernet(secret_key=SecretStr("not a key"), database_url=url)


def test_secrets_stay_out_of_the_configuration_repr() -> None:
    config = CrmsyncConfig(
        salesforce_client_secret=SecretStr("sf-s3cret"),
        salesforce_refresh_token=SecretStr("sf-r3fresh"),
        hubspot_client_secret=SecretStr("hs-s3cret"),
        hubspot_refresh_token=SecretStr("hs-r3fresh"),
        secret_key=SecretStr("k3y"),
    )

    shown = repr(config) + str(config)

    for secret in ("sf-s3cret", "sf-r3fresh", "hs-s3cret", "hs-r3fresh", "k3y"):
        assert secret not in shown
