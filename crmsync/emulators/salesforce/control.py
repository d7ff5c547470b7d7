"""A typed client of the emulator's test hooks (``/__emulator__``), for tests and the demo."""

from __future__ import annotations

from typing import Any, Literal

import httpx

OrgName = Literal["production", "sandbox"]


class HookError(RuntimeError):
    """A hook refused its input (HTTP 400); ``detail`` is the hook's JSON answer."""

    def __init__(self, detail: Any) -> None:
        super().__init__(str(detail))
        self.detail = detail


class SalesforceEmulatorControl:
    """Drive a running Salesforce emulator's hooks: ``SalesforceEmulatorControl(base_url)``.

    ``org`` picks the org the calls act on (``production`` or ``sandbox``).
    """

    def __init__(self, base_url: str, *, org: OrgName = "production", timeout: float = 10) -> None:
        self._client = httpx.Client(base_url=base_url.rstrip("/") + "/__emulator__",
                                    timeout=timeout)  # fmt: skip
        self._org = org

    def for_org(self, org: OrgName) -> SalesforceEmulatorControl:
        """The same emulator, acting on another org."""
        return SalesforceEmulatorControl(str(self._client.base_url)[: -len("/__emulator__")],
                                         org=org)  # fmt: skip

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def __enter__(self) -> SalesforceEmulatorControl:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        response = self._client.request(method, path, params={"org": self._org}, json=body)
        if response.status_code >= 400:
            raise HookError(response.json())
        return response.json()

    def reset(self, *, only_this_org: bool = False) -> None:
        """Empty both orgs (or only this one), clear faults and sessions, reset the clock."""
        self._call("POST", "/reset", {"org": self._org} if only_this_org else {})

    def seed(self, data: dict[str, Any]) -> dict[str, str]:
        """Load seed data (see :mod:`crmsync.emulators.salesforce.seed`); returns ref → id."""
        refs: dict[str, dict[str, str]] = self._call("POST", "/seed", data)["refs"]
        return refs.get(self._org, {})

    def now(self) -> str:
        """The emulator clock (ISO 8601)."""
        return str(self._call("GET", "/clock")["now"])

    def advance_clock(self, *, seconds: float) -> str:
        """Move the clock forward."""
        return str(self._call("POST", "/clock", {"seconds": seconds})["now"])

    def add_fault(
        self,
        *,
        kind: Literal["status", "latency", "drop", "late"],
        status: int = 503,
        code: str = "",
        message: str = "",
        latency_ms: int = 0,
        count: int | None = None,
        rate: float = 0.0,
        path_contains: str = "",
        retry_after: int | None = None,
    ) -> None:
        """Inject a fault on the next ``count`` API calls or at ``rate``."""
        self._call("POST", "/faults", {
            "kind": kind, "status": status, "code": code, "message": message,
            "latency_ms": latency_ms, "count": count, "rate": rate,
            "path_contains": path_contains, "retry_after": retry_after,
        })  # fmt: skip

    def clear_faults(self) -> None:
        """Remove every fault."""
        self._call("POST", "/faults", {"clear": True})

    def convert_lead(
        self,
        lead_id: str,
        *,
        create_opportunity: bool = True,
        opportunity_name: str | None = None,
        account_id: str | None = None,
        contact_id: str | None = None,
    ) -> dict[str, str | None]:
        """Convert a lead; returns ``leadId``, ``accountId``, ``contactId``, ``opportunityId``."""
        result: dict[str, str | None] = self._call("POST", "/leads/convert", {
            "lead_id": lead_id, "create_opportunity": create_opportunity,
            "opportunity_name": opportunity_name, "account_id": account_id,
            "contact_id": contact_id,
        })  # fmt: skip
        return result

    def settings(self) -> dict[str, Any]:
        """The org's settings."""
        result: dict[str, Any] = self._call("GET", "/settings")
        return result

    def update_settings(self, **changes: Any) -> dict[str, Any]:
        """Change settings: ``picklist_mode``, ``custom_countries``, ``custom_states``,
        ``duplicate_rules``, ``validation_rules``, ``field_security``, ``object_access``,
        ``daily_api_cap``, ``query_batch_size``."""
        result: dict[str, Any] = self._call("PATCH", "/settings", changes)
        return result

    def add_field(self, *, object: str, name: str, type: str = "string", **spec: Any) -> None:
        """Add a custom field (``external_id``, ``unique``, ``length``, ``picklist_values``...)."""
        self._call("POST", "/fields", {"object": object, "name": name, "type": type, **spec})

    def add_user(self, *, username: str, last_name: str, first_name: str = "",
                 active: bool = True, email: str | None = None) -> str:  # fmt: skip
        """Create a user; returns its id."""
        return str(self._call("POST", "/users", {
            "username": username, "last_name": last_name, "first_name": first_name,
            "active": active, "email": email,
        })["id"])  # fmt: skip

    def usage(self) -> dict[str, int]:
        """``api_calls_total``, ``daily_used`` and ``daily_max``."""
        result: dict[str, int] = self._call("GET", "/usage")
        return result

    def expire_sessions(self) -> int:
        """Invalidate every issued access token (the fixed token stays valid)."""
        return int(self._call("POST", "/sessions/expire")["expired"])

    def refresh_token(self, username: str) -> str:
        """A refresh token for ``username``, usable with ``grant_type=refresh_token``."""
        return str(self._call("POST", "/oauth/refresh-token", {"username": username})[
            "refresh_token"])  # fmt: skip

    def add_oauth_app(
        self,
        *,
        client_id: str,
        client_secret: str | None = None,
        callback_urls: list[str] | None = None,
        certificate: str | None = None,
        run_as: str | None = None,
        approve_as: str | None = None,
        rotate_refresh_tokens: bool = False,
    ) -> None:
        """Register a connected app (``certificate``: PEM certificate or public key)."""
        self._call("POST", "/oauth/apps", {
            "client_id": client_id, "client_secret": client_secret,
            "callback_urls": callback_urls or [], "certificate": certificate,
            "run_as": run_as, "approve_as": approve_as,
            "rotate_refresh_tokens": rotate_refresh_tokens,
        })  # fmt: skip

    def set_session_lifetime(self, seconds: float | None) -> None:
        """Make sessions die ``seconds`` after issue on the emulator clock (None: never)."""
        self._call("POST", "/oauth/settings", {"session_lifetime_seconds": seconds})

    def org_info(self) -> dict[str, Any]:
        """``org_id``, ``instance_url``, ``integration_user_id`` and ``users``."""
        result: dict[str, Any] = self._call("GET", "/org")
        return result
