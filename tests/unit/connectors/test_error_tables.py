"""Error translation tables of both adapters (status/code → what the engine does next)."""

from __future__ import annotations

import pytest
import requests
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
)

from crmsync.connectors.base import System
from crmsync.connectors.errors import (
    ApiBudgetExhaustedError,
    AuthenticationError,
    ConflictError,
    ConnectionLostError,
    InvalidRequestError,
    PermissionDeniedError,
    RateLimitedError,
    SchemaMismatchError,
    ServerError,
    ServiceUnavailableError,
)
from crmsync.connectors.hubspot.errors import error_detail, row_error, translate_response
from crmsync.connectors.salesforce.errors import record_errors, translate
from crmsync.core.errors_table import classify as classify_card
from crmsync.errors import BudgetExhaustedError, ConfigurationError, CrmsyncError, RetriableError

URL = "https://x.my.salesforce.com/services/data/v59.0/query/"


def sf_body(code: str, message: str = "m") -> list[dict[str, object]]:
    return [{"errorCode": code, "message": message}]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            SalesforceExpiredSession(URL, 401, "q", sf_body("INVALID_SESSION_ID")),
            AuthenticationError,
        ),
        (
            SalesforceRefusedRequest(URL, 403, "q", sf_body("REQUEST_LIMIT_EXCEEDED")),
            ApiBudgetExhaustedError,
        ),
        (
            SalesforceRefusedRequest(URL, 403, "q", sf_body("INSUFFICIENT_ACCESS_OR_READONLY")),
            PermissionDeniedError,
        ),
        (SalesforceMalformedRequest(URL, 400, "q", sf_body("INVALID_FIELD")), SchemaMismatchError),
        (
            SalesforceMalformedRequest(URL, 400, "q", sf_body("MALFORMED_QUERY")),
            InvalidRequestError,
        ),
        (
            SalesforceGeneralError(URL, 503, "q", sf_body("SERVER_UNAVAILABLE")),
            ServiceUnavailableError,
        ),
        (SalesforceGeneralError(URL, 500, "q", "oops"), ServerError),
        (requests.ConnectionError("reset"), ConnectionLostError),
    ],
)
def test_salesforce_table(error: Exception, expected: type[CrmsyncError]) -> None:
    translated = translate(error, retry_after=3.0)
    assert type(translated) is expected


def test_salesforce_limit_exceeded_defers_and_keeps_the_api_code() -> None:
    error = translate(
        SalesforceRefusedRequest(
            URL, 403, "q", sf_body("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
        )
    )
    assert isinstance(error, BudgetExhaustedError)
    assert isinstance(error, ApiBudgetExhaustedError)
    assert error.detail is not None
    assert (error.detail.code, error.detail.message) == (
        "REQUEST_LIMIT_EXCEEDED",
        "TotalRequests Limit exceeded.",
    )


def test_salesforce_401_is_a_configuration_error() -> None:
    assert isinstance(
        translate(SalesforceExpiredSession(URL, 401, "q", sf_body("INVALID_SESSION_ID"))),
        ConfigurationError,
    )


def test_salesforce_collection_errors_keep_status_code_and_fields() -> None:
    details = record_errors(
        {
            "success": False,
            "errors": [
                {
                    "statusCode": "REQUIRED_FIELD_MISSING",
                    "message": "Required fields are missing: [LastName]",
                    "fields": ["LastName"],
                }
            ],
        }
    )
    assert details[0].code == "REQUIRED_FIELD_MISSING"
    assert details[0].fields == ("LastName",)


@pytest.mark.parametrize(
    ("status", "body", "headers", "expected"),
    [
        (
            401,
            b'{"status":"error","message":"bad","category":"INVALID_AUTHENTICATION"}',
            {},
            AuthenticationError,
        ),
        (
            403,
            b'{"status":"error","message":"no","category":"MISSING_SCOPES"}',
            {},
            PermissionDeniedError,
        ),
        (
            429,
            b'{"status":"error","message":"ten","errorType":"RATE_LIMIT","policyName":"TEN_SECONDLY_ROLLING"}',
            {"Retry-After": "2"},
            RateLimitedError,
        ),
        (
            429,
            b'{"status":"error","message":"day","errorType":"RATE_LIMIT","policyName":"DAILY"}',
            {},
            ApiBudgetExhaustedError,
        ),
        (
            409,
            b'{"status":"error","message":"Contact already exists. Existing ID: 5",'
            b'"category":"CONFLICT"}',
            {},
            ConflictError,
        ),
        (
            400,
            b'{"status":"error","message":"x","category":"VALIDATION_ERROR"}',
            {},
            InvalidRequestError,
        ),
        (502, b"<html>bad gateway</html>", {}, ServerError),
        (503, b"", {}, ServiceUnavailableError),
    ],
)
def test_hubspot_table(
    status: int, body: bytes, headers: dict[str, str], expected: type[CrmsyncError]
) -> None:
    assert type(translate_response(status=status, headers=headers, body=body)) is expected


def test_hubspot_429_carries_retry_after_and_policy_as_code() -> None:
    error = translate_response(
        status=429,
        headers={"Retry-After": "4"},
        body=b'{"status":"error","message":"ten","errorType":"RATE_LIMIT","policyName":"TEN_SECONDLY_ROLLING"}',
    )
    assert isinstance(error, RetriableError)
    assert error.retry_after == 4.0
    assert isinstance(error, RateLimitedError) and error.detail is not None
    assert error.detail.code == "TEN_SECONDLY_ROLLING"


def test_hubspot_row_error_keeps_category_and_message() -> None:
    detail = row_error(
        {
            "status": "error",
            "category": "VALIDATION_ERROR",
            "message": "Property values were not valid",
            "context": {"propertyName": ["email"]},
        }
    )
    assert (detail.code, detail.message, detail.fields) == (
        "VALIDATION_ERROR",
        "Property values were not valid",
        ("email",),
    )


# R3: the per-property code under VALIDATION_ERROR decides the error card.
_PROBLEMS = (
    '[{"isValid":false,"message":"reports was not one of the allowed options",'
    '"error":"INVALID_OPTION","name":"hs_ticket_category"}]'
)


@pytest.mark.parametrize(
    ("body", "sub_code"),
    [
        # As the wire facts quote it: the problems only inside the message.
        (
            {
                "category": "VALIDATION_ERROR",
                "message": f"Property values were not valid: {_PROBLEMS}",
            },
            "INVALID_OPTION",
        ),
        (
            {"category": "VALIDATION_ERROR", "message": "x", "errors": [{"code": "INVALID_EMAIL"}]},
            "INVALID_EMAIL",
        ),
        (
            {
                "category": "VALIDATION_ERROR",
                "message": "x",
                "subCategory": "PROPERTY_DOESNT_EXIST",
            },
            "PROPERTY_DOESNT_EXIST",
        ),
        (
            {
                "category": "VALIDATION_ERROR",
                "message": "Property values were not valid: [not json",
            },
            None,
        ),
        ({"category": "VALIDATION_ERROR", "message": "plain"}, None),
    ],
)
def test_hubspot_errors_keep_the_code_under_the_category(
    body: dict[str, object], sub_code: str | None
) -> None:
    assert row_error(body).sub_code == sub_code
    detail = error_detail(status=400, body=body)
    assert (detail.code, detail.sub_code) == ("VALIDATION_ERROR", sub_code)
    expected = "picklists" if sub_code == "INVALID_OPTION" else "property_values"
    card = classify_card(System.HUBSPOT, detail.code, sub_category=detail.sub_code)
    assert card.category.value == expected
