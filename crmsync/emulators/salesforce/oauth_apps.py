"""Connected apps the emulator knows: client ids and secrets, callback URLs, the uploaded
certificate (JWT bearer flow), the user the client-credentials flow runs as and the user
the authorize endpoint approves for; plus the authorization codes it handed out.

Until a test registers an app, the token endpoint takes any ``client_id`` (the behaviour
the username-password flow always had in the emulator); once one is registered, only
registered clients are accepted and their secrets are checked.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

CODE_LIFETIME: Final = timedelta(minutes=15)
"""Salesforce's authorization codes are valid for 15 minutes."""


@dataclass(kw_only=True)
class OAuthApp:
    """One connected app (External Client App) as configured in Setup."""

    client_id: str
    client_secret: str | None = None
    callback_urls: tuple[str, ...] = ()
    public_key: RSAPublicKey | None = None
    run_as: str | None = None
    """Username the client-credentials flow runs as (None: the integration user)."""
    approve_as: str | None = None
    """Username the authorize endpoint logs in and approves as (None: the integration user)."""
    require_secret: bool = True
    """Whether the web-server and refresh-token flows need the client secret."""
    rotate_refresh_tokens: bool = False
    """Refresh token rotation: each refresh answers a new refresh token, the old one dies."""


@dataclass(frozen=True, kw_only=True)
class AuthorizationCode:
    """A code from ``/services/oauth2/authorize``, waiting to be exchanged once."""

    client_id: str
    redirect_uri: str
    code_challenge: str | None
    org: str
    user_id: str
    expires_at: datetime


@dataclass
class OAuthRegistry:
    """The apps and outstanding codes of one emulator process."""

    apps: dict[str, OAuthApp] = field(default_factory=dict)
    codes: dict[str, AuthorizationCode] = field(default_factory=dict)

    def register(self, body: dict[str, Any]) -> OAuthApp:
        """Add or replace an app from a hook body (``certificate``: PEM cert or public key)."""
        certificate = body.get("certificate")
        app = OAuthApp(
            client_id=str(body["client_id"]),
            client_secret=body.get("client_secret"),
            callback_urls=tuple(str(url) for url in body.get("callback_urls", ())),
            public_key=load_public_key(str(certificate)) if certificate else None,
            run_as=body.get("run_as"),
            approve_as=body.get("approve_as"),
            require_secret=bool(body.get("require_secret", True)),
            rotate_refresh_tokens=bool(body.get("rotate_refresh_tokens", False)),
        )
        self.apps[app.client_id] = app
        return app

    def issue_code(self, **values: Any) -> str:
        """A new one-use authorization code."""
        code = f"aPrx{secrets.token_urlsafe(40)}"
        self.codes[code] = AuthorizationCode(**values)
        return code

    def take_code(self, code: str) -> AuthorizationCode | None:
        """The code's grant, removed so it cannot be exchanged twice."""
        return self.codes.pop(code, None)

    def reset(self) -> None:
        """Forget apps and codes."""
        self.apps.clear()
        self.codes.clear()


def load_public_key(pem: str) -> RSAPublicKey:
    """The RSA public key of an X.509 certificate or a bare public key, both PEM."""
    data = pem.encode()
    if b"BEGIN CERTIFICATE" in data:
        key: Any = x509.load_pem_x509_certificate(data).public_key()
    else:
        key = load_pem_public_key(data)
    if not isinstance(key, RSAPublicKey):
        # A hook's bad input: the hook answers 400 for ValueError.
        raise ValueError(  # noqa: TRY004
            "the certificate must hold an RSA key (JWT bearer uses RS256)"
        )
    return key


def pkce_matches(*, verifier: str, challenge: str) -> bool:
    """True when ``BASE64URL(SHA256(verifier))`` equals ``challenge`` (RFC 7636, S256)."""
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return secrets.compare_digest(computed, challenge)
