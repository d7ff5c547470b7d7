"""The emulator's OAuth endpoints: code and refresh grants, token metadata with scopes,
access tokens expiring by the emulator clock, refresh tokens revoked."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

from crmsync.emulators.common.server import BackgroundServer
from crmsync.emulators.hubspot.control_client import HubSpotEmulatorControl

CALLBACK = "http://localhost:1718/callback"


def _connect(server: BackgroundServer, emulator: HubSpotEmulatorControl) -> dict[str, object]:
    emulator.add_oauth_app(
        client_id="hs-app", client_secret="hs-secret", redirect_uris=[CALLBACK],
        scopes=["crm.objects.contacts.read", "oauth"],
    )  # fmt: skip
    redirect = httpx.get(
        f"{server.url}/oauth/authorize",
        params={"client_id": "hs-app", "redirect_uri": CALLBACK, "state": "x",
                "scope": "crm.objects.contacts.read crm.objects.contacts.write oauth"},
    )  # fmt: skip
    assert redirect.status_code == 302
    code = parse_qs(urlsplit(redirect.headers["location"]).query)["code"][0]
    answer = httpx.post(
        f"{server.url}/oauth/v1/token",
        data={"grant_type": "authorization_code", "client_id": "hs-app",
              "client_secret": "hs-secret", "redirect_uri": CALLBACK, "code": code},
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


def test_code_grant_gives_a_30_minute_token_with_the_granted_scopes(
    hubspot_server: BackgroundServer, emulator: HubSpotEmulatorControl
) -> None:
    body = _connect(hubspot_server, emulator)

    info = httpx.get(f"{hubspot_server.url}/oauth/v1/access-tokens/{body['access_token']}")

    assert body["token_type"] == "bearer" and body["expires_in"] == 1800
    assert info.json()["scopes"] == ["crm.objects.contacts.read", "oauth"]
    assert info.json()["hub_id"] == emulator.portal_id()


def test_access_token_expires_by_the_emulator_clock_and_refresh_gives_a_new_one(
    hubspot_server: BackgroundServer, emulator: HubSpotEmulatorControl
) -> None:
    body = _connect(hubspot_server, emulator)
    url = f"{hubspot_server.url}/crm/v3/objects/contacts"

    fresh = httpx.get(url, headers={"Authorization": f"Bearer {body['access_token']}"})
    emulator.advance_clock(seconds=1801)
    stale = httpx.get(url, headers={"Authorization": f"Bearer {body['access_token']}"})
    refreshed = httpx.post(
        f"{hubspot_server.url}/oauth/v1/token",
        data={"grant_type": "refresh_token", "client_id": "hs-app",
              "client_secret": "hs-secret", "refresh_token": body["refresh_token"]},
    ).json()  # fmt: skip
    again = httpx.get(url, headers={"Authorization": f"Bearer {refreshed['access_token']}"})

    assert fresh.status_code == 200
    assert stale.status_code == 401
    assert stale.json()["category"] == "EXPIRED_AUTHENTICATION"
    assert again.status_code == 200


def test_a_revoked_refresh_token_is_refused(
    hubspot_server: BackgroundServer, emulator: HubSpotEmulatorControl
) -> None:
    body = _connect(hubspot_server, emulator)

    deleted = httpx.delete(f"{hubspot_server.url}/oauth/v1/refresh-tokens/{body['refresh_token']}")
    refused = httpx.post(
        f"{hubspot_server.url}/oauth/v1/token",
        data={"grant_type": "refresh_token", "client_id": "hs-app",
              "client_secret": "hs-secret", "refresh_token": body["refresh_token"]},
    )  # fmt: skip

    assert deleted.status_code == 204
    assert refused.status_code == 400
    assert refused.json()["status"] == "BAD_REFRESH_TOKEN"
