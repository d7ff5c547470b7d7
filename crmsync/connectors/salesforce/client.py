"""Construct the official simple-salesforce client on an observed session."""

from __future__ import annotations

from typing import Any, Final

from simple_salesforce.api import Salesforce

from crmsync.connectors.base import CallObserver
from crmsync.connectors.oauth import TokenSource
from crmsync.connectors.salesforce.config import SalesforceConfig
from crmsync.connectors.salesforce.loopback import loopback_session
from crmsync.connectors.salesforce.transport import ObservedSession


def build_session(
    config: SalesforceConfig, *, observer: CallObserver, tokens: TokenSource | None = None
) -> ObservedSession:
    """The session every call goes through (rewritten to the emulator when http://)."""
    session = ObservedSession(
        observer=observer,
        timeout=config.timeout_seconds,
        tokens=tokens,
        instance_host=config.instance_host if config.instance_from_token else None,
    )
    if config.is_loopback:
        loopback_session(config.instance_url, session=session)
    return session


def build_client(config: SalesforceConfig, *, session: ObservedSession) -> Salesforce:
    """A :class:`simple_salesforce.Salesforce` logged in per ``config``.

    With an access token no call is made here; the username-password flow logs in
    (one observed call) at login.salesforce.com, or test.salesforce.com for a sandbox.
    """
    common: dict[str, Any] = {
        "session": session,
        "version": config.api_version,
        # Plain dicts: records are handed on as ordinary mappings.
        "object_pairs_hook": dict,
    }
    if config.access_token is not None or config.oauth_flow is not None:
        instance_url = f"https://{_token_host(config)}"
        return Salesforce(
            instance_url=instance_url,
            # With an OAuth flow the session sets each call's token from its source.
            session_id=config.access_token.get_secret_value() if config.access_token else "",
            **common,
        )
    assert config.password is not None and config.consumer_secret is not None
    return Salesforce(
        username=config.username,
        password=config.password.get_secret_value(),
        consumer_key=config.consumer_key,
        consumer_secret=config.consumer_secret.get_secret_value(),
        domain="test" if config.sandbox else "login",
        **common,
    )


def _token_host(config: SalesforceConfig) -> str:
    """The host a token-authenticated client calls.

    A real org's instance URL already names its org. The emulator serves both orgs on
    one port and tells them apart by the host the client meant (the loopback header),
    so a sandbox connection there calls ``test.salesforce.com`` (R6).
    """
    if config.is_loopback and config.sandbox:
        return SANDBOX_LOGIN_HOST
    return config.instance_host


SANDBOX_LOGIN_HOST: Final = "test.salesforce.com"


__all__ = ["build_client", "build_session"]
