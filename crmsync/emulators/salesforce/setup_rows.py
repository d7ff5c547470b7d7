"""The Setup rows an org's settings imply: ``Organization``, ``RecordType``, ``CurrencyType``.

Settings (seeds, test hooks) say which Opportunity record types and currencies the org
has; this module keeps the read-only rows the API serves in step with them. Ids stay
stable across changes: a record type or currency dropped from the settings is made
inactive, never deleted (Salesforce cannot delete one that records still use).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crmsync.emulators.salesforce.ids import KEY_PREFIXES
from crmsync.emulators.salesforce.store import Row
from crmsync.emulators.salesforce.values import format_datetime

if TYPE_CHECKING:
    from crmsync.emulators.salesforce.org import Org


class SetupRows:
    """Writes the Setup rows of one org from its settings."""

    def __init__(self, org: Org) -> None:
        self._org = org
        self._stamp = format_datetime(org.now())

    def sync(self) -> None:
        """Bring ``Organization``, ``RecordType`` and ``CurrencyType`` rows in step."""
        settings = self._org.settings
        self._upsert(
            "Organization",
            self._org.org_id,
            Name="crmsync",
            DefaultCurrencyIsoCode=settings.corporate_currency,
            IsSandbox=self._org.kind == "sandbox",
        )
        existing = {
            (row["SobjectType"], row["DeveloperName"]): row
            for row in self._org.store.rows("RecordType")
        }
        wanted = {("Opportunity", spec.developer_name): spec
                  for spec in settings.opportunity_record_types}  # fmt: skip
        for key, row in existing.items():
            if key not in wanted:
                self._upsert("RecordType", row["Id"], IsActive=False)
        for key, spec in wanted.items():
            found = existing.get(key)
            self._upsert(
                "RecordType",
                found["Id"] if found else None,
                SobjectType="Opportunity",
                DeveloperName=spec.developer_name,
                Name=spec.name,
                IsActive=spec.active,
            )
        currencies = {row["IsoCode"]: row for row in self._org.store.rows("CurrencyType")}
        configured = {spec.iso_code: spec for spec in settings.currencies}
        for code, row in currencies.items():
            if code not in configured:
                self._upsert("CurrencyType", row["Id"], IsActive=False, IsCorporate=False)
        for code, currency in configured.items():
            found = currencies.get(code)
            self._upsert(
                "CurrencyType",
                found["Id"] if found else None,
                IsoCode=code,
                ConversionRate=currency.conversion_rate,
                DecimalPlaces=2,
                IsActive=currency.active,
                IsCorporate=code == settings.corporate_currency,
            )

    def _upsert(self, sobject: str, record_id: str | None, **values: Any) -> None:
        store = self._org.store
        current = store.get(record_id) if record_id else None
        if current is not None:
            row: Row = {**current[1], **values}
            if row != current[1]:
                row.update(LastModifiedDate=self._stamp, SystemModstamp=self._stamp)
                store.put(sobject, row)
            return
        row = dict.fromkeys(self._org.describe(sobject).fields)
        row.update(
            Id=record_id or self._org.ids.new(KEY_PREFIXES[sobject]), IsDeleted=False,
            CreatedDate=self._stamp, LastModifiedDate=self._stamp, SystemModstamp=self._stamp,
            CreatedById=self._org.integration_user_id_or_none(),
            LastModifiedById=self._org.integration_user_id_or_none(), **values,
        )  # fmt: skip
        store.put(sobject, row)
