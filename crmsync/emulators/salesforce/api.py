"""The REST API's internal request model and router.

HTTP requests under ``/services/data/vNN.N/`` and the subrequests of ``/composite`` go
through the same :class:`Router`, so a composite subrequest behaves exactly like the call
it stands for. Handlers are plain functions ``(ctx, request, match) -> ApiResponse``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crmsync.emulators.salesforce.errors import ApiError, json_parser_error, not_found
from crmsync.emulators.salesforce.org import Caller, Org
from crmsync.emulators.salesforce.records import MultipleMatchesError, Records

if TYPE_CHECKING:
    from crmsync.emulators.salesforce.emulator import Emulator


@dataclass(kw_only=True)
class ApiRequest:
    """One REST call: ``path`` is relative to ``/services/data/vNN.N/`` (no leading slash)."""

    method: str
    path: str
    params: Mapping[str, str]
    headers: Mapping[str, str]
    raw_body: bytes = b""
    parsed_body: Any = None
    has_parsed_body: bool = False

    def json(self) -> Any:
        """The JSON body (JSON_PARSER_ERROR when it does not parse)."""
        if self.has_parsed_body:
            return self.parsed_body
        if not self.raw_body.strip():
            raise json_parser_error("No content to map due to end-of-input")
        try:
            value = json.loads(self.raw_body)
        except (ValueError, UnicodeDecodeError) as error:
            raise json_parser_error(f"Unexpected character: {error}") from None
        self.parsed_body, self.has_parsed_body = value, True
        return value

    def json_object(self) -> dict[str, Any]:
        """The JSON body, which must be an object."""
        body = self.json()
        if not isinstance(body, dict):
            raise json_parser_error(
                "Cannot deserialize instance of SObject out of START_ARRAY token"
            )
        return body


@dataclass(kw_only=True)
class ApiResponse:
    """A handler's answer: JSON ``body`` (None for no content) or ``raw`` text."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: str | None = None
    media_type: str = "application/json"


@dataclass(kw_only=True)
class ApiContext:
    """What a handler works with: the emulator, the org, the caller and the API version."""

    emulator: Emulator
    org: Org
    caller: Caller
    api_version: str
    records: Records


Handler = Callable[[ApiContext, ApiRequest, "re.Match[str]"], ApiResponse]


class Router:
    """Method + path-regex dispatch; paths are matched case-sensitively except objects."""

    def __init__(self) -> None:
        self._routes: list[tuple[frozenset[str], re.Pattern[str], Handler]] = []

    def route(self, pattern: str, *methods: str) -> Callable[[Handler], Handler]:
        """Register a handler for ``pattern`` (a full-match regex, trailing slash optional)."""
        compiled = re.compile(f"{pattern}/?")

        def register(handler: Handler) -> Handler:
            self._routes.append((frozenset(methods), compiled, handler))
            return handler

        return register

    def dispatch(self, ctx: ApiContext, request: ApiRequest) -> ApiResponse:
        """Run the matching handler; ApiError becomes an error response."""
        try:
            return self._dispatch(ctx, request)
        except ApiError as error:
            return error_response(error, ctx.api_version)

    def _dispatch(self, ctx: ApiContext, request: ApiRequest) -> ApiResponse:
        path_matched = False
        for methods, pattern, handler in self._routes:
            match = pattern.fullmatch(request.path)
            if match is None:
                continue
            path_matched = True
            if request.method in methods:
                return handler(ctx, request, match)
        if path_matched:
            raise ApiError.single(
                "METHOD_NOT_ALLOWED",
                f"HTTP Method '{request.method}' not allowed. Allowed are "
                + ",".join(sorted({m for ms, p, _h in self._routes if p.fullmatch(request.path)
                                   for m in ms})),
                status=405,
            )  # fmt: skip
        raise not_found()


def error_response(error: ApiError, api_version: str) -> ApiResponse:
    """The response of a refused request."""
    if isinstance(error, MultipleMatchesError):
        return ApiResponse(status=300, body=error.urls(api_version))
    return ApiResponse(status=error.status, body=error.body(), headers=dict(error.headers))


ROUTER = Router()
