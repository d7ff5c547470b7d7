"""HubSpot OAuth apps: the code exchange, refresh tokens (access tokens last 30 minutes),
token metadata with its scopes, and the scopes each synced object needs.

Wire format (api-wire-facts B.1): ``POST /oauth/v1/token``, form-encoded, answers
``{"token_type", "refresh_token", "access_token", "expires_in"}``; refusals are 400
``{"status": "BAD_REFRESH_TOKEN", "message": ...}``. ``GET /oauth/v1/access-tokens/{t}``
names the hub, the user and the granted scopes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

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
from crmsync.errors import ConfigurationError

AUTHORIZE_URL: Final = "https://app.hubspot.com/oauth/authorize"
PRODUCTION_API: Final = "https://api.hubapi.com"

SCOPES_BY_OBJECT: Final[Mapping[str, tuple[str, ...]]] = {
    "contacts": (
        "crm.objects.contacts.read",
        "crm.objects.contacts.write",
        "crm.schemas.contacts.read",
        "crm.lists.read",
        "crm.objects.owners.read",
    ),
    "companies": (
        "crm.objects.companies.read",
        "crm.objects.companies.write",
        "crm.schemas.companies.read",
        # crmsync adds the unique company property ``salesforceaccountid`` itself.
        "crm.schemas.companies.write",
    ),
    "deals": (
        "crm.objects.deals.read",
        "crm.objects.deals.write",
        "crm.schemas.deals.read",
        # crmsync adds the unique deal property ``salesforceopportunityid`` itself.
        "crm.schemas.deals.write",
    ),
    # Engagements (calls, emails, meetings, notes, tasks) are read under the contacts
    # scopes, which contacts already need.
}
"""The granular scopes crmsync needs per synced HubSpot object (read, write, properties,
the inclusion list and owners for contacts)."""


def required_scopes(objects: Iterable[str]) -> tuple[str, ...]:
    """Every scope the enabled objects need, in a stable order, plus ``oauth``."""
    wanted: dict[str, None] = {"oauth": None}
    for name in objects:
        wanted.update(dict.fromkeys(SCOPES_BY_OBJECT.get(name, ())))
    return tuple(wanted)


def missing_scopes(granted: Iterable[str], *, objects: Iterable[str]) -> list[str]:
    """The scopes the enabled objects need that the token lacks, by name."""
    have = set(granted)
    return [scope for scope in required_scopes(objects) if scope not in have]


def authorize_url_base(api_url: str) -> str:
    """Where the browser approves the app: app.hubspot.com, or the emulator itself."""
    base = api_url.rstrip("/")
    return AUTHORIZE_URL if base == PRODUCTION_API else f"{base}/oauth/authorize"


@dataclass(frozen=True, kw_only=True)
class HubSpotOAuth:
    """An OAuth app's credentials and the portal's refresh token."""

    api_url: str
    client_id: str
    client_secret: SecretStr
    refresh_token: SecretStr | None = None


def _post_token(settings: HubSpotOAuth, form: Mapping[str, str]) -> Mapping[str, Any]:
    url = f"{settings.api_url.rstrip('/')}/oauth/v1/token"
    try:
        response = requests.post(url, data=dict(form), timeout=60)
    except requests.RequestException as error:
        raise ConnectionLostError(
            f"no answer from HubSpot's token endpoint: {type(error).__name__}"
        ) from error
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    if response.status_code == 200 and "access_token" in body:
        return body
    code = str(body.get("status") or response.status_code)
    detail = ApiErrorDetail(
        code=code, message=str(body.get("message") or ""), status=response.status_code
    )
    if response.status_code >= 500 or response.status_code == 429:
        failed = ServerError(f"HubSpot's token endpoint answered {response.status_code}")
        failed.detail = detail
        raise failed
    refused = ReconnectRequiredError(System.HUBSPOT, reason=f"{code}: {detail.message}")
    refused.detail = detail
    raise refused


def grant_from(body: Mapping[str, Any], *, now: datetime | None = None) -> AccessGrant:
    """The :class:`AccessGrant` of a token answer (``expires_in`` seconds from now)."""
    issued = now or datetime.now(UTC)
    return AccessGrant(
        access_token=SecretStr(str(body["access_token"])),
        expires_at=issued + timedelta(seconds=float(body.get("expires_in") or 1800)),
        refresh_token=SecretStr(str(body["refresh_token"])) if body.get("refresh_token") else None,
    )


def refresh_grant(settings: HubSpotOAuth) -> AccessGrant:
    """``grant_type=refresh_token``."""
    if settings.refresh_token is None:
        raise ConfigurationError(
            "set CRMSYNC_HUBSPOT_REFRESH_TOKEN (or run `crmsync connect hubspot`)"
        )
    return grant_from(
        _post_token(
            settings,
            {
                "grant_type": "refresh_token",
                "client_id": settings.client_id,
                "client_secret": settings.client_secret.get_secret_value(),
                "refresh_token": settings.refresh_token.get_secret_value(),
            },
        )
    )


def exchange_code(settings: HubSpotOAuth, *, code: str, redirect_uri: str) -> Mapping[str, Any]:
    """``grant_type=authorization_code``: the tokens for a code from the callback."""
    return _post_token(
        settings,
        {
            "grant_type": "authorization_code",
            "client_id": settings.client_id,
            "client_secret": settings.client_secret.get_secret_value(),
            "redirect_uri": redirect_uri,
            "code": code,
        },
    )


def token_info(api_url: str, token: SecretStr) -> Mapping[str, Any]:
    """``GET /oauth/v1/access-tokens/{token}``: hub, user, scopes and seconds left."""
    url = f"{api_url.rstrip('/')}/oauth/v1/access-tokens/{token.get_secret_value()}"
    try:
        response = requests.get(url, timeout=60)
    except requests.RequestException as error:
        # Not chained: the client's message holds the URL, and the URL holds the token.
        raise ConnectionLostError(f"no answer from HubSpot: {type(error).__name__}") from None
    if response.status_code != 200:
        raise ReconnectRequiredError(
            System.HUBSPOT,
            reason=f"HubSpot does not know the access token ({response.status_code})",
        )
    body = response.json()
    return body if isinstance(body, dict) else {}


def hubspot_tokens(
    settings: HubSpotOAuth | Callable[[], HubSpotOAuth],
    *,
    listener: Listener | None = None,
    keep_refresh_token: Callable[[SecretStr], None] | None = None,
) -> RefreshingToken:
    """A self-renewing token source on the refresh token (``settings`` asked per grant).

    A refresh answer carrying another refresh token replaces the stored one
    (``keep_refresh_token``).
    """
    current = settings if callable(settings) else (lambda: settings)

    rotation = Rotation(keep_refresh_token)

    def fetch() -> AccessGrant:
        given = current()
        used = dataclasses.replace(given, refresh_token=rotation.newest(given.refresh_token))
        fetched = refresh_grant(used)
        rotation.note(fetched, used.refresh_token)
        return fetched

    return RefreshingToken(
        system=System.HUBSPOT,
        flow="refresh_token",
        fetch=fetch,
        listener=listener,
    )
