"""The browser half of an OAuth authorization-code flow: PKCE, the authorize URL, and a
one-shot HTTP server on loopback that receives the code.

``crmsync connect`` prints (and, with ``--open``, opens) the URL; the CRM sends the
browser back to ``http://localhost:PORT/PATH?code=...&state=...``; the server answers
one page, hands the code over and stops. The ``state`` is checked, so a stray or
forged redirect is refused.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Final
from urllib.parse import parse_qs, urlencode, urlsplit

from crmsync.errors import ConfigurationError

CALLBACK_HOST: Final = "localhost"
DEFAULT_PORT: Final = 1717
"""The port the Salesforce CLI uses too (``http://localhost:1717/OauthRedirect``)."""

_PAGE: Final = (
    b"<!doctype html><title>crmsync</title><p>crmsync is connected. You can close this tab.</p>"
)


@dataclass(frozen=True)
class Pkce:
    """A PKCE verifier and its S256 challenge (RFC 7636)."""

    verifier: str
    challenge: str

    @classmethod
    def new(cls) -> Pkce:
        """A fresh pair (a 64-character verifier)."""
        verifier = secrets.token_urlsafe(48)
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        return cls(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode())

    def __repr__(self) -> str:
        return "Pkce(<secret>)"


def authorize_url(base: str, **params: str) -> str:
    """``base`` with the query parameters of an authorization request."""
    return f"{base}?{urlencode(params)}"


@dataclass
class _Outcome:
    code: str | None = None
    error: str | None = None


class CallbackServer:
    """Receives one redirect on ``http://localhost:PORT/PATH``, then stops."""

    def __init__(self, *, port: int = DEFAULT_PORT, path: str = "/OauthRedirect") -> None:
        self.state = secrets.token_urlsafe(24)
        self._path = path
        self._outcome = _Outcome()
        self._done = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if url.path != server._path:
                    self.send_error(404)
                    return
                query = {key: values[0] for key, values in parse_qs(url.query).items()}
                if query.get("state") != server.state:
                    self.send_error(400, "state does not match")
                    return
                server._outcome = _Outcome(
                    code=query.get("code"),
                    error=query.get("error_description") or query.get("error"),
                )
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(_PAGE)
                server._done.set()

            def log_message(self, format: str, *args: object) -> None:
                # The query holds the code: nothing is logged.
                return

        try:
            self._http = HTTPServer(("127.0.0.1", port), Handler)
        except OSError as error:
            raise ConfigurationError(
                f"cannot listen on localhost:{port} for the OAuth callback ({error.strerror}); "
                "pick another with --callback-port (and register that callback URL)"
            ) from error
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    @property
    def redirect_uri(self) -> str:
        """The callback URL to register with the app and send in the request."""
        return f"http://{CALLBACK_HOST}:{self._http.server_address[1]}{self._path}"

    def __enter__(self) -> CallbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.shutdown()
        self._http.server_close()

    def wait_for_code(self, *, timeout: float) -> str:
        """The code the browser brought back (ConfigurationError when refused or late)."""
        if not self._done.wait(timeout):
            raise ConfigurationError(
                f"no answer from the browser within {timeout:.0f} s: open the URL and approve"
            )
        if self._outcome.code is None:
            raise ConfigurationError(f"authorization refused: {self._outcome.error or 'no code'}")
        return self._outcome.code
