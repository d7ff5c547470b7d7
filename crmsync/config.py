"""Configuration of a crmsync installation: a TOML file plus ``CRMSYNC_*`` variables.

Environment variables win over the file, so a deployment can keep secrets out of it::

    CRMSYNC_SALESFORCE_URL=https://login.salesforce.com
    CRMSYNC_SALESFORCE_TOKEN=...      # an access token (secret)
    CRMSYNC_HUBSPOT_URL=https://api.hubapi.com
    CRMSYNC_HUBSPOT_TOKEN=...         # a private-app token (secret)
    CRMSYNC_DATABASE_URL=sqlite:////srv/crmsync/crmsync.sqlite   # default: per-user data dir
    CRMSYNC_DASHBOARD_PASSWORD=...    # the dashboard's login (secret; generated if unset)
    CRMSYNC_DASHBOARD_ALLOWED_HOSTS=127.0.0.1,localhost   # Host headers it answers

The same keys, lower-case and without the prefix, go in ``crmsync.toml``.
Integration settings (inclusion list, create as lead/contact...) live in the state
store, not here: they are edited with ``crmsync settings set`` and kept with history.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from crmsync.errors import ConfigurationError
from crmsync.store.location import default_database_url

DEFAULT_CONFIG_FILE = Path("crmsync.toml")


class CrmsyncConfig(BaseSettings):
    """Where the two CRMs and the state store are, and how the sync runs."""

    # A misspelt key in the file (``salesforce_tokn``) is refused, never ignored.
    model_config = SettingsConfigDict(env_prefix="CRMSYNC_", extra="forbid")

    salesforce_url: str = "https://login.salesforce.com"
    salesforce_token: SecretStr | None = None
    salesforce_sandbox: bool = False
    # OAuth (docs/connecting.md): the flow follows from which keys are set, unless
    # salesforce_auth names it (token, refresh_token, jwt, client_credentials).
    salesforce_auth: Literal["token", "refresh_token", "jwt", "client_credentials"] | None = None
    salesforce_client_id: str | None = None
    salesforce_client_secret: SecretStr | None = None
    salesforce_refresh_token: SecretStr | None = None
    salesforce_jwt_key_file: Path | None = None
    salesforce_username: str | None = None
    salesforce_login_url: str | None = None
    hubspot_url: str = "https://api.hubapi.com"
    hubspot_token: SecretStr | None = None
    hubspot_client_id: str | None = None
    hubspot_client_secret: SecretStr | None = None
    hubspot_refresh_token: SecretStr | None = None
    secret_key: SecretStr | None = None
    """Fernet key for credentials stored in the state store (else a 0600 key file)."""
    # The per-user data directory, never the working directory (a store found by
    # accident elsewhere would silently start over with no links or cursors).
    database_url: str = Field(default_factory=default_database_url)
    interval_seconds: float = Field(default=900.0, gt=0)
    page_size: int = Field(default=1000, ge=1, le=2000)
    batch_size: int = Field(default=1000, ge=1)
    # Pruned after each run: the call log never below the 24 h the allocation counts.
    call_log_retention_hours: float = Field(default=24.0, ge=24.0)
    history_retention_days: float = Field(default=90.0, gt=0)
    dashboard_password: SecretStr | None = None
    dashboard_allowed_hosts: str = "127.0.0.1,localhost,[::1]"

    def allowed_hosts(self) -> list[str]:
        """The Host header values the dashboard answers (no port), from the comma list."""
        return [host.strip() for host in self.dashboard_allowed_hosts.split(",") if host.strip()]

    def require_credentials(self) -> tuple[SecretStr, SecretStr]:
        """Both tokens, or a :class:`ConfigurationError` naming what is missing."""
        missing = [
            name
            for name, value in (
                ("CRMSYNC_SALESFORCE_TOKEN", self.salesforce_token),
                ("CRMSYNC_HUBSPOT_TOKEN", self.hubspot_token),
            )
            # An empty variable (``CRMSYNC_HUBSPOT_TOKEN=``) is as good as unset.
            if value is None or not value.get_secret_value()
        ]
        if missing or self.salesforce_token is None or self.hubspot_token is None:
            raise ConfigurationError(
                f"set {' and '.join(missing)} (environment) or the same keys in crmsync.toml"
            )
        return self.salesforce_token, self.hubspot_token


def load_config(path: Path | None = None, **overrides: Any) -> CrmsyncConfig:
    """The configuration from ``path`` (default ``crmsync.toml`` if present) and the env.

    Every mistake is a :class:`ConfigurationError` naming the file, the key and what to
    change: a missing or unreadable file, a file that is not TOML, an unknown key (with
    the closest known one), a value of the wrong type or out of range.
    """
    chosen = path
    if chosen is None and DEFAULT_CONFIG_FILE.exists():
        chosen = DEFAULT_CONFIG_FILE
    if chosen is not None and not chosen.is_file():
        raise ConfigurationError(
            f"configuration file {chosen} does not exist: create it or pass --config PATH"
        )
    if chosen is not None:
        _check_toml(chosen)
    misspelt = misspelt_variables(os.environ)
    if misspelt:
        raise ConfigurationError("; ".join(misspelt))
    try:
        return _build(chosen, overrides)
    except ValidationError as error:
        raise ConfigurationError(describe_validation_error(error, source=chosen)) from None


def _build(toml_file: Path | None, overrides: dict[str, Any]) -> CrmsyncConfig:
    if toml_file is None:
        return CrmsyncConfig(**overrides)
    file = toml_file

    class _WithFile(CrmsyncConfig):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            # Explicit arguments, then the environment, then the file.
            return (
                init_settings,
                env_settings,
                TomlConfigSettingsSource(settings_cls, toml_file=file),
            )

    return _WithFile(**overrides)


def _check_toml(path: Path) -> None:
    """Refuse a file that cannot be read or is not TOML, saying where it breaks."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ConfigurationError(
            f"configuration file {path} cannot be read: {error.strerror or error}"
        ) from None
    try:
        tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigurationError(
            f"configuration file {path} is not UTF-8 text: save it as UTF-8"
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigurationError(f"configuration file {path} is not valid TOML: {error}") from None


KNOWN_KEYS: tuple[str, ...] = tuple(CrmsyncConfig.model_fields)
"""Every key the configuration file accepts."""


def closest_key(
    name: str, known: tuple[str, ...] = KNOWN_KEYS, *, cutoff: float = 0.6
) -> str | None:
    """The known key closest to a misspelt ``name``, if any is close enough."""
    found = difflib.get_close_matches(name.lower(), known, n=1, cutoff=cutoff)
    return found[0] if found else None


OWN_PREFIXES: tuple[str, ...] = ("CRMSYNC_HS_", "CRMSYNC_SF_")
"""Prefixes of the connectors' own settings (read by their config classes)."""


def misspelt_variables(environ: Mapping[str, str]) -> list[str]:
    """``CRMSYNC_*`` variables that are a near miss of a configuration key.

    Only near misses are refused (``CRMSYNC_BATCHSIZE``, ``CRMSYNC_SALESFORCE_TOKN``):
    other ``CRMSYNC_*`` variables belong to tests and tools and are left alone.
    """
    found: list[str] = []
    squeezed = {key.replace("_", ""): key for key in KNOWN_KEYS}
    for name in sorted(environ):
        if not name.startswith("CRMSYNC_") or name.startswith(OWN_PREFIXES):
            continue
        suffix = name.removeprefix("CRMSYNC_").lower()
        if suffix in KNOWN_KEYS:
            continue
        close = squeezed.get(suffix.replace("_", "")) or closest_key(suffix, cutoff=0.85)
        if close is not None:
            found.append(
                f"unknown environment variable {name}; did you mean CRMSYNC_{close.upper()}?"
            )
    return found


def describe_validation_error(error: ValidationError, *, source: Path | None) -> str:
    """One line naming the first wrong key, its value's problem and where it was set."""
    where = f"in {source}" if source is not None else "in the configuration"
    problems: list[str] = []
    for item in error.errors(include_url=False):
        key = ".".join(str(part) for part in item["loc"]) or "configuration"
        if item["type"] == "extra_forbidden":
            suggestion = closest_key(key)
            hint = f"; did you mean '{suggestion}'?" if suggestion else ""
            known = "" if suggestion else f" (known keys: {', '.join(KNOWN_KEYS)})"
            problems.append(f"unknown key '{key}' {where}{hint}{known}")
        else:
            env = f"CRMSYNC_{key.upper()}"
            fix = f"{source} or {env}" if source is not None else env
            value = _shown(item.get("input"), secret=key.endswith("token"))
            message = item["msg"][:1].lower() + item["msg"][1:]
            problems.append(f"{key} = {value}: {message} (fix it in {fix})")
    return "; ".join(problems)


def _shown(value: object, *, secret: bool) -> str:
    if secret:
        return "***"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
