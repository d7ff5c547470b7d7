"""Which way each CRM is logged into, chosen from the configuration, and its token source.

Salesforce, unless ``CRMSYNC_SALESFORCE_AUTH`` names the flow:

1. ``CRMSYNC_SALESFORCE_REFRESH_TOKEN`` (or one saved by ``crmsync connect salesforce``)
   → the refresh-token grant of the web-server flow;
2. ``CRMSYNC_SALESFORCE_JWT_KEY_FILE`` (+ ``_USERNAME``, ``_CLIENT_ID``) → JWT bearer;
3. ``CRMSYNC_SALESFORCE_TOKEN`` → that access token, as is;
4. ``CRMSYNC_SALESFORCE_CLIENT_ID`` + ``_CLIENT_SECRET`` → client credentials.

HubSpot: ``CRMSYNC_HUBSPOT_REFRESH_TOKEN`` (+ ``_CLIENT_ID``, ``_CLIENT_SECRET``) → an
OAuth app's refresh token; else ``CRMSYNC_HUBSPOT_TOKEN``, a private-app token.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Generic, TypeVar
from urllib.parse import urlsplit

from pydantic import SecretStr

from crmsync.config import CrmsyncConfig
from crmsync.connectors.base import System
from crmsync.connectors.hubspot.auth import HubSpotOAuth, hubspot_tokens
from crmsync.connectors.hubspot.config import HubSpotConfig
from crmsync.connectors.oauth import Listener, ReconnectRequiredError, StaticToken, TokenSource
from crmsync.connectors.salesforce.auth import (
    SalesforceFlow,
    SalesforceOAuth,
    login_url_for,
    salesforce_tokens,
)
from crmsync.connectors.salesforce.config import SalesforceConfig
from crmsync.errors import ConfigurationError

LOGIN_HOSTS: Final = ("login.salesforce.com", "test.salesforce.com")


def salesforce_flow(config: CrmsyncConfig) -> SalesforceFlow | None:
    """The Salesforce flow ``config`` asks for (None: nothing configured)."""
    if config.salesforce_auth is not None:
        return config.salesforce_auth
    if _set(config.salesforce_refresh_token):
        return "refresh_token"
    if config.salesforce_jwt_key_file is not None:
        return "jwt"
    if _set(config.salesforce_token):
        return "token"
    if config.salesforce_client_id and _set(config.salesforce_client_secret):
        return "client_credentials"
    return None


def hubspot_flow(config: CrmsyncConfig) -> str | None:
    """``refresh_token`` (an OAuth app), ``private_app``, or None."""
    if _set(config.hubspot_refresh_token):
        return "refresh_token"
    if _set(config.hubspot_token):
        return "private_app"
    return None


def _set(secret: SecretStr | None) -> bool:
    # An empty variable (``CRMSYNC_HUBSPOT_TOKEN=``) is as good as unset.
    return secret is not None and bool(secret.get_secret_value())


def salesforce_oauth(config: CrmsyncConfig) -> SalesforceOAuth:
    """The OAuth settings of ``config`` (the JWT key read from its file)."""
    private_key = None
    if config.salesforce_jwt_key_file is not None:
        try:
            private_key = SecretStr(config.salesforce_jwt_key_file.read_text(encoding="utf-8"))
        except OSError as error:
            raise ConfigurationError(
                f"cannot read CRMSYNC_SALESFORCE_JWT_KEY_FILE "
                f"{config.salesforce_jwt_key_file}: {error.strerror}"
            ) from error
    loopback = urlsplit(config.salesforce_url).scheme == "http"
    return SalesforceOAuth(
        login_url=login_url_for(
            sandbox=config.salesforce_sandbox, login_url=config.salesforce_login_url
        ),
        client_id=config.salesforce_client_id,
        client_secret=config.salesforce_client_secret,
        refresh_token=config.salesforce_refresh_token,
        private_key=private_key,
        username=config.salesforce_username,
        loopback_url=config.salesforce_url if loopback else None,
    )


AdapterConfig = TypeVar("AdapterConfig", SalesforceConfig, HubSpotConfig)


@dataclass(frozen=True, kw_only=True)
class Login(Generic[AdapterConfig]):
    """How to build one connector: its adapter settings and token source."""

    config: AdapterConfig
    tokens: TokenSource


Reload = Callable[[], CrmsyncConfig]
Keep = Callable[[System, SecretStr], None]


def salesforce_login(
    config: CrmsyncConfig,
    *,
    listener: Listener | None = None,
    reload: Reload | None = None,
    keep: Keep | None = None,
) -> Login[SalesforceConfig]:
    """The Salesforce connector's settings and token source for the configured flow.

    ``reload`` gives the configuration afresh (saved connection included) before each
    grant, so a reconnect made while ``crmsync run`` waits is used by its next run;
    ``keep`` saves a rotated refresh token.
    """
    flow = salesforce_flow(config)
    if flow is None:
        raise ConfigurationError(
            "set CRMSYNC_SALESFORCE_TOKEN, or run `crmsync connect salesforce`, or set "
            "CRMSYNC_SALESFORCE_CLIENT_ID with CRMSYNC_SALESFORCE_REFRESH_TOKEN, "
            "CRMSYNC_SALESFORCE_JWT_KEY_FILE or CRMSYNC_SALESFORCE_CLIENT_SECRET"
        )
    if flow == "token":
        if not _set(config.salesforce_token):
            raise ConfigurationError("set CRMSYNC_SALESFORCE_TOKEN")
        assert config.salesforce_token is not None
        return Login(
            config=SalesforceConfig(
                instance_url=config.salesforce_url,
                access_token=config.salesforce_token,
                sandbox=config.salesforce_sandbox,
            ),
            tokens=StaticToken(config.salesforce_token),
        )
    settings = (lambda: salesforce_oauth(reload())) if reload else salesforce_oauth(config)
    tokens = salesforce_tokens(
        settings,
        flow=flow,
        listener=listener,
        keep_refresh_token=(lambda token: keep(System.SALESFORCE, token)) if keep else None,
    )
    return Login(
        config=SalesforceConfig(
            instance_url=config.salesforce_url,
            oauth_flow=flow,
            sandbox=config.salesforce_sandbox,
            # Only a login host is known: each grant names the org's instance.
            instance_from_token=urlsplit(config.salesforce_url).hostname in LOGIN_HOSTS,
        ),
        tokens=tokens,
    )


def hubspot_login(
    config: CrmsyncConfig,
    *,
    listener: Listener | None = None,
    reload: Reload | None = None,
    keep: Keep | None = None,
) -> Login[HubSpotConfig]:
    """The HubSpot connector's settings and token source for the configured flow."""
    flow = hubspot_flow(config)
    if flow is None:
        raise ConfigurationError(
            "set CRMSYNC_HUBSPOT_TOKEN (a private-app token), or run `crmsync connect hubspot`"
        )
    hubspot = HubSpotConfig(base_url=config.hubspot_url)
    if flow == "private_app":
        assert config.hubspot_token is not None
        return Login(config=hubspot, tokens=StaticToken(config.hubspot_token, flow=flow))
    if not config.hubspot_client_id or not _set(config.hubspot_client_secret):
        raise ConfigurationError(
            "a HubSpot refresh token needs CRMSYNC_HUBSPOT_CLIENT_ID and "
            "CRMSYNC_HUBSPOT_CLIENT_SECRET"
        )
    oauth = (lambda: hubspot_oauth(reload())) if reload else hubspot_oauth(config)
    tokens = hubspot_tokens(
        oauth,
        listener=listener,
        keep_refresh_token=(lambda token: keep(System.HUBSPOT, token)) if keep else None,
    )
    return Login(config=hubspot, tokens=tokens)


def hubspot_oauth(config: CrmsyncConfig) -> HubSpotOAuth:
    """The OAuth app settings of ``config``."""
    if not config.hubspot_client_id or not _set(config.hubspot_client_secret):
        raise ConfigurationError(
            "a HubSpot refresh token needs CRMSYNC_HUBSPOT_CLIENT_ID and "
            "CRMSYNC_HUBSPOT_CLIENT_SECRET"
        )
    assert config.hubspot_client_secret is not None
    return HubSpotOAuth(
        api_url=config.hubspot_url,
        client_id=config.hubspot_client_id,
        client_secret=config.hubspot_client_secret,
        refresh_token=config.hubspot_refresh_token,
    )


def problem_listener(
    record: Callable[[ReconnectRequiredError], None], clear: Callable[[System], None]
) -> Listener:
    """A token-source listener that records refusals and clears them after a success."""

    def listener(system: System, error: ReconnectRequiredError | None) -> None:
        if error is None:
            clear(system)
        else:
            record(error)

    return listener
