"""The dashboard's guard: login, signed sessions, CSRF, Host allowlist, security headers.

The dashboard changes what the integration does (allocation, settings, mappings,
retries), so nothing but the login page answers without a session, and no other site
can make a logged-in browser change anything:

- **Login.** One password: ``CRMSYNC_DASHBOARD_PASSWORD`` when configured, otherwise one
  generated at first start, printed once on the terminal that started the dashboard,
  and kept only as a scrypt hash in the store.
- **Sessions** are cookies signed with a key kept in the store (Starlette's
  ``SessionMiddleware`` over itsdangerous): ``HttpOnly``, ``SameSite=Lax``, and
  ``Secure`` when the request came over https (directly, or through a proxy that says
  so in ``X-Forwarded-Proto``).
- **CSRF.** Every state-changing request must come from this origin (``Origin``, or
  ``Referer`` when a browser sends no ``Origin``) and carry the session's CSRF token
  as the form field ``csrf_token``; otherwise 403.
- **Hosts.** Only allowlisted ``Host`` headers are answered (loopback by default), so a
  DNS-rebinding page cannot read the health report; otherwise 400.
- **Headers.** A strict Content-Security-Policy (no inline script or style),
  ``X-Frame-Options: DENY``, ``X-Content-Type-Options: nosniff``, no referrer leaks.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from pydantic import SecretStr
from starlette.datastructures import MutableHeaders
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crmsync.store import StateStore
from crmsync.store.dashboard_secrets import keep_secret, read_secret

PASSWORD_HASH = "login.password_hash"
SESSION_KEY = "login.session_key"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC_PATHS = frozenset({"/login"})
PUBLIC_PREFIXES = ("/static/",)
MAX_FORM_BYTES = 1_000_000

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """A scrypt hash of ``password`` as ``scrypt$<salt>$<digest>`` (base64)."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, **_SCRYPT)
    encode = base64.urlsafe_b64encode
    return f"scrypt${encode(salt).decode()}${encode(digest).decode()}"


def password_matches(password: str, stored: str) -> bool:
    """True when ``password`` hashes to ``stored`` (constant-time comparison)."""
    scheme, _, rest = stored.partition("$")
    salt_text, _, digest_text = rest.partition("$")
    if scheme != "scrypt" or not salt_text or not digest_text:
        return False
    salt = base64.urlsafe_b64decode(salt_text)
    return hmac.compare_digest(hash_password(password, salt=salt), stored)


@dataclass(frozen=True, kw_only=True)
class LoginSetup:
    """What the dashboard checks passwords against and signs sessions with.

    ``new_password`` is set only on the start that generated the password: the caller
    prints it once; it is never stored.
    """

    password_hash: str
    session_key: str
    new_password: str | None = None
    configured: bool = False


def prepare_login(store: StateStore, *, configured: SecretStr | None) -> LoginSetup:
    """The login of this installation, creating it at first start.

    A configured password (``CRMSYNC_DASHBOARD_PASSWORD``) always wins. Without one, the
    stored hash is used, or a new password is generated and only its hash kept.
    """
    session_key = keep_secret(store, SESSION_KEY, secrets.token_urlsafe(32))
    if configured is not None and configured.get_secret_value():
        return LoginSetup(
            password_hash=hash_password(configured.get_secret_value()),
            session_key=session_key,
            configured=True,
        )
    stored = read_secret(store, PASSWORD_HASH)
    if stored is not None:
        return LoginSetup(password_hash=stored, session_key=session_key)
    password = secrets.token_urlsafe(12)
    kept = keep_secret(store, PASSWORD_HASH, hash_password(password))
    # Another dashboard may have generated one a moment earlier: then that one stands.
    fresh = password if password_matches(password, kept) else None
    return LoginSetup(password_hash=kept, session_key=session_key, new_password=fresh)


def csrf_token(request: Request) -> str:
    """The session's CSRF token (created on first use), for a hidden form field."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def log_in(request: Request) -> None:
    """Start a fresh session for the administrator (a new CSRF token too)."""
    request.session.clear()
    request.session["user"] = "admin"
    csrf_token(request)


def log_out(request: Request) -> None:
    """End the session."""
    request.session.clear()


def is_logged_in(request: Request) -> bool:
    """True when the request carries a signed session of a logged-in user."""
    return request.session.get("user") == "admin"


@dataclass
class LoginThrottle:
    """At most ``attempts`` wrong passwords per ``window_seconds``, for the whole dashboard.

    One password guards everything, so guesses are limited globally, not per address
    (behind a proxy every request comes from the same address anyway).
    """

    attempts: int = 10
    window_seconds: float = 300.0
    _failures: list[float] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def blocked(self) -> bool:
        """True while the window holds ``attempts`` failures."""
        with self._lock:
            self._forget_old()
            return len(self._failures) >= self.attempts

    def failed(self) -> None:
        """Count one wrong password."""
        with self._lock:
            self._failures.append(time.monotonic())

    def _forget_old(self) -> None:
        cutoff = time.monotonic() - self.window_seconds
        self._failures[:] = [at for at in self._failures if at > cutoff]


class FormError(ValueError):
    """A form body that cannot be read (not UTF-8, not form-encoded, too large)."""


def parse_form(body: bytes) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body as its first value per name."""
    if len(body) > MAX_FORM_BYTES:
        raise FormError("The form is too large.")
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError as error:
        raise FormError("The form was not sent as UTF-8 text.") from error
    form: dict[str, str] = {}
    for key, value in pairs:
        form.setdefault(key, value)
    return form


def same_origin(request: Request) -> bool:
    """True when ``Origin`` (or, without it, ``Referer``) names this very site."""
    expected = f"{request.url.scheme}://{request.headers.get('host', '')}".lower()
    origin = request.headers.get("origin")
    if origin is not None:
        return origin.lower() == expected
    referer = request.headers.get("referer")
    if referer is None:
        return False
    parts = urlsplit(referer)
    return f"{parts.scheme}://{parts.netloc}".lower() == expected


class GuardMiddleware(BaseHTTPMiddleware):
    """Login required, same origin and CSRF token on every state-changing request.

    The parsed form is left in ``request.state.form`` for the handler.
    """

    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        """Refuse what must be refused; pass the rest on."""
        path = request.url.path
        if request.method not in SAFE_METHODS:
            if not same_origin(request):
                return PlainTextResponse(
                    "Refused: this request did not come from the dashboard's own pages.", 403
                )
            content_type = request.headers.get("content-type", "").split(";")[0].strip()
            form: dict[str, str] = {}
            # Anything but the dashboard's own forms carries no token and is refused below.
            if content_type == "application/x-www-form-urlencoded":
                try:
                    form = parse_form(await request.body())
                except FormError as error:
                    return PlainTextResponse(str(error), 400)
            expected = request.session.get("csrf")
            sent = form.get(CSRF_FIELD, "")
            if not isinstance(expected, str) or not hmac.compare_digest(expected, sent):
                return PlainTextResponse(
                    "Refused: the form's security token is missing or out of date. "
                    "Reload the page and try again.",
                    403,
                )
            request.state.form = form
        public = path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)
        if not public and not is_logged_in(request):
            if path.startswith("/api/"):
                return JSONResponse({"detail": "log in first"}, status_code=401)
            return RedirectResponse("/login", status_code=303)
        return await call_next(request)


class SecureSessions:
    """Signed-cookie sessions whose cookie is ``Secure`` whenever the request is https."""

    def __init__(self, app: ASGIApp, *, secret_key: str) -> None:
        options = {"session_cookie": "crmsync_session", "same_site": "lax", "max_age": 43_200}
        self._plain = SessionMiddleware(app, secret_key=secret_key, **options)  # type: ignore[arg-type]
        self._https = SessionMiddleware(
            app,
            secret_key=secret_key,
            https_only=True,
            **options,  # type: ignore[arg-type]
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hand the request to the session layer matching its scheme."""
        chosen = self._https if scope.get("scheme") in ("https", "wss") else self._plain
        await chosen(scope, receive, send)


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every response (refusals included)."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to the response start."""
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self._app(scope, receive, with_headers)


def login_instructions(login: LoginSetup) -> str:
    """One line telling the operator how to log in (the new password, shown this once)."""
    if login.new_password is not None:
        return (
            f"Log in with the password {login.new_password} (shown this once; only its hash "
            "is kept). Set CRMSYNC_DASHBOARD_PASSWORD to choose your own."
        )
    if login.configured:
        return "Log in with the password in CRMSYNC_DASHBOARD_PASSWORD."
    return (
        "Log in with the password printed when the dashboard first started "
        "(or set CRMSYNC_DASHBOARD_PASSWORD)."
    )
