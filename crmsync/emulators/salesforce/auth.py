"""Login endpoints: OAuth 2.0 token (password, refresh-token, client-credentials), userinfo,
and the SOAP ``login`` simple-salesforce uses with a security token.

Which org a login reaches follows the host the client called: ``test.salesforce.com`` (or a
sandbox My Domain) is the sandbox, anything else production. Over loopback that host
arrives in the ``X-Crmsync-Original-Host`` header.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from crmsync.emulators.salesforce.emulator import Emulator
from crmsync.emulators.salesforce.oauth import (
    JWT_BEARER,
    authorization_code_grant,
    check_client,
    client_credentials_user,
    jwt_bearer_grant,
    login_host,
    oauth_error,
    original_host,
)
from crmsync.emulators.salesforce.org import Org
from crmsync.emulators.salesforce.store import Row

__all__ = ["original_host", "soap_login", "token", "token_body", "userinfo"]

_SOAP_NS = {"env": "http://schemas.xmlsoap.org/soap/envelope/", "n1": "urn:partner.soap.sforce.com"}


def token_body(
    emulator: Emulator,
    org: Org,
    user: Row,
    *,
    refresh: bool = False,
    from_refresh_token: str | None = None,
    signed: bool = True,
) -> dict[str, Any]:
    """The token endpoint's success body (``refresh``: hand out a refresh token too)."""
    refresh_token = emulator.issue_refresh_token(org, str(user["Id"])) if refresh else None
    body = {
        "access_token": emulator.issue_session(
            org, str(user["Id"]), refresh_token=refresh_token or from_refresh_token
        ),
        "instance_url": f"https://{org.instance_host}",
        "id": f"https://{login_host(org)}/id/{org.org_id}/{user['Id']}",
        "token_type": "Bearer",
        "issued_at": str(int(org.now().timestamp() * 1000)),
        "scope": "api refresh_token id" if refresh else "api id",
    }
    if signed:
        # JWT bearer answers carry no signature (api-wire-facts A.1).
        body["signature"] = base64.b64encode(secrets.token_bytes(32)).decode()
    if refresh_token is not None:
        body["refresh_token"] = refresh_token
    return body


def _basic_client(request: Request, fields: dict[str, str]) -> None:
    """Client id and secret sent as HTTP Basic (as simple-salesforce does) go in ``fields``."""
    basic = request.headers.get("authorization", "")
    if basic.lower().startswith("basic "):
        decoded = base64.b64decode(basic[6:]).decode(errors="replace")
        client_id, _, secret = decoded.partition(":")
        fields.setdefault("client_id", client_id)
        fields.setdefault("client_secret", secret)


async def token(request: Request) -> Response:
    """``POST /services/oauth2/token``."""
    emulator: Emulator = request.app.state.emulator
    form = await request.form()
    fields = {key: str(value) for key, value in form.items()}
    _basic_client(request, fields)
    grant = fields.get("grant_type", "")
    org = emulator.orgs[emulator.org_for_host(original_host(request))]
    client_id, client_secret = fields.get("client_id"), fields.get("client_secret")
    if grant == "password":
        checked = check_client(emulator, client_id, client_secret, need_secret=False)
        if isinstance(checked, JSONResponse):
            return checked
        user = org.check_password(fields.get("username", ""), fields.get("password", ""))
        if user is None:
            return oauth_error("invalid_grant", "authentication failure")
        return JSONResponse(token_body(emulator, org, user))
    if grant == "authorization_code":
        granted = authorization_code_grant(emulator, fields)
        if isinstance(granted, JSONResponse):
            return granted
        code_org, code_user = granted
        return JSONResponse(token_body(emulator, code_org, code_user, refresh=True))
    if grant == "refresh_token":
        checked = None
        if client_id is not None:
            checked = check_client(emulator, client_id, client_secret, need_secret=False)
            if isinstance(checked, JSONResponse):
                return checked
        refresh_token = fields.get("refresh_token", "")
        session = emulator.refresh_tokens.get(refresh_token)
        if session is None:
            return oauth_error("invalid_grant", "expired access/refresh token")
        session_org = emulator.orgs[session.org]
        found = session_org.store.get(session.user_id)
        if found is None or not found[1].get("IsActive"):
            return oauth_error("inactive_user", "user is inactive")
        if checked is not None and checked.rotate_refresh_tokens:
            # Refresh token rotation: a new refresh token each time, the old one dies.
            emulator.refresh_tokens.pop(refresh_token, None)
            return JSONResponse(token_body(emulator, session_org, found[1], refresh=True))
        return JSONResponse(
            token_body(emulator, session_org, found[1], from_refresh_token=refresh_token)
        )
    if grant == JWT_BEARER:
        asserted = jwt_bearer_grant(emulator, org, fields.get("assertion", ""))
        if isinstance(asserted, JSONResponse):
            return asserted
        return JSONResponse(token_body(emulator, org, asserted, signed=False))
    if grant == "client_credentials":
        checked = check_client(emulator, client_id, client_secret, need_secret=True)
        if isinstance(checked, JSONResponse):
            return checked
        if checked is not None and not checked.client_secret:
            return oauth_error("invalid_client", "invalid client credentials")
        user = client_credentials_user(emulator, org, checked)
        if user is None or not user.get("IsActive"):
            return oauth_error("invalid_grant", "no client credentials user enabled")
        return JSONResponse(token_body(emulator, org, user))
    return oauth_error("unsupported_grant_type", "grant type not supported")


async def userinfo(request: Request) -> Response:
    """``GET /services/oauth2/userinfo``: the OpenID Connect view of the caller."""
    emulator: Emulator = request.app.state.emulator
    header = request.headers.get("authorization", "")
    access = header.split(" ", 1)[1] if " " in header else ""
    found = emulator.authenticate(access, original_host=original_host(request))
    if found is None:
        return PlainTextResponse("Bad_OAuth_Token", status_code=403)
    org, caller = found
    user = org.store.get(caller.user_id)
    assert user is not None
    row = user[1]
    return JSONResponse({
        "sub": f"https://{login_host(org)}/id/{org.org_id}/{row['Id']}",
        "user_id": row["Id"], "organization_id": org.org_id,
        "preferred_username": row["Username"], "nickname": row["Alias"],
        "name": row["Name"], "email": row["Email"], "email_verified": True,
        "given_name": row["FirstName"], "family_name": row["LastName"],
        "active": row["IsActive"], "user_type": "STANDARD", "language": "en_US",
        "locale": "en_US", "utcOffset": 0, "is_app_installed": True,
        "urls": {"rest": f"https://{org.instance_host}/services/data/v{{version}}/"},
    })  # fmt: skip


def _soap_fault(code: str, message: str) -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
        'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:sf="urn:fault.partner.soap.sforce.com"><soapenv:Body><soapenv:Fault>'
        f"<faultcode>sf:{code}</faultcode><faultstring>{code}: {message}</faultstring>"
        f'<detail><sf:LoginFault xsi:type="sf:LoginFault" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<sf:exceptionCode>{code}</sf:exceptionCode>"
        f"<sf:exceptionMessage>{message}</sf:exceptionMessage></sf:LoginFault></detail>"
        "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )
    return Response(body, status_code=500, media_type="text/xml")


async def soap_login(request: Request) -> Response:
    """``POST /services/Soap/u/{version}``: the partner ``login`` call."""
    emulator: Emulator = request.app.state.emulator
    version = request.path_params["version"]
    try:
        envelope = ET.fromstring(await request.body())
    except ET.ParseError:
        return _soap_fault("INVALID_LOGIN", "Invalid username, password, security token; or "
                           "user locked out.")  # fmt: skip
    username = envelope.findtext(".//n1:username", default="", namespaces=_SOAP_NS)
    password = envelope.findtext(".//n1:password", default="", namespaces=_SOAP_NS)
    org = emulator.orgs[emulator.org_for_host(original_host(request))]
    user = org.check_password(username, password)
    if user is None:
        return _soap_fault(
            "INVALID_LOGIN", "Invalid username, password, security token; or user locked out."
        )
    session_id = emulator.issue_session(org, str(user["Id"]))
    server = f"https://{org.instance_host}/services/Soap/u/{version}/{org.org_id[:15]}"
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
        'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns="urn:partner.soap.sforce.com" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><loginResponse>'
        f"<result><metadataServerUrl>https://{org.instance_host}/services/Soap/m/{version}/"
        f"{org.org_id[:15]}</metadataServerUrl><passwordExpired>false</passwordExpired>"
        f"<sandbox>{'true' if org.kind == 'sandbox' else 'false'}</sandbox>"
        f"<serverUrl>{server}</serverUrl><sessionId>{session_id}</sessionId>"
        f"<userId>{user['Id']}</userId><userInfo><organizationId>{org.org_id}"
        f"</organizationId><userEmail>{escape(str(user['Email']))}</userEmail>"
        f"<userFullName>{escape(str(user['Name']))}</userFullName><userId>{user['Id']}"
        f"</userId><userName>{escape(str(user['Username']))}</userName></userInfo></result>"
        "</loginResponse></soapenv:Body></soapenv:Envelope>"
    )
    return Response(body, media_type="text/xml")
