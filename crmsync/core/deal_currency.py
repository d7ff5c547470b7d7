"""A deal's amount and its currency ⇄ an opportunity's (R22).

An amount is money only with its currency, so crmsync never writes one without the
other:

- **Multi-currency org** (``CurrencyIsoCode`` on Opportunity): ``deal_currency_code`` ⇄
  ``CurrencyIsoCode`` is a default mapping row, next to ``amount`` ⇄ ``Amount``. A deal
  in a currency the org does not have active does not sync at all
  (``DEAL_CURRENCY_NOT_ACTIVE``, naming the currency): its amount alone would be
  written in the wrong currency.
- **Single-currency org**: every amount is in the org's currency. A deal with an amount
  in another currency does not sync (``DEAL_CURRENCY_MISMATCH``, naming both) rather
  than write the number as if it were in the org's currency. Opportunities reach
  HubSpot as before (no currency row).

A deal with no ``deal_currency_code`` states no currency and syncs as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from crmsync.connectors.base import CurrencySetup
from crmsync.core.mapping import FieldMapping
from crmsync.core.sync_rules import SyncRule
from crmsync.core.values import is_blank

DEAL_CURRENCY_NOT_ACTIVE: Final = "DEAL_CURRENCY_NOT_ACTIVE"
DEAL_CURRENCY_MISMATCH: Final = "DEAL_CURRENCY_MISMATCH"
CURRENCY_PROPERTY: Final = "deal_currency_code"
CURRENCY_FIELD: Final = "CurrencyIsoCode"

CURRENCY_ROW: Final = FieldMapping(
    hubspot_property=CURRENCY_PROPERTY, salesforce_field=CURRENCY_FIELD, rule=SyncRule.TWO_WAY
)
"""The default row a multi-currency org adds to the Opportunity mapping."""


def deal_currency(fields: Mapping[str, Any]) -> str | None:
    """The deal's currency code, upper-cased (None when it states none)."""
    value = fields.get(CURRENCY_PROPERTY)
    return None if is_blank(value) else str(value).strip().upper()


def currency_problem(fields: Mapping[str, Any], setup: CurrencySetup) -> tuple[str, str] | None:
    """``(code, message)`` when the deal cannot sync with its currency, else None."""
    currency = deal_currency(fields)
    if currency is None:
        return None
    if setup.multi:
        if currency in setup.active:
            return None
        return (
            DEAL_CURRENCY_NOT_ACTIVE,
            f"the deal's currency {currency} is not an active currency in Salesforce "
            f"(active: {', '.join(sorted(setup.active))}): the whole deal waits, since its "
            "amount without its currency would be wrong money; activate the currency in "
            "Salesforce (Setup → Manage Currencies) or change the deal's currency",
        )
    amount = fields.get("amount")
    if not setup.corporate or currency == setup.corporate or is_blank(amount):
        return None  # (an org that does not say its currency cannot be checked)
    return (
        DEAL_CURRENCY_MISMATCH,
        f"the deal's amount is in {currency} but the Salesforce org holds every amount in "
        f"{setup.corporate} (single currency): the deal waits rather than write "
        f"{amount} {currency} as {setup.corporate}; change the deal's currency or turn on "
        "multi-currency in Salesforce",
    )
