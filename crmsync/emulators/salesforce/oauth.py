"""OAuth 2.0 beyond the password flow: the authorize endpoint (auto-approving), the
authorization-code grant with PKCE, the JWT bearer grant, client checks, ``revoke`` and
the identity URL a token response names.

Wire shapes follow Salesforce's OAuth docs: errors are ``{"error", "error_description"}``
with HTTP 400; the authorize endpoint answers with a 302 to the callback carrying
``code`` and ``state`` (or ``error`` and ``error_description``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import urlencode

import jwt
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

from crmsync.emulators.salesforce.emulator import Emulator
from crmsync.emulators.salesforce.oauth_apps import CODE_LIFETIME, OAuthApp, pkce_matches
from crmsync.emulators.salesforce.org import Org
from crmsync.emulators.salesforce.store import Row

JWT_BEARER: Final = "urn:ietf:params:oauth:grant-type:jwt-bearer"
LOGIN_AUDIENCES: Final = ("https://login.salesforce.com", "https://test.salesforce.com")


def original_host(request: Request) -> str:
    """The host the client meant (loopback header first, then Host)."""
    return request.headers.get("x-crmsync-original-host") or request.headers.get("host", "")


def login_host(org: Org) -> str:
    """The login host that issues the org's identities."""
    return "test.salesforce.com" if org.kind == "sandbox" else "login.salesforce.com"


def oauth_error(error: str, description: str, status: int = 400) -> JSONResponse:
    """Salesforce's OAuth error body."""
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def check_client(
    emulator: Emulator, client_id: str | None, client_secret: str | None, *, need_secret: bool
) -> OAuthApp | JSONResponse | None:
    """The registered app, an error answer, or None (no apps registered: any client goes)."""
    apps = emulator.oauth.apps
    if not client_id:
        return oauth_error("invalid_client_id", "client identifier invalid")
    app = apps.get(client_id)
    if app is None:
        return oauth_error("invalid_client_id", "client identifier invalid") if apps else None
    checks_secret = app.client_secret is not None and bool(
        client_secret or (need_secret and app.require_secret)
    )
    if checks_secret and client_secret != app.client_secret:
        return oauth_error("invalid_client", "invalid client credentials")
    return app


def _user(org: Org, username: str | None) -> Row | None:
    if username is None:
        found = org.store.get(org.integration_user_id)
        return None if found is None else found[1]
    try:
        return org.user_by_username(username)
    except KeyError:
        return None


async def authorize(request: Request) -> Response:
    """``GET /services/oauth2/authorize``: log in as the app's approver and approve at once."""
    emulator: Emulator = request.app.state.emulator
    params = request.query_params
    client_id = params.get("client_id", "")
    redirect_uri = params.get("redirect_uri", "")
    app = emulator.oauth.apps.get(client_id)
    if app is None:
        return PlainTextResponse("error=invalid_client_id", status_code=400)
    if redirect_uri not in app.callback_urls:
        return PlainTextResponse("error=redirect_uri_mismatch", status_code=400)

    def back(**values: str) -> Response:
        state = params.get("state")
        query = {**values, **({"state": state} if state is not None else {})}
        return RedirectResponse(f"{redirect_uri}?{urlencode(query)}", status_code=302)

    if params.get("response_type") != "code":
        return back(error="unsupported_response_type", error_description="response type not "
                    "supported")  # fmt: skip
    challenge = params.get("code_challenge")
    if challenge is not None and params.get("code_challenge_method", "S256") != "S256":
        return back(error="invalid_request", error_description="unsupported code challenge "
                    "method")  # fmt: skip
    org = emulator.orgs[emulator.org_for_host(original_host(request))]
    user = _user(org, app.approve_as)
    if user is None or not user.get("IsActive"):
        return back(error="access_denied", error_description="end-user denied authorization")
    code = emulator.oauth.issue_code(
        client_id=client_id,
        redirect_uri=redirect_uri,
        code_challenge=challenge,
        org=org.kind,
        user_id=str(user["Id"]),
        expires_at=org.now() + CODE_LIFETIME,
    )
    return back(code=code)


def authorization_code_grant(
    emulator: Emulator, fields: dict[str, str]
) -> tuple[Org, Row] | JSONResponse:
    """``grant_type=authorization_code``: the code's org and user, or an error."""
    checked = check_client(
        emulator, fields.get("client_id"), fields.get("client_secret"), need_secret=True
    )
    if isinstance(checked, JSONResponse):
        return checked
    grant = emulator.oauth.take_code(fields.get("code", ""))
    org = emulator.orgs[grant.org] if grant is not None else None  # type: ignore[index]
    if grant is None or org is None or org.now() >= grant.expires_at:
        return oauth_error("invalid_grant", "invalid authorization code")
    if grant.client_id != fields.get("client_id"):
        return oauth_error("invalid_grant", "invalid authorization code")
    if grant.redirect_uri != fields.get("redirect_uri"):
        return oauth_error("redirect_uri_mismatch", "redirect_uri must match configuration")
    if grant.code_challenge is not None:
        verifier = fields.get("code_verifier")
        if not verifier or not pkce_matches(verifier=verifier, challenge=grant.code_challenge):
            return oauth_error("invalid_grant", "invalid code verifier")
    found = org.store.get(grant.user_id)
    if found is None or not found[1].get("IsActive"):
        return oauth_error("inactive_user", "user is inactive")
    return org, found[1]


def jwt_bearer_grant(emulator: Emulator, org: Org, assertion: str) -> Row | JSONResponse:
    """``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer``: the asserted user."""
    try:
        claims: dict[str, Any] = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError:
        return oauth_error("invalid_grant", "invalid assertion")
    app = emulator.oauth.apps.get(str(claims.get("iss", "")))
    if app is None:
        return oauth_error("invalid_client_id", "client identifier invalid")
    if app.public_key is None:
        return oauth_error("invalid_client", "no certificate uploaded for this client")
    try:
        # The expiry is checked against the emulator's clock below, not the wall clock.
        jwt.decode(
            assertion,
            key=app.public_key,
            algorithms=["RS256"],
            options={"verify_exp": False, "verify_aud": False},
        )
    except jwt.PyJWTError:
        return oauth_error("invalid_grant", "invalid assertion")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if not any(str(aud).rstrip("/") in LOGIN_AUDIENCES for aud in audiences):
        return oauth_error("invalid_grant", "audience is invalid")
    try:
        expires = datetime.fromtimestamp(float(claims["exp"]), tz=UTC)
    except (KeyError, TypeError, ValueError):
        return oauth_error("invalid_grant", "invalid assertion")
    if org.now() >= expires:
        return oauth_error("invalid_grant", "expired authorization code")
    user = _user(org, str(claims.get("sub", "")))
    if user is None:
        return oauth_error("invalid_grant", "user hasn't approved this consumer")
    if not user.get("IsActive"):
        return oauth_error("inactive_user", "user is inactive")
    return user


def client_credentials_user(emulator: Emulator, org: Org, app: OAuthApp | None) -> Row | None:
    """The user a client-credentials token runs as (the app's run-as user)."""
    return _user(org, app.run_as if app is not None else None)


async def revoke(request: Request) -> Response:
    """``POST /services/oauth2/revoke`` (or GET ``?token=``): an access or refresh token."""
    emulator: Emulator = request.app.state.emulator
    if request.method == "POST":
        form = await request.form()
        token = str(form.get("token", ""))
    else:
        token = request.query_params.get("token", "")
    if not emulator.revoke(token):
        return oauth_error("unsupported_token_type", "this token type is not supported")
    return Response(status_code=200)


async def identity(request: Request) -> Response:
    """``GET /id/{org_id}/{user_id}``: the identity URL of a token response."""
    emulator: Emulator = request.app.state.emulator
    header = request.headers.get("authorization", "")
    access = header.split(" ", 1)[1] if " " in header else ""
    found = emulator.authenticate(access, original_host=original_host(request))
    if found is None:
        return PlainTextResponse("Bad_OAuth_Token", status_code=403)
    org, _caller = found
    if request.path_params["org_id"] != org.org_id:
        return PlainTextResponse("Bad_Id", status_code=403)
    user = org.store.get(request.path_params["user_id"])
    if user is None:
        return PlainTextResponse("Bad_Id", status_code=404)
    row = user[1]
    base = f"https://{org.instance_host}/services"
    return JSONResponse({
        "id": f"https://{login_host(org)}/id/{org.org_id}/{row['Id']}",
        "asserted_user": True, "user_id": row["Id"], "organization_id": org.org_id,
        "username": row["Username"], "nick_name": row["Alias"], "display_name": row["Name"],
        "email": row["Email"], "email_verified": True, "first_name": row["FirstName"],
        "last_name": row["LastName"], "timezone": "GMT", "active": row["IsActive"],
        "user_type": "STANDARD", "language": "en_US", "locale": "en_US", "utcOffset": 0,
        "urls": {
            "rest": f"{base}/data/v{{version}}/",
            "sobjects": f"{base}/data/v{{version}}/sobjects/",
            "query": f"{base}/data/v{{version}}/query/",
        },
        "is_app_installed": True,
    })  # fmt: skip
