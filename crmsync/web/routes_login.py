"""Log in and log out."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from crmsync.web.context import Dashboard
from crmsync.web.forms import form_of
from crmsync.web.security import LoginSetup, LoginThrottle, log_in, log_out, password_matches


def login_routes(
    dashboard: Dashboard, login: LoginSetup, *, throttle: LoginThrottle | None = None
) -> APIRouter:
    """``/login`` (form and check) and ``/logout``; wrong passwords are throttled."""
    router = APIRouter()
    guesses = throttle if throttle is not None else LoginThrottle()

    def form(request: Request, *, message: str | None, status_code: int = 200) -> Response:
        return dashboard.render(
            request,
            "login.html",
            {"message": message, "refused": status_code >= 400},
            status_code=status_code,
            objects=[],
        )

    @router.get("/login")
    def login_page(request: Request) -> Response:
        return form(request, message=None)

    @router.post("/login")
    def check(request: Request) -> Response:
        if guesses.blocked():
            return form(
                request,
                message="Too many wrong passwords: wait a few minutes and try again.",
                status_code=429,
            )
        password = form_of(request).get("password", "")
        if not password_matches(password, login.password_hash):
            guesses.failed()
            return form(request, message="That password is not right.", status_code=401)
        log_in(request)
        return RedirectResponse("/", status_code=303)

    @router.post("/logout")
    def logout(request: Request) -> Response:
        log_out(request)
        return RedirectResponse("/login", status_code=303)

    return router
