"""Point simple-salesforce at a plain-HTTP emulator on loopback.

simple-salesforce always builds ``https://`` URLs and logs in at
``https://{domain}.salesforce.com``. A :class:`requests` transport adapter mounted on
``https://`` rewrites every URL to the emulator's base URL and keeps the path and query,
so every flow (session id, username-password OAuth, sandbox via ``domain="test"``) works
with the unmodified client.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter


class LoopbackAdapter(HTTPAdapter):
    """Rewrite ``https://any-host/path`` to ``http://127.0.0.1:PORT/path``.

    The original host is kept in the ``X-Crmsync-Original-Host`` header so the
    emulator can tell ``test.salesforce.com`` (sandbox) from ``login.salesforce.com``.
    """

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        parts = urlsplit(base_url)
        self._scheme = parts.scheme or "http"
        self._netloc = parts.netloc

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        url = urlsplit(request.url or "")
        request.headers["X-Crmsync-Original-Host"] = url.netloc
        request.url = urlunsplit((self._scheme, self._netloc, url.path, url.query, url.fragment))
        return super().send(request, **kwargs)


def loopback_session(base_url: str, *, session: requests.Session | None = None) -> requests.Session:
    """A :class:`requests.Session` whose ``https://`` calls go to ``base_url``.

    Pass ``session`` to mount the rewrite on an existing session (for instance one
    that reports every call to the API budget) instead of a new one.
    """
    session = session if session is not None else requests.Session()
    session.mount("https://", LoopbackAdapter(base_url))
    return session
