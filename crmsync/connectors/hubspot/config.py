"""Settings of the HubSpot adapter (the token is a secret, redacted in ``repr``)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from crmsync.connectors.transport_security import require_secure_url


class HubSpotConfig(BaseSettings):
    """How to reach one HubSpot account: a private-app or OAuth access token.

    ``base_url`` is ``https://api.hubapi.com`` in production and the emulator's
    ``http://127.0.0.1:PORT`` in tests (hubspot-api-client takes any host); plain http
    to any other host is refused.
    """

    model_config = SettingsConfigDict(env_prefix="CRMSYNC_HS_", extra="ignore")

    base_url: str = "https://api.hubapi.com"
    access_token: SecretStr | None = None
    """A private-app token; None when an OAuth token source is given to the connector."""
    overlap_seconds: float = Field(default=120.0, ge=0)
    search_page_size: int = Field(default=200, ge=1, le=200)
    search_per_second: float = Field(default=5.0, ge=0)
    """The account's search limit; searches are spaced to stay under it (0: no pacing)."""
    timeout_seconds: float = Field(default=60.0, gt=0)

    @model_validator(mode="after")
    def _token_never_in_clear(self) -> HubSpotConfig:
        # Plain http only to an emulator on loopback; ConfigurationError passes pydantic.
        require_secure_url(self.base_url, setting="the HubSpot URL")
        return self

    @property
    def overlap(self) -> timedelta:
        """How far each change read reaches back before the newest change seen.

        HubSpot's search index lags writes by seconds, so a record can appear in search
        after records modified later than it; the overlap re-reads that window.
        """
        return timedelta(seconds=self.overlap_seconds)

    @property
    def host(self) -> str:
        """``base_url`` without a trailing slash."""
        return self.base_url.rstrip("/")
