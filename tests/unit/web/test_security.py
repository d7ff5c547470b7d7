"""The dashboard refuses what it must: no session, foreign origins, missing CSRF tokens,
foreign Host headers; it sends security headers and publishes no API docs.

Real HTTP on loopback against the app as ``crmsync dashboard`` serves it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import httpx
import pytest
from pydantic import SecretStr

from crmsync.config import load_config
from crmsync.emulators.common.server import running
from crmsync.health.budget import ApiBudget
from crmsync.store import StateStore
from crmsync.store.dashboard_secrets import DashboardSecret
from crmsync.web.app import create_dashboard_app
from crmsync.web.security import PASSWORD_HASH, password_matches, prepare_login
from tests.dashboard_client import PASSWORD, DashboardClient, csrf_of


@pytest.fixture
def sqlite_url(tmp_path: object) -> str:
    return f"sqlite:///{tmp_path}/dashboard.sqlite"


@pytest.fixture
def app_url(sqlite_url: str) -> Iterator[str]:
    config = load_config(
        None,
        database_url=sqlite_url,
        salesforce_token=None,
        hubspot_token=None,
        dashboard_password=SecretStr(PASSWORD),
    )
    with running(create_dashboard_app(config=config)) as server:
        yield server.url


@pytest.fixture
def client(app_url: str) -> Iterator[DashboardClient]:
    with DashboardClient(app_url) as http:
        assert http.log_in().status_code == 200
        yield http


def _allocation(sqlite_url: str) -> int | None:
    store = StateStore.open(sqlite_url)
    try:
        return ApiBudget(store).allocation()
    finally:
        store.close()


@pytest.mark.parametrize("path", ["/", "/connection", "/objects/contacts", "/records", "/activity"])
def test_a_page_without_a_session_redirects_to_login(app_url: str, path: str) -> None:
    response = httpx.get(app_url + path)

    assert response.status_code == 303
    assert response.headers["location"] == "/login"


def test_the_health_json_without_a_session_is_401(app_url: str) -> None:
    assert httpx.get(app_url + "/api/health").status_code == 401


def test_a_state_change_without_a_session_changes_nothing(app_url: str, sqlite_url: str) -> None:
    with httpx.Client(base_url=app_url) as http:
        token = csrf_of(http.get("/login").text)  # an anonymous session's own token
        response = http.post(
            "/allocation",
            data={"csrf_token": token, "allocation": "5"},
            headers={"Origin": app_url},
        )
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert _allocation(sqlite_url) is None


def test_a_wrong_password_is_refused_and_the_right_one_logs_in(app_url: str) -> None:
    with DashboardClient(app_url) as http:
        refused = http.log_in("guess")
        assert refused.status_code == 401
        assert "not right" in refused.text
        assert http.get("/", follow_redirects=False).status_code == 303
        assert http.log_in().status_code == 200
        assert http.get("/", follow_redirects=False).status_code == 200


def test_the_session_cookie_is_httponly_and_samesite_lax(app_url: str) -> None:
    with httpx.Client(base_url=app_url) as http:
        response = http.get("/login")
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie  # plain http on loopback: a Secure cookie would never return


def test_the_session_cookie_is_secure_when_a_proxy_says_https(app_url: str) -> None:
    # uvicorn trusts X-Forwarded-Proto from loopback, where a reverse proxy runs.
    with httpx.Client(base_url=app_url) as http:
        response = http.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "; secure" in response.headers["set-cookie"].lower()


def test_logout_ends_the_session(client: DashboardClient) -> None:
    client.post("/logout", {})
    assert client.get("/", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Referer": "http://evil.example/page"},
        {},  # neither Origin nor Referer
    ],
)
def test_a_post_from_another_origin_is_refused_403(
    client: DashboardClient, sqlite_url: str, headers: dict[str, str]
) -> None:
    response = client.http.post(
        "/allocation",
        data={"csrf_token": client.token, "allocation": "7"},
        headers=headers,
    )
    assert response.status_code == 403
    assert _allocation(sqlite_url) is None


def test_a_post_with_a_same_origin_referer_and_no_origin_is_accepted(
    client: DashboardClient, sqlite_url: str
) -> None:
    response = client.http.post(
        "/allocation",
        data={"csrf_token": client.token, "allocation": "7"},
        headers={"Referer": client.base_url + "/"},
    )
    assert response.status_code == 200
    assert _allocation(sqlite_url) == 7


@pytest.mark.parametrize("token", [None, "", "forged"])
def test_a_post_without_the_csrf_token_is_refused_403(
    client: DashboardClient, sqlite_url: str, token: str | None
) -> None:
    fields = {"allocation": "9"} if token is None else {"allocation": "9", "csrf_token": token}
    response = client.http.post("/allocation", data=fields, headers={"Origin": client.base_url})
    assert response.status_code == 403
    assert _allocation(sqlite_url) is None


def test_every_state_changing_route_checks_origin_and_csrf(
    client: DashboardClient, sqlite_url: str
) -> None:
    config = load_config(None, database_url=sqlite_url, dashboard_password=SecretStr(PASSWORD))
    app = create_dashboard_app(config=config)
    posts = [
        path.replace("{name}", "contacts").replace("{salesforce_object}", "Lead")
        for path, methods in _routes(app.routes)
        if "POST" in methods
    ]
    assert len(posts) >= 8
    for path in posts:
        foreign = client.http.post(
            path, data={"csrf_token": client.token}, headers={"Origin": "http://evil.example"}
        )
        tokenless = client.http.post(path, data={}, headers={"Origin": client.base_url})
        assert (path, foreign.status_code, tokenless.status_code) == (path, 403, 403)


def _routes(routes: Sequence[object]) -> Iterator[tuple[str, set[str]]]:
    """Every (path, methods) of the app, included routers too."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _routes(included.routes)
        elif getattr(route, "methods", None):
            yield str(getattr(route, "path", "")), set(getattr(route, "methods", ()))


@pytest.mark.parametrize("host", ["evil.example", "rebind.attacker.test:8080", "10.0.0.8"])
def test_a_foreign_host_header_is_refused_400(app_url: str, host: str) -> None:
    for path in ("/login", "/api/health", "/"):
        response = httpx.get(app_url + path, headers={"Host": host})
        assert response.status_code == 400


def test_allowed_hosts_are_configurable(sqlite_url: str) -> None:
    config = load_config(
        None,
        database_url=sqlite_url,
        dashboard_password=SecretStr(PASSWORD),
        dashboard_allowed_hosts="crm.example.com",
    )
    with running(create_dashboard_app(config=config)) as server:
        assert httpx.get(server.url + "/login").status_code == 400
        named = httpx.get(server.url + "/login", headers={"Host": "crm.example.com"})
        assert named.status_code == 200


def test_every_answer_carries_the_security_headers(app_url: str) -> None:
    for response in (
        httpx.get(app_url + "/login"),
        httpx.get(app_url + "/"),
        httpx.get(app_url + "/static/crmsync.css"),
        httpx.get(app_url + "/", headers={"Host": "evil.example"}),
    ):
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"])
def test_no_api_docs_are_published(client: DashboardClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_a_generated_password_is_kept_only_as_a_hash(sqlite_url: str) -> None:
    store = StateStore.open(sqlite_url)
    try:
        first = prepare_login(store, configured=None)
        again = prepare_login(store, configured=None)
        with store.begin() as tx:
            kept = {row.name: row.value for row in tx.session.query(DashboardSecret)}
    finally:
        store.close()
    assert first.new_password is not None
    assert again.new_password is None  # printed once, at first start
    assert first.new_password not in kept.values()
    assert password_matches(first.new_password, kept[PASSWORD_HASH])
    assert first.session_key == again.session_key


def test_wrong_passwords_are_throttled_even_before_the_right_one(app_url: str) -> None:
    with DashboardClient(app_url) as http:
        answers = [http.log_in("guess").status_code for _ in range(10)]
        assert answers == [401] * 10
        refused = http.log_in()
    assert refused.status_code == 429
    assert "Too many wrong passwords" in refused.text
