"""Logging in: OAuth username-password, SOAP with a security token, refresh token, client
credentials, userinfo, production vs sandbox, invalid sessions."""

from __future__ import annotations

import pytest
import requests
from salesforce_clients import (
    ADMIN_USER,
    INTEGRATION_USER,
    PASSWORD,
    SANDBOX_URL,
    connect,
    login,
)
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceExpiredSession

from crmsync.connectors.salesforce.loopback import loopback_session
from crmsync.emulators.common.server import BackgroundServer
from crmsync.emulators.salesforce.control import SalesforceEmulatorControl


def test_password_login_reaches_production_and_sandbox_with_different_org_ids(
    server: BackgroundServer,
) -> None:
    production = login(server)
    sandbox = login(server, domain="test")
    assert production.sf_instance == "crmsync.my.salesforce.com"
    assert "sandbox" in sandbox.sf_instance
    production_org = production.oauth2("userinfo")["organization_id"]
    sandbox_org = sandbox.oauth2("userinfo")["organization_id"]
    assert production_org.startswith("00D")
    assert sandbox_org.startswith("00D")
    assert production_org != sandbox_org


def test_sandbox_and_production_keep_separate_data(server: BackgroundServer) -> None:
    production = login(server)
    sandbox = login(server, domain="test")
    production.Account.create({"Name": "Only in production"})
    assert production.query("SELECT COUNT() FROM Account")["totalSize"] == 1
    assert sandbox.query("SELECT COUNT() FROM Account")["totalSize"] == 0


def test_fixed_token_reaches_the_sandbox_through_a_sandbox_instance_url(
    server: BackgroundServer,
) -> None:
    sandbox = connect(server, instance_url=SANDBOX_URL)
    production = connect(server)
    assert (
        sandbox.oauth2("userinfo")["organization_id"]
        != production.oauth2("userinfo")["organization_id"]
    )


def test_soap_login_with_security_token(server: BackgroundServer) -> None:
    sf = Salesforce(
        username=INTEGRATION_USER,
        password=PASSWORD,
        security_token="crmsyncSecurityToken",
        session=loopback_session(server.url),
    )
    assert sf.sf_instance == "crmsync.my.salesforce.com"
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 0


def test_wrong_password_is_refused(server: BackgroundServer) -> None:
    with pytest.raises(SalesforceAuthenticationFailed) as raised:
        Salesforce(
            username=INTEGRATION_USER,
            password="wrong",
            consumer_key="k",
            consumer_secret="s",
            session=loopback_session(server.url),
        )
    assert raised.value.code == "invalid_grant"
    with pytest.raises(SalesforceAuthenticationFailed) as soap:
        Salesforce(
            username=INTEGRATION_USER,
            password="wrong",
            security_token="x",
            session=loopback_session(server.url),
        )
    assert soap.value.code == "INVALID_LOGIN"


def test_userinfo_names_the_logged_in_user_and_another_user_can_connect(
    server: BackgroundServer,
) -> None:
    integration = login(server).oauth2("userinfo")
    admin = login(server, username=ADMIN_USER).oauth2("userinfo")
    assert integration["preferred_username"] == INTEGRATION_USER
    assert admin["preferred_username"] == ADMIN_USER
    assert admin["user_id"].startswith("005")
    assert admin["user_id"] != integration["user_id"]
    assert admin["organization_id"] == integration["organization_id"]


def test_owner_defaults_to_the_calling_user(server: BackgroundServer) -> None:
    admin = login(server, username=ADMIN_USER)
    created = admin.Contact.create({"LastName": "Owned"})
    record = admin.Contact.get(created["id"])
    assert record["OwnerId"] == admin.oauth2("userinfo")["user_id"]
    assert record["CreatedById"] == record["OwnerId"]


def test_invalid_token_gets_401_invalid_session_id(server: BackgroundServer) -> None:
    sf = Salesforce(
        instance_url="https://crmsync.my.salesforce.com",
        session_id="not-a-token",
        session=loopback_session(server.url),
    )
    with pytest.raises(SalesforceExpiredSession) as raised:
        sf.query("SELECT Id FROM Contact")
    assert raised.value.content[0]["errorCode"] == "INVALID_SESSION_ID"


def test_expired_session_is_renewed_by_a_client_holding_credentials(
    server: BackgroundServer, control: SalesforceEmulatorControl
) -> None:
    sf = login(server)
    first = sf.session_id
    assert control.expire_sessions() >= 1
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 0
    assert sf.session_id != first


def _token(server: BackgroundServer, host: str, data: dict[str, str]) -> requests.Response:
    session = loopback_session(server.url)
    return session.post(f"https://{host}/services/oauth2/token", data=data)


def test_refresh_token_grant_issues_a_new_access_token(
    server: BackgroundServer, control: SalesforceEmulatorControl
) -> None:
    refresh = control.refresh_token(ADMIN_USER)
    answer = _token(
        server,
        "login.salesforce.com",
        {
            "grant_type": "refresh_token",
            "refresh_token": refresh,
            "client_id": "k",
            "client_secret": "s",
        },
    )
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) >= {"access_token", "instance_url", "id", "issued_at", "token_type"}
    bad = _token(
        server, "login.salesforce.com", {"grant_type": "refresh_token", "refresh_token": "nope"}
    )
    assert bad.status_code == 400
    assert bad.json()["error"] == "invalid_grant"


def test_client_credentials_run_as_the_integration_user(server: BackgroundServer) -> None:
    sf = Salesforce(
        consumer_key="crmsync-consumer-key",
        consumer_secret="crmsync-consumer-secret",
        domain="crmsync.my",
        session=loopback_session(server.url),
    )
    assert sf.oauth2("userinfo")["preferred_username"] == INTEGRATION_USER
