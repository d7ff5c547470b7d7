"""What ``crmsync connect`` does: check a token, or run an authorization-code flow on a
loopback callback, then save the connection and its credentials (encrypted).

Salesforce's web-server flow uses PKCE (S256); the code comes back to
``http://localhost:PORT/OauthRedirect``. HubSpot's app flow comes back to
``http://localhost:PORT/oauth-callback``; the token's scopes are then read from
``/oauth/v1/access-tokens/{token}`` and any scope the enabled objects need but lack is
named.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

from pydantic import SecretStr

from crmsync.authorize import CallbackServer, Pkce, authorize_url
from crmsync.config import CrmsyncConfig
from crmsync.connection import (
    connection_key,
    save_connection,
    save_identity,
    with_saved_connection,
)
from crmsync.connectors.base import Connector, System
from crmsync.connectors.hubspot import auth as hubspot_auth
from crmsync.connectors.hubspot.config import HubSpotConfig
from crmsync.connectors.hubspot.connector import HubSpotConnector
from crmsync.connectors.oauth import StaticToken, TokenSource
from crmsync.connectors.salesforce import auth as salesforce_auth
from crmsync.connectors.salesforce.config import SalesforceConfig
from crmsync.connectors.salesforce.connector import IntegrationUser, SalesforceConnector
from crmsync.credentials import salesforce_oauth
from crmsync.errors import ConfigurationError
from crmsync.store import StateStore
from crmsync.vault import open_vault


def enabled_hubspot_objects(config: CrmsyncConfig) -> tuple[str, ...]:
    """The HubSpot objects the enabled pairs read and write (contacts always)."""
    from crmsync.engine.settings import COMPANIES_ENABLED, DEALS_ENABLED, switch

    store = StateStore.open(config.database_url)
    try:
        with_companies = switch(store, COMPANIES_ENABLED)
        with_deals = switch(store, DEALS_ENABLED)
    finally:
        store.close()
    objects = ["contacts"]
    if with_companies:
        objects.append("companies")
    if with_deals:
        objects.append("deals")
    return tuple(objects)


SALESFORCE_SCOPES: Final = "api refresh_token"
ShowUrl = Callable[[str], None]


@dataclass(frozen=True, kw_only=True)
class SalesforceConnected:
    """The outcome of connecting Salesforce."""

    user: IntegrationUser
    flow: str
    links_here: int
    links_elsewhere: int


@dataclass(frozen=True, kw_only=True)
class HubSpotConnected:
    """The outcome of connecting HubSpot."""

    portal_id: str
    user: str | None
    flow: str
    scopes: tuple[str, ...]
    missing_scopes: list[str] = field(default_factory=list)


def _is_loopback(url: str) -> bool:
    return urlsplit(url).scheme == "http"


def _save(
    config: CrmsyncConfig,
    *,
    system: System,
    connection: Mapping[str, Any],
    secrets: Mapping[str, SecretStr | None],
) -> dict[str, int]:
    store = StateStore.open(config.database_url)
    try:
        vault = open_vault(store, secret_key=config.secret_key, database_url=config.database_url)
        save_connection(store, vault, system=system, connection=connection, secrets=secrets)
        with store.begin() as tx:
            return dict(tx.links_per_org())
    finally:
        store.close()


def _remember_identity(config: CrmsyncConfig, user: IntegrationUser) -> None:
    """``crmsync health`` shows the new user at once, without asking Salesforce again."""
    store = StateStore.open(config.database_url)
    try:
        save_identity(
            store,
            key=connection_key(with_saved_connection(config, store)),
            identity={"user": asdict(user), "salesforce_org_id": user.org_id},
        )
    finally:
        store.close()


def _salesforce_result(
    config: CrmsyncConfig,
    *,
    user: IntegrationUser,
    connection: dict[str, Any],
    secrets: Mapping[str, SecretStr | None],
) -> SalesforceConnected:
    links = _save(config, system=System.SALESFORCE, connection=connection, secrets=secrets)
    _remember_identity(config, user)
    return SalesforceConnected(
        user=user,
        flow=str(connection["flow"]),
        links_here=links.get(user.org_id, 0),
        links_elsewhere=sum(count for org, count in links.items() if org != user.org_id),
    )


def connect_salesforce_token(
    config: CrmsyncConfig, *, token: SecretStr, url: str, sandbox: bool, save_token: bool = True
) -> SalesforceConnected:
    """Check an access token (who it acts as) and save it with the connection (R5, R6).

    ``save_token=False`` (a token from the environment) saves the connection and forgets
    any saved token: the environment keeps supplying it.
    """
    connector = SalesforceConnector.from_config(
        SalesforceConfig(instance_url=url, access_token=token, sandbox=sandbox)
    )
    user = connector.whoami()
    connection = {
        "org_id": user.org_id,
        "username": user.username,
        "sandbox": user.is_sandbox,
        "url": url,
        "flow": "token",
    }
    secrets = {
        "salesforce.token": token if save_token else None,
        "salesforce.refresh_token": None,
        "salesforce.client_secret": None,
    }
    return _salesforce_result(config, user=user, connection=connection, secrets=secrets)


def connect_salesforce_oauth(
    config: CrmsyncConfig,
    *,
    url: str,
    sandbox: bool,
    port: int,
    timeout: float,
    show_url: ShowUrl,
) -> SalesforceConnected:
    """The web-server flow with PKCE; saves the refresh token (encrypted)."""
    if not config.salesforce_client_id:
        raise ConfigurationError(
            "set CRMSYNC_SALESFORCE_CLIENT_ID (the app's consumer key) or pass --client-id, "
            "or give --token"
        )
    settings = salesforce_oauth(
        config.model_copy(update={"salesforce_url": url, "salesforce_sandbox": sandbox})
    )
    pkce = Pkce.new()
    # A browser cannot take the emulator's https rewrite: it is sent to the emulator.
    base = url.rstrip("/") if _is_loopback(url) else settings.login_url
    with CallbackServer(port=port, path="/OauthRedirect") as callback:
        show_url(
            authorize_url(
                f"{base}/services/oauth2/authorize",
                response_type="code",
                client_id=config.salesforce_client_id,
                redirect_uri=callback.redirect_uri,
                scope=SALESFORCE_SCOPES,
                state=callback.state,
                code_challenge=pkce.challenge,
                code_challenge_method="S256",
            )
        )
        code = callback.wait_for_code(timeout=timeout)
        body = salesforce_auth.exchange_code(
            settings, code=code, redirect_uri=callback.redirect_uri, code_verifier=pkce.verifier
        )
    grant = salesforce_auth.grant_from(body)
    if "refresh_token" not in body:
        raise ConfigurationError(
            "Salesforce sent no refresh token: add the refresh_token scope to the app"
        )
    instance_url = url if _is_loopback(url) else (grant.instance_url or url)
    connector = SalesforceConnector.from_config(
        SalesforceConfig(
            instance_url=instance_url, access_token=grant.access_token, sandbox=sandbox
        )
    )
    user = connector.whoami()
    connection = {
        "org_id": user.org_id,
        "username": user.username,
        "sandbox": user.is_sandbox,
        "url": instance_url,
        "flow": "refresh_token",
        "client_id": config.salesforce_client_id,
        "login_url": settings.login_url,
        "scopes": list(grant.scopes),
    }
    secrets = {
        "salesforce.token": None,
        "salesforce.refresh_token": SecretStr(str(body["refresh_token"])),
        "salesforce.client_secret": config.salesforce_client_secret,
    }
    return _salesforce_result(config, user=user, connection=connection, secrets=secrets)


def connect_hubspot_token(config: CrmsyncConfig, *, token: SecretStr, url: str) -> HubSpotConnected:
    """Check a private-app token (which portal) and save it."""
    connector = HubSpotConnector.from_config(
        HubSpotConfig(base_url=url), tokens=StaticToken(token, flow="private_app")
    )
    portal_id = connector.account_id()
    _save(
        config,
        system=System.HUBSPOT,
        connection={"portal_id": portal_id, "url": url, "flow": "private_app"},
        secrets={
            "hubspot.token": token,
            "hubspot.refresh_token": None,
            "hubspot.client_secret": None,
        },
    )
    return HubSpotConnected(portal_id=portal_id, user=None, flow="private_app", scopes=())


def connect_hubspot_oauth(
    config: CrmsyncConfig, *, url: str, port: int, timeout: float, show_url: ShowUrl
) -> HubSpotConnected:
    """An OAuth app's code flow; saves the refresh token and names missing scopes."""
    secret = config.hubspot_client_secret
    if not config.hubspot_client_id or secret is None or not secret.get_secret_value():
        raise ConfigurationError(
            "set CRMSYNC_HUBSPOT_CLIENT_ID and CRMSYNC_HUBSPOT_CLIENT_SECRET (the app's "
            "credentials), or give --token with a private-app token"
        )
    settings = hubspot_auth.HubSpotOAuth(
        api_url=url, client_id=config.hubspot_client_id, client_secret=secret
    )
    objects = enabled_hubspot_objects(config)
    wanted = hubspot_auth.required_scopes(objects)
    with CallbackServer(port=port, path="/oauth-callback") as callback:
        show_url(
            authorize_url(
                hubspot_auth.authorize_url_base(url),
                client_id=config.hubspot_client_id,
                redirect_uri=callback.redirect_uri,
                scope=" ".join(wanted),
                state=callback.state,
            )
        )
        code = callback.wait_for_code(timeout=timeout)
        body = hubspot_auth.exchange_code(settings, code=code, redirect_uri=callback.redirect_uri)
    info = hubspot_auth.token_info(url, SecretStr(str(body["access_token"])))
    scopes = tuple(str(scope) for scope in info.get("scopes") or ())
    portal_id = str(info.get("hub_id", ""))
    user = str(info.get("user") or "") or None
    _save(
        config,
        system=System.HUBSPOT,
        connection={
            "portal_id": portal_id,
            "user": user,
            "url": url,
            "flow": "refresh_token",
            "client_id": config.hubspot_client_id,
            "scopes": list(scopes),
        },
        secrets={
            "hubspot.token": None,
            "hubspot.refresh_token": SecretStr(str(body["refresh_token"])),
            "hubspot.client_secret": secret,
        },
    )
    return HubSpotConnected(
        portal_id=portal_id,
        user=user,
        flow="refresh_token",
        scopes=scopes,
        missing_scopes=hubspot_auth.missing_scopes(scopes, objects=objects),
    )


@dataclass(frozen=True, kw_only=True)
class ConnectionStatus:
    """One CRM's connection as ``crmsync connect status`` shows it."""

    system: str
    flow: str
    user: str | None = None
    account: str | None = None
    """The Salesforce org id or the HubSpot portal id."""
    scopes: tuple[str, ...] = ()
    expires: str | None = None
    problem: str | None = None


def connection_status(config: CrmsyncConfig) -> list[ConnectionStatus]:
    """Each CRM's connection: user, org or portal, scopes, token expiry and flow.

    Opening the connections runs their grants, so a refused one shows as its problem.
    """
    from crmsync import credentials
    from crmsync.connection import connection_problems, saved_connection
    from crmsync.errors import CrmsyncError
    from crmsync.runtime import connected

    store = StateStore.open(config.database_url)
    try:
        saved = {system: saved_connection(store, system) or {} for system in System}
        problems = {problem.system: problem.message for problem in connection_problems(store)}
    finally:
        store.close()
    rows: list[ConnectionStatus] = []
    try:
        with connected(config) as opened:
            salesforce = opened.salesforce
            hubspot = opened.hubspot
            rows.append(_salesforce_status(salesforce, saved[System.SALESFORCE]))
            rows.append(_hubspot_status(hubspot, saved[System.HUBSPOT], config))
    except CrmsyncError as error:
        flows = (credentials.salesforce_flow(config), credentials.hubspot_flow(config))
        return [
            ConnectionStatus(
                system=system.value,
                flow=flow or "not configured",
                problem=problems.get(system.value) or str(error),
            )
            for system, flow in zip(System, flows, strict=True)
        ]
    return rows


def _expiry(tokens: TokenSource | None) -> str | None:
    grant = None if tokens is None else tokens.current()
    if grant is None or grant.expires_at is None:
        return None
    return str(grant.expires_at.isoformat(timespec="seconds"))


def _salesforce_status(connector: Connector, saved: Mapping[str, Any]) -> ConnectionStatus:
    from crmsync.errors import CrmsyncError

    if not isinstance(connector, SalesforceConnector):
        return ConnectionStatus(system="salesforce", flow="unknown")
    tokens = connector.tokens
    flow = tokens.flow if tokens is not None else "token"
    try:
        user = connector.whoami()
    except CrmsyncError as error:
        return ConnectionStatus(system="salesforce", flow=flow, problem=str(error))
    grant = None if tokens is None else tokens.current()
    scopes = grant.scopes if grant is not None and grant.scopes else tuple(saved.get("scopes", ()))
    expires = _expiry(tokens)
    return ConnectionStatus(
        system="salesforce",
        flow=flow,
        user=user.username,
        account=user.org_id,
        scopes=scopes,
        # Salesforce does not say; the org's session policy may end it sooner.
        expires=None if expires is None else f"{expires} at the latest",
    )


def _hubspot_status(
    connector: Connector, saved: Mapping[str, Any], config: CrmsyncConfig
) -> ConnectionStatus:
    from crmsync.errors import CrmsyncError

    if not isinstance(connector, HubSpotConnector):
        return ConnectionStatus(system="hubspot", flow="unknown")
    tokens = connector.tokens
    flow = tokens.flow if tokens is not None else "private_app"
    try:
        portal = connector.account_id()
        if tokens is None or flow != "refresh_token":
            return ConnectionStatus(system="hubspot", flow=flow, account=portal)
        info = hubspot_auth.token_info(config.hubspot_url, SecretStr(tokens.access_token()))
    except CrmsyncError as error:
        return ConnectionStatus(system="hubspot", flow=flow, problem=str(error))
    return ConnectionStatus(
        system="hubspot",
        flow=flow,
        user=str(info.get("user") or saved.get("user") or "") or None,
        account=portal,
        scopes=tuple(str(scope) for scope in info.get("scopes") or ()),
        expires=_expiry(tokens),
    )
