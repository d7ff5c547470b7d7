"""Reading the form the guard parsed, and redirecting with a message."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from fastapi.responses import RedirectResponse
from starlette.requests import Request


def form_of(request: Request) -> Mapping[str, str]:
    """The posted form (parsed and CSRF-checked by the guard middleware)."""
    form: Mapping[str, str] = getattr(request.state, "form", {})
    return form


def redirect_with(path: str, message: str) -> RedirectResponse:
    """A 303 to ``path`` showing ``message`` there."""
    separator = "&" if "?" in path else "?"
    return RedirectResponse(f"{path}{separator}{urlencode({'message': message})}", 303)
