"""Seed data: settings, custom fields, users and records loaded into an org from JSON.

Shape (one org)::

    {"settings": {"picklist_mode": "enabled", "duplicate_rules": {"Contact": "block"}},
     "custom_fields": [{"object": "Contact", "name": "HubSpot_Id__c", "type": "string",
                        "length": 64, "external_id": true, "unique": true}],
     "users": [{"username": "rep@crmsync.example", "first_name": "Rae", "last_name": "Rep"}],
     "records": {"Account": [{"ref": "acme", "Name": "Acme"}],
                 "Contact": [{"LastName": "Lovelace", "AccountId": "@{acme}"}]}}

A file may instead hold ``{"production": {...}, "sandbox": {...}}``. ``ref`` names a
record so later records can point at it with ``"@{name}"``; an owner can be given by
username as ``"OwnerId": "@{user:rep@crmsync.example}"``. Records are written through the
API's validation in system mode (no field-level security, duplicates allowed).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Final

from crmsync.emulators.salesforce.emulator import Emulator
from crmsync.emulators.salesforce.errors import ApiError
from crmsync.emulators.salesforce.org import Caller, Org
from crmsync.emulators.salesforce.records import Records

_REFERENCE: Final = re.compile(r"^@\{([^}]+)\}$")
ORG_KEYS: Final = frozenset({"production", "sandbox"})


class SeedError(ValueError):
    """The seed data is not usable; the message says where."""


SETUP_OBJECTS = frozenset(
    {"User", "OpportunityStage", "RecordType", "CurrencyType", "Organization"}
)
"""Objects every org starts with rows of (users, the stage picklist, Setup rows): not seed
data."""


def load_seed_file(emulator: Emulator, path: Path) -> None:
    """Load a seed file into the orgs that have no records of their own yet."""
    data = json.loads(path.read_text(encoding="utf-8"))
    for kind, org_seed in split_by_org(data).items():
        org = emulator.orgs["sandbox" if kind == "sandbox" else "production"]
        if any(org.store.count(name) for name in org.object_names() if name not in SETUP_OBJECTS):
            continue  # the data file already holds this org's records
        load_seed(org, org_seed)


def split_by_org(data: Any) -> dict[str, dict[str, Any]]:
    """``{"production": ..., "sandbox": ...}`` from either seed shape."""
    if not isinstance(data, dict):
        raise SeedError("a seed is a JSON object")
    if data and set(data) <= ORG_KEYS:
        return {kind: dict(value) for kind, value in data.items()}
    return {"production": data}


def load_seed(org: Org, seed: dict[str, Any]) -> dict[str, str]:
    """Apply one org's seed; returns the ids of records that had a ``ref``."""
    unknown = set(seed) - {"settings", "custom_fields", "users", "records"}
    if unknown:
        raise SeedError(f"unknown seed keys: {', '.join(sorted(unknown))}")
    if seed.get("settings"):
        org.update_settings(dict(seed["settings"]))
    for spec in seed.get("custom_fields") or []:
        org.add_custom_field(dict(spec))
    for user in seed.get("users") or []:
        org.add_user(
            username=str(user["username"]),
            first_name=str(user.get("first_name", "")),
            last_name=str(user["last_name"]),
            active=bool(user.get("active", True)),
            email=user.get("email"),
        )
    refs: dict[str, str] = {}
    records = Records(org, Caller(user_id=org.integration_user_id, restricted=False),
                      allow_duplicates=True)  # fmt: skip
    with org.store.unit_of_work():
        for name, rows in (seed.get("records") or {}).items():
            sobject = org.canonical_object(name)
            if sobject is None:
                raise SeedError(f"unknown object in seed: {name}")
            for position, raw in enumerate(rows):
                body = {key: _resolve(org, value, refs) for key, value in raw.items()
                        if key != "ref"}  # fmt: skip
                try:
                    record_id = records.create(sobject, body)
                except ApiError as error:
                    raise SeedError(f"{sobject}[{position}]: {error}") from error
                if "ref" in raw:
                    refs[str(raw["ref"])] = record_id
    return refs


def _resolve(org: Org, value: Any, refs: dict[str, str]) -> Any:
    if not isinstance(value, str):
        return value
    found = _REFERENCE.match(value)
    if found is None:
        return value
    name = found.group(1)
    if name.startswith("user:"):
        try:
            return org.user_by_username(name[len("user:") :])["Id"]
        except KeyError:
            raise SeedError(f"unknown user in seed: {name}") from None
    if name not in refs:
        raise SeedError(f"unknown ref in seed: {name}")
    return refs[name]
