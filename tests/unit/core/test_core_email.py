"""R12: only valid emails sync to HubSpot; emails compare normalised."""

from __future__ import annotations

import pytest

from crmsync.core.email import check_email, is_valid_email, normalise_email


def test_normalise_email_strips_and_lowercases() -> None:
    assert normalise_email("  Ann.Smith@Example.COM ") == "ann.smith@example.com"


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_normalise_blank_email_is_none(blank: str | None) -> None:
    assert normalise_email(blank) is None


def test_r12_valid_email_passes_with_normalised_address() -> None:
    check = check_email(" Ann@Example.com ")
    assert check.valid
    assert check.email == "ann@example.com"
    assert check.reason == ""


@pytest.mark.parametrize("email", ["not-an-email", "ann@", "@example.com", "ann@localhost"])
def test_r12_invalid_email_is_refused_with_a_reason(email: str) -> None:
    check = check_email(email)
    assert not check.valid
    assert check.reason
    assert not is_valid_email(email)


def test_r12_blank_email_is_invalid_with_a_reason() -> None:
    check = check_email(None)
    assert not check.valid
    assert "blank" in check.reason


def test_r12_test_domains_are_allowed_only_when_asked() -> None:
    assert not is_valid_email("ann@shop.test")
    assert is_valid_email("ann@shop.test", allow_test_domains=True)
