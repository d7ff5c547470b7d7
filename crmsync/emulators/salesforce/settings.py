"""Per-org switches that tests and seeds set: picklists, rules, field security, limits."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any, Final

DEFAULT_DAILY_API_CAP: Final = 100_000
DEFAULT_QUERY_BATCH_SIZE: Final = 2000


class PicklistMode(StrEnum):
    """State and country picklists: off, on with ISO values, or on with the org's own labels."""

    DISABLED = "disabled"
    ENABLED = "enabled"
    CUSTOMIZED = "customized"


class DuplicateAction(StrEnum):
    """What a duplicate rule does: block the save, or alert (saved with allowSave=true)."""

    BLOCK = "block"
    ALERT = "alert"


@dataclass(frozen=True, kw_only=True)
class ValidationRule:
    """``field`` must not be blank when ``when_field`` is not blank (or equals ``when_value``)."""

    object: str
    name: str
    field: str
    when_field: str
    message: str
    when_value: str | None = None

    def fires(self, row: dict[str, Any]) -> bool:
        """Whether the rule refuses ``row`` (the record as it would be saved)."""
        condition = row.get(self.when_field)
        if self.when_value is not None:
            active = condition is not None and str(condition) == self.when_value
        else:
            active = condition not in (None, "", False)
        return active and row.get(self.field) in (None, "")


@dataclass(frozen=True, kw_only=True)
class RecordTypeSetting:
    """One Opportunity record type and its sales process.

    ``stages`` are the ``StageName`` values the record type's sales process allows (empty:
    every stage). Salesforce keeps the process in a ``BusinessProcess`` the REST API does
    not expose; the emulator serves the allowed values per record type the way the UI
    API does (``ui-api/object-info/Opportunity/picklist-values/{id}/StageName``) and
    refuses other stages on write. ``default`` is the integration user's default record
    type (used on create when the body names none; else the first active one).
    """

    developer_name: str
    name: str
    stages: list[str] = field(default_factory=list)
    active: bool = True
    default: bool = False


@dataclass(frozen=True, kw_only=True)
class CurrencySetting:
    """One ``CurrencyType`` row of a multi-currency org."""

    iso_code: str
    conversion_rate: float = 1.0
    active: bool = True


@dataclass(kw_only=True)
class OrgSettings:
    """Everything switchable about one org; round-trips through JSON (hooks, seeds, SQLite).

    ``field_security`` maps ``"Object.Field"`` to ``"hidden"`` (the integration user cannot
    see it: INVALID_FIELD in queries and writes, absent from describe) or ``"read"`` (visible
    but not editable: INVALID_FIELD_FOR_INSERT_UPDATE). ``object_access`` maps an object to
    ``"read"`` (writes refused with INSUFFICIENT_ACCESS_OR_READONLY). Both apply to the
    integration user only. ``opportunity_record_types`` gives Opportunity record types
    (none: the org has only the master record type and no ``RecordTypeId`` field).
    ``currencies`` turns multi-currency on (``CurrencyIsoCode`` on records, the
    ``CurrencyType`` object); ``corporate_currency`` is the org's currency either way
    (``Organization.DefaultCurrencyIsoCode``). ``restricted_picklists`` maps
    ``"Object.Field"`` to the picklist's active values after an admin edited its value set
    and ticked "restrict picklist to the values defined in the value set" (other values:
    INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST). ``custom_countries`` maps ISO codes to the
    org's labels (used in ``customized`` mode; a new code adds a country);
    ``custom_states`` maps a country code to ``{state code: label}``.
    """

    picklist_mode: PicklistMode = PicklistMode.DISABLED
    custom_countries: dict[str, str] = field(default_factory=dict)
    custom_states: dict[str, dict[str, str]] = field(default_factory=dict)
    duplicate_rules: dict[str, DuplicateAction] = field(default_factory=dict)
    validation_rules: list[ValidationRule] = field(default_factory=list)
    field_security: dict[str, str] = field(default_factory=dict)
    object_access: dict[str, str] = field(default_factory=dict)
    restricted_picklists: dict[str, list[str]] = field(default_factory=dict)
    daily_api_cap: int = DEFAULT_DAILY_API_CAP
    query_batch_size: int = DEFAULT_QUERY_BATCH_SIZE
    opportunity_record_types: list[RecordTypeSetting] = field(default_factory=list)
    currencies: list[CurrencySetting] = field(default_factory=list)
    corporate_currency: str = "USD"

    @property
    def multi_currency(self) -> bool:
        """Whether the org has multi-currency turned on."""
        return bool(self.currencies)

    def active_currencies(self) -> list[str]:
        """The ISO codes records may use (the corporate currency alone when single)."""
        if not self.currencies:
            return [self.corporate_currency]
        return [c.iso_code for c in self.currencies if c.active]

    def to_json(self) -> dict[str, Any]:
        """Plain JSON form."""
        out = asdict(self)
        out["picklist_mode"] = str(self.picklist_mode)
        out["duplicate_rules"] = {k: str(v) for k, v in self.duplicate_rules.items()}
        return out

    def updated(self, changes: dict[str, Any]) -> OrgSettings:
        """A copy with the keys of ``changes`` replaced (unknown keys raise ValueError)."""
        known = {item.name for item in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
        merged = {**self.to_json(), **changes}
        return OrgSettings.from_json(merged)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OrgSettings:
        """Parse the JSON form (validating enum values)."""
        cap = int(data.get("daily_api_cap", DEFAULT_DAILY_API_CAP))
        batch = int(data.get("query_batch_size", DEFAULT_QUERY_BATCH_SIZE))
        if cap < 0 or batch < 1:
            raise ValueError("daily_api_cap must be >= 0 and query_batch_size >= 1")
        security = {str(k): str(v) for k, v in (data.get("field_security") or {}).items()}
        access = {str(k): str(v) for k, v in (data.get("object_access") or {}).items()}
        if not set(security.values()) <= {"edit", "read", "hidden"}:
            raise ValueError("field_security values are edit, read or hidden")
        if not set(access.values()) <= {"edit", "read"}:
            raise ValueError("object_access values are edit or read")
        record_types = [
            RecordTypeSetting(**spec) for spec in data.get("opportunity_record_types") or []
        ]
        currencies = [
            CurrencySetting(**spec) if isinstance(spec, dict) else CurrencySetting(iso_code=spec)
            for spec in data.get("currencies") or []
        ]
        corporate = str(data.get("corporate_currency") or "USD").upper()
        if currencies and corporate not in {c.iso_code for c in currencies if c.active}:
            raise ValueError("the corporate currency must be one of the active currencies")
        return cls(
            opportunity_record_types=record_types,
            currencies=currencies,
            corporate_currency=corporate,
            picklist_mode=PicklistMode(data.get("picklist_mode", PicklistMode.DISABLED)),
            custom_countries={str(k).upper(): str(v) for k, v in
                              (data.get("custom_countries") or {}).items()},
            custom_states={
                str(country).upper(): {str(k): str(v) for k, v in states.items()}
                for country, states in (data.get("custom_states") or {}).items()
            },
            duplicate_rules={
                str(k): DuplicateAction(v) for k, v in (data.get("duplicate_rules") or {}).items()
            },
            validation_rules=[ValidationRule(**rule) for rule in
                              data.get("validation_rules") or []],
            field_security=security,
            object_access=access,
            restricted_picklists={
                str(k): [str(v) for v in values]
                for k, values in (data.get("restricted_picklists") or {}).items()
            },
            daily_api_cap=cap,
            query_batch_size=batch,
        )  # fmt: skip
