"""A typed client for the emulator's test hooks, for tests, benchmarks and the demo."""

from __future__ import annotations

from typing import Any

import httpx

from crmsync.emulators.hubspot.control import PREFIX


class HubSpotEmulatorControl:
    """Drives ``/__emulator__/...`` of a running HubSpot emulator."""

    def __init__(self, base_url: str, *, timeout: float = 10.0) -> None:
        self._http = httpx.Client(base_url=base_url.rstrip("/") + PREFIX, timeout=timeout)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def __enter__(self) -> HubSpotEmulatorControl:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _post(self, hook: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        answer = self._http.post(f"/{hook}", json=body or {})
        answer.raise_for_status()
        result: dict[str, Any] = answer.json()
        return result

    def reset(self) -> None:
        """Empty the account (standard definitions stay)."""
        self._post("reset")

    def seed(self, document: dict[str, Any]) -> dict[str, int]:
        """Load seed data: records per object type, associations, lists, properties."""
        return {k: int(v) for k, v in self._post("seed", document).items()}

    def advance_clock(self, *, seconds: float) -> str:
        """Move the emulator's clock forward; returns the new time (ISO)."""
        return str(self._post("clock", {"advance_seconds": seconds})["now"])

    def now(self) -> str:
        """The emulator's current time (ISO)."""
        return str(self._post("clock")["now"])

    def inject_fault(
        self,
        *,
        kind: str,
        status: int = 503,
        count: int | None = None,
        rate: float = 0.0,
        latency_ms: int = 0,
        path_contains: str = "",
        retry_after: int | None = None,
        code: str = "",
        message: str = "",
    ) -> None:
        """Add a fault: ``status``, ``latency`` or ``drop``, for the next N calls or a rate."""
        self._post(
            "faults",
            {
                "kind": kind,
                "status": status,
                "count": count,
                "rate": rate,
                "latency_ms": latency_ms,
                "path_contains": path_contains,
                "retry_after": retry_after,
                "code": code,
                "message": message,
            },
        )

    def clear_faults(self) -> None:
        """Remove every fault."""
        self._post("faults", {"clear": True})

    def set_limits(
        self,
        *,
        tier: str | None = None,
        ten_secondly: int | None = None,
        daily: int | None = None,
        search_per_second: int | None = None,
    ) -> dict[str, Any]:
        """Choose a tier (free, starter, professional, enterprise, api_limit_increase,
        unlimited) and optionally override its numbers; counting restarts."""
        body = {
            "tier": tier,
            "ten_secondly": ten_secondly,
            "daily": daily,
            "search_per_second": search_per_second,
        }
        return self._post("limits", {k: v for k, v in body.items() if v is not None})

    def set_behaviour(
        self,
        *,
        search_lag_seconds: float | None = None,
        lifecycle_backwards: bool | None = None,
        batch_read_all_missing_404: bool | None = None,
        filter_limits: dict[str, int] | None = None,
    ) -> dict[str, Any]:
        """Switch search lag, backwards lifecycle moves, and the like."""
        body = {
            "search_lag_seconds": search_lag_seconds,
            "lifecycle_backwards": lifecycle_backwards,
            "batch_read_all_missing_404": batch_read_all_missing_404,
            "filter_limits": filter_limits,
        }
        return self._post("settings", {k: v for k, v in body.items() if v is not None})

    def configure_webhooks(
        self,
        *,
        target_url: str | None = None,
        app_secret: str | None = None,
        subscriptions: list[dict[str, Any]] | None = None,
        backoff_seconds: float | None = None,
        max_attempts: int | None = None,
    ) -> dict[str, Any]:
        """Set the delivery target/secret and add subscriptions; returns delivery stats."""
        body = {
            "target_url": target_url,
            "app_secret": app_secret,
            "subscriptions": subscriptions,
            "backoff_seconds": backoff_seconds,
            "max_attempts": max_attempts,
        }
        return self._post("webhooks", {k: v for k, v in body.items() if v is not None})

    def webhook_stats(self) -> dict[str, Any]:
        """Delivery counters and whether the queue is empty."""
        return self._post("webhooks")

    def add_token(self, token: str, *, scopes: list[str] | None) -> None:
        """Accept another bearer token; ``scopes`` None grants everything."""
        self._post("tokens", {"token": token, "scopes": scopes})

    def call_count(self, *, reset: bool = False) -> int:
        """API calls served so far (hooks excluded)."""
        return int(self._post("calls", {"reset": reset})["total"])

    def portal_id(self) -> int:
        """The account's portal (hub) id."""
        return int(self._post("account")["portal_id"])

    def add_oauth_app(
        self,
        *,
        client_id: str,
        client_secret: str,
        redirect_uris: list[str],
        scopes: list[str] | None = None,
        access_token_seconds: float | None = None,
    ) -> None:
        """Install an OAuth app; ``scopes`` are what the user grants (None: all it asks)."""
        body: dict[str, Any] = {
            "client_id": client_id,
            "client_secret": client_secret,
            "redirect_uris": redirect_uris,
            "scopes": scopes,
        }
        if access_token_seconds is not None:
            body["access_token_seconds"] = access_token_seconds
        self._post("oauth", body)
