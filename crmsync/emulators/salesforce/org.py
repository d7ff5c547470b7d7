"""One emulated org: its schema, settings, users, records and ids.

The emulator serves two orgs, a production org and a sandbox, each an :class:`Org` with its
own org id, id pod and data. Everything runs on the server's single event-loop thread,
so an org needs no locks.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final, Literal

from crmsync.emulators.common.clock import MovableClock
from crmsync.emulators.salesforce.geography import code_fields, geography_for
from crmsync.emulators.salesforce.ids import KEY_PREFIXES, IdFactory, to18
from crmsync.emulators.salesforce.persistence import DataFile
from crmsync.emulators.salesforce.schema import (
    FieldDef,
    ObjectDef,
    custom_field_from_spec,
    picklist,
)
from crmsync.emulators.salesforce.settings import OrgSettings, PicklistMode
from crmsync.emulators.salesforce.setup_rows import SetupRows
from crmsync.emulators.salesforce.standard_objects import (
    ADDRESS_PREFIXES,
    CURRENCY_OBJECTS,
    currency_field,
    record_type_field,
    stage_rows,
    standard_objects,
)
from crmsync.emulators.salesforce.store import RecordStore, Row
from crmsync.emulators.salesforce.values import format_datetime

OrgKind = Literal["production", "sandbox"]
DEFAULT_PASSWORD: Final = "crmsync-password"
DEFAULT_SECURITY_TOKEN: Final = "crmsyncSecurityToken"
INTEGRATION_USERNAME: Final = "integration@crmsync.example"

# The users every org starts with: (username, first name, last name, active).
STANDARD_USERS: Final = (
    (INTEGRATION_USERNAME, "Integration", "User", True),
    ("admin@crmsync.example", "Ada", "Admin", True),
    ("sales@crmsync.example", "Sam", "Seller", True),
    ("former@crmsync.example", "Fran", "Former", False),
)


@dataclass(frozen=True, slots=True)
class Caller:
    """Who makes a request: the user, and whether the integration user's field security
    applies (it applies to the integration user only)."""

    user_id: str
    restricted: bool


class Org:
    """Schema, settings, users and records of one org."""

    def __init__(
        self, *, kind: OrgKind, clock: MovableClock, data_file: DataFile | None = None
    ) -> None:
        self.kind: OrgKind = kind
        self.clock = clock
        pod = "5g" if kind == "production" else "9S"
        # 15 characters (prefix, pod, sequence), returned in the 18-character form.
        self.org_id = to18(f"00D{pod}00000{'1Pr' if kind == 'production' else '2Sb'}AA")
        self.instance_host = (
            "crmsync.my.salesforce.com"
            if kind == "production"
            else "crmsync--sandbox.sandbox.my.salesforce.com"
        )
        self.store = RecordStore()
        self.ids = IdFactory(pod=pod)
        self.settings = OrgSettings()
        self.passwords: dict[str, str] = {}
        self._custom_fields: list[dict[str, Any]] = []
        self._objects: dict[str, ObjectDef] = {}
        self._effective: dict[str, ObjectDef] = {}
        self._field_names: dict[str, dict[str, str]] = {}
        self._object_names: dict[str, str] = {}
        self._data_file = data_file
        self._reset_memory()
        if data_file is not None:
            self._restore(data_file)
            self.store.listener = self._persist

    # lifecycle -----------------------------------------------------------------------
    def identity_url(self, user_id: str) -> str:
        """A user's identity URL: the token's ``id``, the version resource's ``identity``."""
        host = "test.salesforce.com" if self.kind == "sandbox" else "login.salesforce.com"
        return f"https://{host}/id/{self.org_id}/{user_id}"

    def reset(self) -> None:
        """Back to an empty org: standard schema, default settings, the standard users."""
        if self._data_file is not None:
            self._data_file.clear(self.kind)
        self._reset_memory()
        self._save_state()

    def _reset_memory(self) -> None:
        self.store.clear()
        self.ids.counter = 0
        self.settings = OrgSettings()
        self._custom_fields = []
        self._objects = standard_objects()
        self._object_names = {name.casefold(): name for name in self._objects}
        self._invalidate()
        self.passwords = {}
        for username, first, last, active in STANDARD_USERS:
            self.add_user(
                username=username, first_name=first, last_name=last, active=active, persist=False
            )
        self._add_stages()
        SetupRows(self).sync()
        self.store.commit()
        self.integration_user_id = self.user_by_username(INTEGRATION_USERNAME)["Id"]

    def _add_stages(self) -> None:
        """The stage picklist's ``OpportunityStage`` rows (what each stage means)."""
        stamp = format_datetime(self.now())
        admin = self.user_by_username(INTEGRATION_USERNAME)["Id"]
        for values in stage_rows():
            row: Row = dict.fromkeys(self._objects["OpportunityStage"].fields)
            row.update(
                Id=self.ids.new(KEY_PREFIXES["OpportunityStage"]), IsDeleted=False,
                CreatedDate=stamp, LastModifiedDate=stamp, SystemModstamp=stamp,
                CreatedById=admin, LastModifiedById=admin, **values,
            )  # fmt: skip
            self.store.put("OpportunityStage", row)

    def _restore(self, data_file: DataFile) -> None:
        stored_settings = data_file.read_state(self.kind, "settings")
        if stored_settings is None:  # a new file: write the fresh org into it
            self._persist([(s, row["Id"], row) for s in self._objects for row in
                           self.store.rows(s)])  # fmt: skip
            self._save_state()
            return
        self.store.clear()
        self.passwords = dict(data_file.read_state(self.kind, "passwords") or {})
        for spec in data_file.read_state(self.kind, "custom_fields") or []:
            self.add_custom_field(spec, persist=False)
        self.settings = OrgSettings.from_json(stored_settings)
        self.ids.counter = int(data_file.read_state(self.kind, "id_counter") or 0)
        for sobject, row in data_file.read_rows(self.kind):
            self.store.load(sobject, row)
        self._invalidate()
        SetupRows(self).sync()  # a file written before a Setup object existed lacks its rows
        self.store.commit()
        self.integration_user_id = self.user_by_username(INTEGRATION_USERNAME)["Id"]

    def _persist(self, changes: list[tuple[str, str, Row | None]]) -> None:
        if self._data_file is not None:
            self._data_file.write_rows(self.kind, changes)
            self._data_file.write_state(self.kind, "id_counter", self.ids.counter)

    def _save_state(self) -> None:
        if self._data_file is not None:
            self._data_file.write_state(self.kind, "settings", self.settings.to_json())
            self._data_file.write_state(self.kind, "custom_fields", self._custom_fields)
            self._data_file.write_state(self.kind, "passwords", self.passwords)
            self._data_file.write_state(self.kind, "id_counter", self.ids.counter)

    def now(self) -> datetime:
        """The org's clock."""
        return self.clock.now()

    # schema --------------------------------------------------------------------------
    def update_settings(self, changes: dict[str, Any]) -> None:
        """Apply settings changes (raises ValueError on bad ones)."""
        self.settings = self.settings.updated(changes)
        self._invalidate()
        self._fill_new_fields()
        SetupRows(self).sync()
        self.store.commit()
        self._save_state()

    def _fill_new_fields(self) -> None:
        """Give stored rows the fields a settings change added (as Salesforce does when
        multi-currency is enabled: existing records are in the corporate currency)."""
        for sobject in self._objects:
            fields = self.describe(sobject).fields
            for row in list(self.store.rows(sobject)):
                missing = {
                    name: (self.settings.corporate_currency if name == "CurrencyIsoCode" else None)
                    for name, item in fields.items()
                    if name not in row and not item.is_compound
                }
                if missing:
                    self.store.put(sobject, {**row, **missing})

    def add_custom_field(self, spec: dict[str, Any], *, persist: bool = True) -> FieldDef:
        """Add a ``__c`` field to an object (ValueError when the spec is bad)."""
        sobject = self.canonical_object(str(spec.get("object", "")))
        if sobject is None:
            raise ValueError(f"unknown object: {spec.get('object')}")
        definition = custom_field_from_spec(spec)
        self._objects[sobject].add(definition)
        self._custom_fields = [
            s for s in self._custom_fields
            if not (s["object"] == sobject and s["name"] == definition.name)
        ] + [{**spec, "object": sobject}]  # fmt: skip
        for row in list(self.store.rows(sobject)):
            if definition.name not in row:
                self.store.load(sobject, {**row, definition.name: None})
        self._invalidate()
        if persist:
            self._save_state()
        return definition

    def _invalidate(self) -> None:
        self._effective.clear()
        self._field_names.clear()

    def object_names(self) -> list[str]:
        """Every object name (``CurrencyType`` only in a multi-currency org)."""
        return [name for name in self._objects if self._exists(name)]

    def _exists(self, name: str) -> bool:
        return name != "CurrencyType" or self.settings.multi_currency

    def canonical_object(self, name: str) -> str | None:
        """Case-insensitive object name → its API name."""
        found = self._object_names.get(name.casefold())
        return found if found is not None and self._exists(found) else None

    def describe(self, sobject: str) -> ObjectDef:
        """The object's effective schema (state/country code fields when enabled)."""
        found = self._effective.get(sobject)
        if found is None:
            base = self._objects[sobject]
            found = ObjectDef(
                name=base.name, label=base.label, label_plural=base.label_plural,
                key_prefix=base.key_prefix, children=base.children,
            )  # fmt: skip
            codes: dict[str, list[FieldDef]] = {}
            if self.settings.picklist_mode is not PicklistMode.DISABLED:
                geography = geography_for(self.settings)
                codes = {
                    f"{prefix}Country": code_fields(prefix, geography)
                    for prefix in ADDRESS_PREFIXES.get(sobject, ())
                }
            restricted = {
                key.split(".", 1)[1]: values
                for key, values in self.settings.restricted_picklists.items()
                if key.split(".", 1)[0] == sobject and "." in key
            }
            for base_field in base.fields.values():
                definition = base_field
                if definition.name in restricted and definition.picklist:
                    definition = replace(
                        definition,
                        picklist=picklist(*restricted[definition.name]),
                        restricted=True,
                    )
                found.add(definition)
                for code in codes.get(definition.name, ()):  # after Country, as in describe
                    found.add(code)
            if sobject == "Opportunity" and self.settings.opportunity_record_types:
                found.add(record_type_field())
            if sobject in CURRENCY_OBJECTS and self.settings.multi_currency:
                found.add(
                    currency_field(
                        self.settings.active_currencies(), self.settings.corporate_currency
                    )
                )
            self._effective[sobject] = found
        return found

    def field(self, sobject: str, name: str, caller: Caller | None = None) -> FieldDef | None:
        """A field by case-insensitive name, None when unknown or hidden from ``caller``."""
        names = self._field_names.get(sobject)
        if names is None:
            names = {key.casefold(): key for key in self.describe(sobject).fields}
            self._field_names[sobject] = names
        canonical = names.get(name.casefold())
        if canonical is None:
            return None
        if caller is not None and self.access(sobject, canonical, caller) == "hidden":
            return None
        return self.describe(sobject).fields[canonical]

    def access(self, sobject: str, field: str, caller: Caller) -> str:
        """``edit``, ``read`` or ``hidden``: the caller's field-level security."""
        if not caller.restricted or not self.settings.field_security:
            return "edit"
        return self.settings.field_security.get(f"{sobject}.{field}", "edit")

    def visible_fields(self, sobject: str, caller: Caller) -> list[str]:
        """The fields ``caller`` may see, in describe order."""
        return [
            name for name in self.describe(sobject).fields
            if self.access(sobject, name, caller) != "hidden"
        ]  # fmt: skip

    def components(
        self, sobject: str, compound: str, caller: Caller
    ) -> tuple[tuple[str, str], ...]:
        """The ``(JSON key, component)`` pairs of a compound that ``caller`` may see."""
        return tuple(
            (key, name)
            for key, name in self.describe(sobject).components(compound)
            if self.access(sobject, name, caller) != "hidden"
        )

    def object_writable(self, sobject: str, caller: Caller) -> bool:
        """Whether ``caller`` may create/edit/delete records of ``sobject``."""
        if not self._objects[sobject].createable:
            return False  # OpportunityStage and the like: Setup data, read-only to the API
        return not caller.restricted or self.settings.object_access.get(sobject) != "read"

    # users ---------------------------------------------------------------------------
    def add_user(
        self,
        *,
        username: str,
        first_name: str,
        last_name: str,
        active: bool = True,
        email: str | None = None,
        password: str = DEFAULT_PASSWORD,
        persist: bool = True,
    ) -> Row:
        """Create a user (no validation: users come from seeds and hooks)."""
        stamp = format_datetime(self.now())
        user_id = self.ids.new(KEY_PREFIXES["User"])
        row: Row = dict.fromkeys(self._objects["User"].fields)
        row.update(
            Id=user_id, IsDeleted=False, CreatedDate=stamp, LastModifiedDate=stamp,
            SystemModstamp=stamp, CreatedById=user_id, LastModifiedById=user_id,
            Username=username, Email=email or username, FirstName=first_name,
            LastName=last_name, Name=f"{first_name} {last_name}", IsActive=active,
            Alias=(first_name[:1] + last_name[:4]).lower(),
        )  # fmt: skip
        self.store.put("User", row)
        self.passwords[username.casefold()] = password
        if persist:
            self.store.commit()
            self._save_state()
        return row

    def user_by_username(self, username: str) -> Row:
        """A user by username (KeyError when absent)."""
        wanted = username.casefold()
        for row in self.store.rows("User"):
            if str(row["Username"]).casefold() == wanted:
                return row
        raise KeyError(username)

    def integration_user_id_or_none(self) -> str | None:
        """The integration user's id (None before the standard users exist)."""
        try:
            return str(self.user_by_username(INTEGRATION_USERNAME)["Id"])
        except KeyError:
            return None

    # record types --------------------------------------------------------------------
    def record_types(self, sobject: str, *, active_only: bool = True) -> list[Row]:
        """The record types of ``sobject`` (settings order)."""
        return [
            row for row in self.store.rows("RecordType")
            if row["SobjectType"] == sobject and (row["IsActive"] or not active_only)
        ]  # fmt: skip

    def default_record_type(self, sobject: str) -> Row | None:
        """The integration user's default record type for creates (None: master only)."""
        rows = self.record_types(sobject)
        if not rows:
            return None
        wanted = next(
            (s.developer_name for s in self.settings.opportunity_record_types if s.default), None
        )
        return next((row for row in rows if row["DeveloperName"] == wanted), rows[0])

    def record_type_stages(self, record_type_id: str) -> list[str] | None:
        """The stages a record type's sales process allows (None: every stage)."""
        found = self.store.get(record_type_id)
        if found is None or found[0] != "RecordType":
            return None
        name = found[1]["DeveloperName"]
        spec = next(
            (s for s in self.settings.opportunity_record_types if s.developer_name == name), None
        )
        return list(spec.stages) if spec is not None and spec.stages else None

    def check_password(self, username: str, password: str) -> Row | None:
        """The active user whose password (optionally + security token) matches."""
        expected = self.passwords.get(username.casefold())
        if expected is None or password not in (expected, expected + DEFAULT_SECURITY_TOKEN):
            return None
        try:
            user = self.user_by_username(username)
        except KeyError:
            return None
        return user if user.get("IsActive") else None
