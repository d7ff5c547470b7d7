"""Login endpoints: OAuth 2.0 token (password, refresh-token, client-credentials), userinfo,
and the SOAP ``login`` simple-salesforce uses with a security token.

Which org a login reaches follows the host the client called: ``test.salesforce.com`` (or a
sandbox My Domain) is the sandbox, anything else production. Over loopback that host
arrives in the ``X-Crmsync-Original-Host`` header.
"""

from __future__ import annotations

import base64
import secrets
import time
from typing import Any
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from crmsync.emulators.salesforce.emulator import Emulator
from crmsync.emulators.salesforce.org import Org
from crmsync.emulators.salesforce.store import Row

_SOAP_NS = {"env": "http://schemas.xmlsoap.org/soap/envelope/", "n1": "urn:partner.soap.sforce.com"}


def original_host(request: Request) -> str:
    """The host the client meant (loopback header first, then Host)."""
    return request.headers.get("x-crmsync-original-host") or request.headers.get("host", "")


def _login_host(org: Org) -> str:
    return "test.salesforce.com" if org.kind == "sandbox" else "login.salesforce.com"


def _oauth_error(error: str, description: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def token_body(emulator: Emulator, org: Org, user: Row, *, refresh: bool = False) -> dict[str, Any]:
    """The token endpoint's success body."""
    body = {
        "access_token": emulator.issue_session(org, str(user["Id"])),
        "instance_url": f"https://{org.instance_host}",
        "id": f"https://{_login_host(org)}/id/{org.org_id}/{user['Id']}",
        "token_type": "Bearer",
        "issued_at": str(int(time.time() * 1000)),
        "signature": base64.b64encode(secrets.token_bytes(32)).decode(),
        "scope": "api refresh_token full",
    }
    if refresh:
        body["refresh_token"] = emulator.issue_refresh_token(org, str(user["Id"]))
    return body


async def token(request: Request) -> Response:
    """``POST /services/oauth2/token``."""
    emulator: Emulator = request.app.state.emulator
    form = await request.form()
    fields = {key: str(value) for key, value in form.items()}
    grant = fields.get("grant_type", "")
    org = emulator.orgs[emulator.org_for_host(original_host(request))]
    if grant == "password":
        if not fields.get("client_id"):
            return _oauth_error("invalid_client_id", "client identifier invalid")
        user = org.check_password(fields.get("username", ""), fields.get("password", ""))
        if user is None:
            return _oauth_error("invalid_grant", "authentication failure")
        return JSONResponse(token_body(emulator, org, user))
    if grant == "refresh_token":
        session = emulator.refresh_tokens.get(fields.get("refresh_token", ""))
        if session is None:
            return _oauth_error("invalid_grant", "expired access/refresh token")
        session_org = emulator.orgs[session.org]
        found = session_org.store.get(session.user_id)
        if found is None or not found[1].get("IsActive"):
            return _oauth_error("inactive_user", "user is inactive")
        return JSONResponse(token_body(emulator, session_org, found[1]))
    if grant == "client_credentials":
        client_id = fields.get("client_id")
        basic = request.headers.get("authorization", "")
        if not client_id and basic.lower().startswith("basic "):
            decoded = base64.b64decode(basic[6:]).decode(errors="replace")
            client_id = decoded.partition(":")[0]
        if not client_id:
            return _oauth_error("invalid_client", "invalid client credentials")
        integration = org.store.get(org.integration_user_id)
        assert integration is not None
        return JSONResponse(token_body(emulator, org, integration[1]))
    return _oauth_error("unsupported_grant_type", "grant type not supported")


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
        "sub": f"https://{_login_host(org)}/id/{org.org_id}/{row['Id']}",
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
