"""Salesforce record ids: key prefixes, the 18-character checksum, generation and parsing.

An id is 15 case-sensitive characters (3-character key prefix, 2-character pod, a base-62
sequence); the API returns the 18-character case-safe form, whose last 3 characters are
a checksum of the letter case of the first 15, and accepts both forms on input.
"""

from __future__ import annotations

import re
from typing import Final

from crmsync.emulators.salesforce.soql.field_types import to18

__all__ = [
    "KEY_PREFIXES",
    "IdFactory",
    "is_malformed_id",
    "normalise_id",
    "prefix_object",
    "to18",
]

KEY_PREFIXES: Final[dict[str, str]] = {
    "Account": "001",
    "Contact": "003",
    "Lead": "00Q",
    "Opportunity": "006",
    "OpportunityContactRole": "00K",
    "OpportunityStage": "01J",
    "Task": "00T",
    "User": "005",
    "Organization": "00D",
    "RecordType": "012",
    "CurrencyType": "02B",
    "Campaign": "701",
    "CampaignMember": "00v",
    "BulkJob": "750",
    "QueryLocator": "01g",
}
_OBJECT_BY_PREFIX: Final = {prefix: name for name, prefix in KEY_PREFIXES.items()}
_BASE62: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ID_SHAPE: Final = re.compile(r"^[a-zA-Z0-9]{15}(?:[A-Z0-5]{3})?$")


def _base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, rest = divmod(number, 62)
        digits.append(_BASE62[rest])
    return "".join(reversed(digits)).rjust(width, "0")


def normalise_id(value: str) -> str | None:
    """The 18-character form of a well-formed 15- or 18-character id, else None.

    An 18-character id whose checksum does not match its first 15 characters is
    refused, as Salesforce refuses it (:func:`is_malformed_id`, MALFORMED_ID).
    """
    if not _ID_SHAPE.match(value):
        return None
    if len(value) == 15:
        return to18(value)
    return value if to18(value[:15]) == value else None


def is_malformed_id(value: str) -> bool:
    """True for something shaped like an id (15 or 18 letters and digits) that is not one.

    Salesforce answers MALFORMED_ID for those, and NOT_FOUND for anything else that does
    not name a record.
    """
    return (
        len(value) in {15, 18}
        and value.isascii()
        and value.isalnum()
        and (normalise_id(value) is None)
    )


def prefix_object(record_id: str) -> str | None:
    """The object an id's key prefix belongs to (``"003..."`` → ``"Contact"``)."""
    return _OBJECT_BY_PREFIX.get(record_id[:3])


class IdFactory:
    """Makes new ids for one org: prefix + pod + a zero-padded base-62 counter + checksum.

    ``pod`` keeps two orgs' ids apart (production and sandbox use different pods), so an
    id from one org is never found in the other.
    """

    def __init__(self, *, pod: str, counter: int = 0) -> None:
        if len(pod) != 2:
            raise ValueError("pod is two characters")
        self._pod = pod
        self.counter = counter

    def new(self, prefix: str) -> str:
        """A fresh 18-character id with key prefix ``prefix``."""
        self.counter += 1
        return to18(f"{prefix}{self._pod}{_base62(self.counter, 10)}")
