"""An HTTP client for the dashboard that logs in and sends forms as its pages do."""

from __future__ import annotations

import re
from collections.abc import Mapping

import httpx

PASSWORD = "correct horse battery staple"
"""The dashboard password the tests configure (CRMSYNC_DASHBOARD_PASSWORD)."""

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(page: str) -> str:
    """The CSRF token in a rendered page's forms."""
    found = _TOKEN.search(page)
    assert found is not None, "no CSRF field on the page"
    return found.group(1)


class DashboardClient:
    """``httpx.Client`` plus the session's CSRF token, same-origin headers and login."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = httpx.Client(base_url=base_url, follow_redirects=True)
        self.token = ""

    def __enter__(self) -> DashboardClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def log_in(self, password: str = PASSWORD) -> httpx.Response:
        """Log in through the login form."""
        self.token = csrf_of(self.http.get("/login").text)
        response = self.post("/login", {"password": password})
        if response.status_code == 200:
            self.token = csrf_of(response.text)
        return response

    def get(self, path: str, **options: object) -> httpx.Response:
        """A GET with the session cookie."""
        return self.http.get(path, **options)  # type: ignore[arg-type]

    def post(self, path: str, fields: Mapping[str, str]) -> httpx.Response:
        """A form POST from the dashboard's own origin with the CSRF token."""
        return self.http.post(
            path,
            data={"csrf_token": self.token, **fields},
            headers={"Origin": self.base_url},
        )
