"""Deal ⇄ contact association labels as ``OpportunityContactRole.Role`` and ``IsPrimary`` (R22).

HubSpot has no contact role: a deal's contact carries the portal's own association
labels (USER_DEFINED, e.g. "Decision Maker"). The settings say how they read:

- ``deals.contact_roles.labels``: ``{label: Role value}``. Beyond it, a label whose name
  equals a value of the org's ``Role`` picklist (ignoring case) means that value; any
  other label means nothing, and no label means no ``Role``.
- ``deals.contact_roles.primary_label``: the label meaning ``IsPrimary`` ("Primary" by
  default; empty: primary roles are not synced).
- ``deals.contact_roles.create_labels``: when a Salesforce ``Role`` (or the primary
  flag) has no label in the portal, create one named after it. Off by default: the
  portal's label set is the admin's, and such a role's association stays unlabelled.

Everything here is pure: the run step (:mod:`crmsync.engine.contact_roles`) reads the
portal's labels and the org's picklist and asks this module what they mean.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from crmsync.core.policies import SettingError

LABELS_KEY = "deals.contact_roles.labels"
PRIMARY_LABEL_KEY = "deals.contact_roles.primary_label"
CREATE_LABELS_KEY = "deals.contact_roles.create_labels"
DEFAULT_PRIMARY_LABEL = "Primary"
ROLE_FIELD = "Role"


@dataclass(frozen=True, kw_only=True)
class RoleLabels:
    """How association labels and contact roles read each other."""

    labels: Mapping[str, str] = field(default_factory=dict)
    """Explicit ``{label: Role value}`` entries (label names as HubSpot shows them)."""
    primary_label: str | None = DEFAULT_PRIMARY_LABEL
    create_labels: bool = False

    def role_of(self, labels: Iterable[str], roles: Collection[str]) -> str | None:
        """The ``Role`` a pair's labels mean (the first label that means one), or None."""
        by_name = {value.casefold(): value for value in roles}
        for label in labels:
            if label in self.labels:
                return self.labels[label]
            if self.is_primary_label(label):
                continue
            found = by_name.get(label.casefold())
            if found is not None:
                return found
        return None

    def label_for(self, role: str, portal: Iterable[str]) -> str | None:
        """The label that means ``role``: an explicit entry, else a label named after it.

        ``portal`` is the portal's label names; ``None`` when none of them means the role.
        """
        names = list(portal)
        for label, value in self.labels.items():
            if value == role and label in names:
                return label
        return next(
            (
                name
                for name in names
                if name.casefold() == role.casefold()
                and name not in self.labels
                and not self.is_primary_label(name)
            ),
            None,
        )

    def is_primary_label(self, label: str) -> bool:
        """Whether ``label`` is the one meaning ``IsPrimary``."""
        return bool(self.primary_label) and label.casefold() == str(self.primary_label).casefold()

    def is_primary(self, labels: Iterable[str]) -> bool:
        """Whether a pair's labels include the primary one."""
        return any(self.is_primary_label(label) for label in labels)

    def meaningful(self, label: str, roles: Collection[str]) -> bool:
        """Whether the label means a role or the primary flag (crmsync may change it)."""
        return self.is_primary_label(label) or self.role_of([label], roles) is not None


def parse_labels(value: Any) -> dict[str, str]:
    """A ``{label: Role}`` table from JSON text or a mapping; SettingError when malformed."""
    try:
        table = json.loads(value) if isinstance(value, str) else value
    except ValueError as error:
        raise SettingError(LABELS_KEY, f"the table is not valid JSON: {error}") from None
    if table is None:
        return {}
    if not isinstance(table, Mapping):
        raise SettingError(LABELS_KEY, 'expected a JSON object {"label": "Role value"}')
    parsed: dict[str, str] = {}
    for label, role in table.items():
        if not isinstance(role, str) or not str(label).strip() or not role.strip():
            raise SettingError(
                LABELS_KEY, f"label {label!r} needs a Role value (a non-empty string)"
            )
        parsed[str(label).strip()] = role.strip()
    return parsed


def check_roles(labels: Mapping[str, str], roles: Collection[str]) -> None:
    """Refuse a label mapped to a ``Role`` value the org's picklist does not have."""
    unknown = {label: role for label, role in labels.items() if role not in roles}
    if unknown:
        label, role = next(iter(unknown.items()))
        raise SettingError(
            LABELS_KEY,
            f"label {label!r} maps to Role {role!r}, which is not a value of the org's "
            f"OpportunityContactRole.Role picklist ({', '.join(sorted(roles))})",
        )


def parse_primary_label(value: Any) -> str | None:
    """The primary label's name; ``None`` (empty, "none") turns primary sync off."""
    text = "" if value is None else str(value).strip()
    return None if text.casefold() in {"", "none", "off"} else text


__all__ = [
    "CREATE_LABELS_KEY",
    "DEFAULT_PRIMARY_LABEL",
    "LABELS_KEY",
    "PRIMARY_LABEL_KEY",
    "RoleLabels",
    "check_roles",
    "parse_labels",
    "parse_primary_label",
]
