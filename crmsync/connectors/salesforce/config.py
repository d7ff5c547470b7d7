"""Settings of the Salesforce adapter (secrets typed as secrets, redacted in ``repr``)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from crmsync.connectors.transport_security import require_secure_url
from crmsync.errors import ConfigurationError


class SalesforceConfig(BaseSettings):
    """How to reach one Salesforce org.

    Either ``access_token`` (an OAuth access token / session id, used as is) or the
    OAuth username-password flow (``username``, ``password``, ``consumer_key``,
    ``consumer_secret``; ``sandbox`` picks test.salesforce.com, R6). An
    ``instance_url`` starting with ``http://`` is a local emulator, reached through
    :func:`crmsync.connectors.salesforce.loopback.loopback_session`; plain http to any
    host but loopback is refused (:mod:`crmsync.connectors.transport_security`).
    """

    model_config = SettingsConfigDict(env_prefix="CRMSYNC_SF_", extra="ignore")

    instance_url: str = "https://login.salesforce.com"
    access_token: SecretStr | None = None
    username: str | None = None
    password: SecretStr | None = None
    consumer_key: str | None = None
    consumer_secret: SecretStr | None = None
    sandbox: bool = False
    oauth_flow: str | None = None
    """An OAuth flow whose token source the connector is given (no token here then)."""
    instance_from_token: bool = False
    """``instance_url`` is only a login host: calls go to the instance the grant names."""
    api_version: str = "59.0"
    overlap_seconds: float = Field(default=120.0, ge=0)
    bulk_threshold: int = Field(default=20_000, ge=1)
    bulk_poll_seconds: float = Field(default=2.0, ge=0)
    bulk_timeout_seconds: float = Field(default=1800.0, gt=0)
    timeout_seconds: float = Field(default=60.0, gt=0)

    @model_validator(mode="after")
    def _one_way_to_log_in(self) -> SalesforceConfig:
        oauth = (self.username, self.password, self.consumer_key, self.consumer_secret)
        if self.oauth_flow is not None:
            return self
        if self.access_token is None and any(part is None for part in oauth):
            raise ValueError(
                "set access_token, or username, password, consumer_key and consumer_secret"
            )
        return self

    @model_validator(mode="after")
    def _token_never_in_clear(self) -> SalesforceConfig:
        # ConfigurationError is not a ValueError: pydantic lets it through as it is.
        require_secure_url(self.instance_url, setting="the Salesforce URL")
        return self

    @property
    def overlap(self) -> timedelta:
        """How far each change read reaches back before the newest change seen."""
        return timedelta(seconds=self.overlap_seconds)

    @property
    def is_loopback(self) -> bool:
        """True when ``instance_url`` names a plain-HTTP emulator."""
        return urlsplit(self.instance_url).scheme == "http"

    @property
    def instance_host(self) -> str:
        """``host[:port]`` of the instance URL."""
        host = urlsplit(self.instance_url).netloc
        if not host:
            raise ConfigurationError(f"instance_url has no host: {self.instance_url!r}")
        return host
