"""The emulator's OAuth endpoints: authorize + PKCE, JWT bearer, client credentials,
revoke, the identity URL and session lifetime on the movable clock."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from crmsync.emulators.common.server import BackgroundServer
from crmsync.emulators.salesforce.control import SalesforceEmulatorControl
from tests.oauth_support import make_key_pair, pkce_pair

CALLBACK = "http://localhost:1717/OauthRedirect"
INTEGRATION = "integration@crmsync.example"


@pytest.fixture
def web(server: BackgroundServer) -> httpx.Client:
    with httpx.Client(base_url=server.url) as client:
        yield client


def _code(web: httpx.Client, *, challenge: str) -> str:
    answer = web.get(
        "/services/oauth2/authorize",
        params={
            "response_type": "code",
            "client_id": "app",
            "redirect_uri": CALLBACK,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "state": "s1",
        },
    )
    assert answer.status_code == 302
    location = urlsplit(answer.headers["location"])
    query = parse_qs(location.query)
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    assert query["state"] == ["s1"]
    return query["code"][0]


def _exchange(web: httpx.Client, code: str, verifier: str) -> httpx.Response:
    return web.post(
        "/services/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": "app",
            "client_secret": "shh",
            "redirect_uri": CALLBACK,
            "code_verifier": verifier,
        },
    )


def test_authorize_then_code_exchange_checks_the_pkce_verifier(
    web: httpx.Client, control: SalesforceEmulatorControl
) -> None:
    control.add_oauth_app(client_id="app", client_secret="shh", callback_urls=[CALLBACK])
    verifier, challenge = pkce_pair()

    wrong = _exchange(web, _code(web, challenge=challenge), "not-the-verifier")
    code = _code(web, challenge=challenge)
    right = _exchange(web, code, verifier)
    again = _exchange(web, code, verifier)

    assert wrong.status_code == 400
    assert wrong.json() == {"error": "invalid_grant", "error_description": "invalid code verifier"}
    assert right.status_code == 200, right.text
    body = right.json()
    assert body["refresh_token"] and body["access_token"].startswith("00D")
    assert again.json()["error"] == "invalid_grant"  # a code is used once


def test_identity_url_and_revoked_refresh_token(
    web: httpx.Client, control: SalesforceEmulatorControl
) -> None:
    control.add_oauth_app(client_id="app", client_secret="shh", callback_urls=[CALLBACK])
    verifier, challenge = pkce_pair()
    body = _exchange(web, _code(web, challenge=challenge), verifier).json()
    bearer = {"Authorization": f"Bearer {body['access_token']}"}

    identity = web.get(urlsplit(body["id"]).path, headers=bearer)
    refreshed = web.post(
        "/services/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"],
              "client_id": "app", "client_secret": "shh"},
    )  # fmt: skip
    revoked = web.post("/services/oauth2/revoke", data={"token": body["refresh_token"]})
    after = web.post(
        "/services/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"],
              "client_id": "app", "client_secret": "shh"},
    )  # fmt: skip
    session_after = web.get("/services/data/v59.0/limits", headers=bearer)

    assert identity.status_code == 200
    assert identity.json()["username"] == INTEGRATION
    assert refreshed.status_code == 200 and "refresh_token" not in refreshed.json()
    assert revoked.status_code == 200
    assert after.json() == {"error": "invalid_grant",
                            "error_description": "expired access/refresh token"}  # fmt: skip
    # Revoking a refresh token revokes the sessions issued from it.
    assert session_after.status_code == 401


def test_jwt_bearer_signature_is_checked_against_the_uploaded_certificate(
    web: httpx.Client, control: SalesforceEmulatorControl
) -> None:
    uploaded, other = make_key_pair(), make_key_pair()
    control.add_oauth_app(client_id="jwt-app", certificate=uploaded.certificate_pem)
    claims = {"iss": "jwt-app", "sub": INTEGRATION, "aud": "https://login.salesforce.com",
              "exp": int(time.time()) + 180}  # fmt: skip

    def grant(key: bytes) -> httpx.Response:
        assertion = jwt.encode(claims, key, algorithm="RS256")
        return web.post(
            "/services/oauth2/token",
            data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                  "assertion": assertion},
        )  # fmt: skip

    forged = grant(other.private_pem)
    signed = grant(uploaded.private_pem)

    assert forged.status_code == 400
    assert forged.json()["error"] == "invalid_grant"
    assert signed.status_code == 200, signed.text
    assert "refresh_token" not in signed.json() and "signature" not in signed.json()


def test_client_credentials_run_as_the_apps_user_and_need_the_secret(
    web: httpx.Client, control: SalesforceEmulatorControl
) -> None:
    control.add_oauth_app(client_id="cc", client_secret="cc-secret", run_as=INTEGRATION)

    refused = web.post("/services/oauth2/token", data={"grant_type": "client_credentials"},
                       auth=("cc", "wrong"))  # fmt: skip
    granted = web.post("/services/oauth2/token", data={"grant_type": "client_credentials"},
                       auth=("cc", "cc-secret"))  # fmt: skip
    userinfo = web.get(
        "/services/oauth2/userinfo",
        headers={"Authorization": f"Bearer {granted.json()['access_token']}"},
    )

    assert refused.json()["error"] == "invalid_client"
    assert userinfo.json()["preferred_username"] == INTEGRATION


def test_sessions_expire_by_the_emulator_clock(
    web: httpx.Client, control: SalesforceEmulatorControl
) -> None:
    control.add_oauth_app(client_id="cc", client_secret="cc-secret")
    control.set_session_lifetime(1800)
    access = web.post("/services/oauth2/token", data={"grant_type": "client_credentials"},
                      auth=("cc", "cc-secret")).json()["access_token"]  # fmt: skip
    bearer = {"Authorization": f"Bearer {access}"}

    before = web.get("/services/data/v59.0/limits", headers=bearer)
    control.advance_clock(seconds=1801)
    after = web.get("/services/data/v59.0/limits", headers=bearer)

    assert before.status_code == 200
    assert after.status_code == 401
    assert after.json() == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]
