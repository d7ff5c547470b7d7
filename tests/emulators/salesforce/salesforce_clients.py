"""simple-salesforce clients of the emulator, as the tests build them."""

from __future__ import annotations

from simple_salesforce import Salesforce

from crmsync.connectors.salesforce.loopback import loopback_session
from crmsync.emulators.common.server import BackgroundServer

TOKEN = "crmsync-sf-token"
PASSWORD = "crmsync-password"
INTEGRATION_USER = "integration@crmsync.example"
ADMIN_USER = "admin@crmsync.example"
PRODUCTION_URL = "https://crmsync.my.salesforce.com"
SANDBOX_URL = "https://crmsync--sandbox.sandbox.my.salesforce.com"


def connect(server: BackgroundServer, *, instance_url: str = PRODUCTION_URL) -> Salesforce:
    """simple-salesforce with the fixed token (the integration user)."""
    return Salesforce(
        instance_url=instance_url,
        session_id=TOKEN,
        session=loopback_session(server.url),
        version="62.0",
    )


def login(
    server: BackgroundServer, *, username: str = INTEGRATION_USER, domain: str = "login"
) -> Salesforce:
    """simple-salesforce logged in with the OAuth username-password flow."""
    return Salesforce(
        username=username,
        password=PASSWORD,
        consumer_key="crmsync-consumer-key",
        consumer_secret="crmsync-consumer-secret",
        domain=domain,
        session=loopback_session(server.url),
        version="62.0",
    )
