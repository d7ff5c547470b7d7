"""Email normalisation and validity (R12).

Email is the key that matches HubSpot contacts to Salesforce leads and contacts, so
both sides are compared after :func:`normalise_email`. Only Salesforce records whose
email passes :func:`check_email` sync to HubSpot; the others are skipped with the
reason the check gives (error code ``INVALID_EMAIL_SKIPPED``).

The check is syntax only (``email-validator`` with ``check_deliverability=False``): it
never touches the network.
"""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email


@dataclass(frozen=True, kw_only=True)
class EmailCheck:
    """The outcome of :func:`check_email`: the normalised address or why it is invalid."""

    email: str | None
    valid: bool
    reason: str = ""


def normalise_email(email: str | None) -> str | None:
    """The address stripped and lower-cased; ``None`` for a blank one."""
    if email is None:
        return None
    cleaned = email.strip().lower()
    return cleaned or None


def check_email(email: str | None, *, allow_test_domains: bool = False) -> EmailCheck:
    """Whether ``email`` is a syntactically valid address, with a reason when it is not.

    ``allow_test_domains`` accepts special-use domains such as ``.test`` (for fixtures).
    """
    normalised = normalise_email(email)
    if normalised is None:
        return EmailCheck(email=None, valid=False, reason="the email address is blank")
    try:
        validate_email(normalised, check_deliverability=False, test_environment=allow_test_domains)
    except EmailNotValidError as error:
        # The library's message is written for end users; it is shown, never parsed.
        return EmailCheck(email=normalised, valid=False, reason=str(error))
    return EmailCheck(email=normalised, valid=True)


def is_valid_email(email: str | None, *, allow_test_domains: bool = False) -> bool:
    """True when ``email`` passes :func:`check_email`."""
    return check_email(email, allow_test_domains=allow_test_domains).valid
