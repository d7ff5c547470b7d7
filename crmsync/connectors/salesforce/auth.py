"""Salesforce OAuth grants: refresh token (after the web-server flow), JWT bearer and
client credentials, each a :class:`~crmsync.connectors.oauth.RefreshingToken` fetcher;
plus the web-server flow's code exchange used by ``crmsync connect salesforce``.

Token calls go to the login host (``login.salesforce.com``, ``test.salesforce.com`` for
a sandbox, or the My Domain URL set as ``CRMSYNC_SALESFORCE_LOGIN_URL``) on a session
of their own: they are not REST API calls and do not count against the allocation.
Salesforce does not say when a session ends (the org's session policy decides; two
hours by default), so a session is renewed after :data:`ASSUMED_SESSION_LIFETIME`
or at once when Salesforce refuses it.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Final, Literal

import jwt
import requests
from pydantic import SecretStr

from crmsync.connectors.base import ApiErrorDetail, System
from crmsync.connectors.errors import ConnectionLostError, ServerError
from crmsync.connectors.oauth import (
    AccessGrant,
    Listener,
    ReconnectRequiredError,
    RefreshingToken,
    Rotation,
)
from crmsync.connectors.salesforce.loopback import loopback_session
from crmsync.errors import ConfigurationError

SalesforceFlow = Literal["token", "refresh_token", "jwt", "client_credentials"]

PRODUCTION_LOGIN: Final = "https://login.salesforce.com"
SANDBOX_LOGIN: Final = "https://test.salesforce.com"
ASSUMED_SESSION_LIFETIME: Final = timedelta(hours=2)
JWT_LIFETIME_SECONDS: Final = 180
"""Salesforce accepts assertions that expire within 3 minutes."""

# Token-endpoint errors that no retry will cure: the grant itself is gone or wrong.
_REFUSED: Final = frozenset({
    "invalid_grant", "inactive_user", "inactive_org", "invalid_client", "invalid_client_id",
    "unauthorized_client", "invalid_app_access", "invalid_request",
})  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class SalesforceOAuth:
    """The OAuth settings of one Salesforce connection (secrets redacted in ``repr``)."""

    login_url: str
    client_id: str | None = None
    client_secret: SecretStr | None = None
    refresh_token: SecretStr | None = None
    private_key: SecretStr | None = field(default=None, repr=False)
    username: str | None = None
    loopback_url: str | None = None
    """The emulator's ``http://`` URL; token calls to ``https://`` hosts go there."""


def login_url_for(*, sandbox: bool, login_url: str | None) -> str:
    """The login host: the configured one, else production's or the sandbox's."""
    return (login_url or (SANDBOX_LOGIN if sandbox else PRODUCTION_LOGIN)).rstrip("/")


def token_session(settings: SalesforceOAuth) -> requests.Session:
    """A session for token calls (rewritten to the emulator when it is one)."""
    if settings.loopback_url is not None:
        return loopback_session(settings.loopback_url)
    return requests.Session()


def request_token(
    settings: SalesforceOAuth, form: Mapping[str, str], *, auth: tuple[str, str] | None = None
) -> Mapping[str, Any]:
    """POST the token endpoint; the JSON body, or the crmsync error for the refusal."""
    url = f"{settings.login_url}/services/oauth2/token"
    try:
        with token_session(settings) as session:
            response = session.post(url, data=dict(form), auth=auth, timeout=60)
    except requests.RequestException as error:
        raise ConnectionLostError(
            f"no answer from Salesforce's token endpoint: {type(error).__name__}"
        ) from error
    body = _json(response)
    if response.status_code == 200 and "access_token" in body:
        return body
    code = str(body.get("error") or response.status_code)
    message = str(body.get("error_description") or response.reason or "")
    detail = ApiErrorDetail(code=code, message=message, status=response.status_code)
    if response.status_code >= 500 or (
        code not in _REFUSED and response.status_code not in (400, 401, 403)
    ):
        failed = ServerError(f"Salesforce's token endpoint answered {response.status_code}")
        failed.detail = detail
        raise failed
    refused = ReconnectRequiredError(System.SALESFORCE, reason=f"{code}: {message}")
    refused.detail = detail
    raise refused


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def grant_from(body: Mapping[str, Any]) -> AccessGrant:
    """The :class:`AccessGrant` of a token answer (Salesforce sends no expiry)."""
    return AccessGrant(
        access_token=SecretStr(str(body["access_token"])),
        expires_at=None,
        instance_url=str(body.get("instance_url") or "") or None,
        identity_url=str(body.get("id") or "") or None,
        scopes=tuple(str(body.get("scope") or "").split()),
        refresh_token=SecretStr(str(body["refresh_token"])) if body.get("refresh_token") else None,
    )


def refresh_token_grant(settings: SalesforceOAuth) -> AccessGrant:
    """``grant_type=refresh_token`` with the stored refresh token."""
    if settings.refresh_token is None or not settings.client_id:
        raise ConfigurationError(
            "set CRMSYNC_SALESFORCE_CLIENT_ID and CRMSYNC_SALESFORCE_REFRESH_TOKEN "
            "(or run `crmsync connect salesforce`)"
        )
    form = {
        "grant_type": "refresh_token",
        "refresh_token": settings.refresh_token.get_secret_value(),
        "client_id": settings.client_id,
    }
    if settings.client_secret is not None:
        form["client_secret"] = settings.client_secret.get_secret_value()
    return grant_from(request_token(settings, form))


def jwt_assertion(settings: SalesforceOAuth, *, now: float | None = None) -> str:
    """The RS256-signed assertion of the JWT bearer flow (iss, sub, aud, exp)."""
    if settings.private_key is None or not settings.client_id or not settings.username:
        raise ConfigurationError(
            "the JWT flow needs CRMSYNC_SALESFORCE_CLIENT_ID, CRMSYNC_SALESFORCE_USERNAME "
            "and CRMSYNC_SALESFORCE_JWT_KEY_FILE"
        )
    issued = time.time() if now is None else now
    audience = SANDBOX_LOGIN if "test.salesforce.com" in settings.login_url else PRODUCTION_LOGIN
    claims = {
        "iss": settings.client_id,
        "sub": settings.username,
        "aud": audience,
        "exp": int(issued) + JWT_LIFETIME_SECONDS,
    }
    try:
        return jwt.encode(claims, settings.private_key.get_secret_value(), algorithm="RS256")
    except (ValueError, TypeError, jwt.PyJWTError) as error:
        raise ConfigurationError(
            "CRMSYNC_SALESFORCE_JWT_KEY_FILE does not hold a PEM RSA private key"
        ) from error


def jwt_bearer_grant(settings: SalesforceOAuth) -> AccessGrant:
    """``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`` with a fresh assertion."""
    form = {
        "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "assertion": jwt_assertion(settings),
    }
    return grant_from(request_token(settings, form))


def client_credentials_grant(settings: SalesforceOAuth) -> AccessGrant:
    """``grant_type=client_credentials`` (HTTP Basic client id and secret)."""
    if not settings.client_id or settings.client_secret is None:
        raise ConfigurationError(
            "the client-credentials flow needs CRMSYNC_SALESFORCE_CLIENT_ID and "
            "CRMSYNC_SALESFORCE_CLIENT_SECRET"
        )
    return grant_from(
        request_token(
            settings,
            {"grant_type": "client_credentials"},
            auth=(settings.client_id, settings.client_secret.get_secret_value()),
        )
    )


def exchange_code(
    settings: SalesforceOAuth, *, code: str, redirect_uri: str, code_verifier: str
) -> Mapping[str, Any]:
    """The web-server flow's last step: the code (and PKCE verifier) for tokens."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier,
        "client_id": settings.client_id or "",
    }
    if settings.client_secret is not None:
        form["client_secret"] = settings.client_secret.get_secret_value()
    return request_token(settings, form)


def revoke(settings: SalesforceOAuth, token: SecretStr) -> None:
    """Revoke a refresh or access token (``/services/oauth2/revoke``)."""
    try:
        with token_session(settings) as session:
            session.post(
                f"{settings.login_url}/services/oauth2/revoke",
                data={"token": token.get_secret_value()},
                timeout=60,
            )
    except requests.RequestException as error:
        raise ConnectionLostError(f"no answer from Salesforce: {type(error).__name__}") from error


_GRANTS: Final = {
    "refresh_token": refresh_token_grant,
    "jwt": jwt_bearer_grant,
    "client_credentials": client_credentials_grant,
}


def salesforce_tokens(
    settings: SalesforceOAuth | Callable[[], SalesforceOAuth],
    *,
    flow: SalesforceFlow,
    listener: Listener | None = None,
    keep_refresh_token: Callable[[SecretStr], None] | None = None,
) -> RefreshingToken:
    """A self-renewing token source for ``flow``.

    ``settings`` may be a function, asked before each grant: a long-running ``crmsync
    run`` then picks up a refresh token saved by ``crmsync connect`` meanwhile. With
    refresh token rotation on, each refresh answers a new refresh token (the old one
    stops working): ``keep_refresh_token`` saves it.
    """
    grant = _GRANTS[flow]
    current = settings if callable(settings) else (lambda: settings)

    rotation = Rotation(keep_refresh_token)

    def fetch() -> AccessGrant:
        given = current()
        used = dataclasses.replace(given, refresh_token=rotation.newest(given.refresh_token))
        fetched = grant(used)
        rotation.note(fetched, used.refresh_token)
        return fetched

    return RefreshingToken(
        system=System.SALESFORCE,
        flow=flow,
        fetch=fetch,
        listener=listener,
        lifetime=ASSUMED_SESSION_LIFETIME,
    )
