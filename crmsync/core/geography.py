"""Country and state values that Salesforce accepts (R11), and back to HubSpot.

HubSpot's country and state are free text (``Polska``, ``PL``, ``poland``); Salesforce
either takes free text (picklists disabled) or only its picklist values (enabled, or
enabled and customised with the org's own labels). With
:attr:`GeographyMode.MATCH_SALESFORCE` the text is recognised with pycountry (ISO codes,
English and official names, every translation pycountry ships, and a small alias table)
and converted:

================== ===================================== ==============================
picklists          country becomes                        state becomes
================== ===================================== ==============================
``disabled``       Salesforce's default name (``Poland``) the subdivision name
``enabled``        the ISO code for ``CountryCode`` (PL)  the code for ``StateCode`` (CA)
``customized``     the org's own value for the matched    likewise, from the org's
                   label or code (:class:`OrgPicklists`)  state values of that country
================== ===================================== ==============================

With :attr:`GeographyMode.AS_IS` values pass unchanged. A value that cannot be converted
for a picklist comes back as a :class:`GeoResult` with ``error`` set, so the engine records
an error (code ``COUNTRY_NOT_MATCHED`` / ``STATE_NOT_MATCHED``) instead of sending a value
Salesforce would refuse. With picklists disabled Salesforce accepts any text, so an
unrecognised value passes unchanged (``converted`` is false).

Entry points: :func:`country_to_salesforce`, :func:`state_to_salesforce`,
:func:`country_to_hubspot`, :func:`state_to_hubspot`, :func:`country_code`.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache

import pycountry


class PicklistSetup(StrEnum):
    """How the org's state/country picklists are set up (R11)."""

    DISABLED = "disabled"
    ENABLED = "enabled"
    CUSTOMIZED = "customized"


class GeographyMode(StrEnum):
    """Whether HubSpot's values are converted to Salesforce's (R11)."""

    MATCH_SALESFORCE = "match_salesforce"
    AS_IS = "as_is"


class GeoError(StrEnum):
    """Why a value could not be converted; values are crmsync error codes."""

    COUNTRY_NOT_MATCHED = "COUNTRY_NOT_MATCHED"
    STATE_NOT_MATCHED = "STATE_NOT_MATCHED"


@dataclass(frozen=True, kw_only=True)
class PicklistOption:
    """One active picklist entry of the org: its value (the code) and label."""

    value: str
    label: str


@dataclass(frozen=True, kw_only=True)
class OrgPicklists:
    """The org's own state/country picklist values (``customized`` setup).

    ``states`` is keyed by the country's value (``US``).
    """

    countries: tuple[PicklistOption, ...] = ()
    states: Mapping[str, tuple[PicklistOption, ...]] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class GeoResult:
    """A converted value, or why it could not be converted."""

    value: str | None
    converted: bool = False
    error: GeoError | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        """True when ``value`` can be sent."""
        return self.error is None


COUNTRIES_WITH_DEFAULT_STATES = frozenset(
    {"AU", "BR", "CA", "CN", "IN", "IE", "IT", "JP", "MX", "US"}
)
"""Countries for which Salesforce ships state picklist values out of the box."""

COUNTRY_ALIASES: Mapping[str, str] = {
    # Common spellings pycountry does not know (keys are casefolded).
    "usa": "US",
    "u.s.a.": "US",
    "u.s.": "US",
    "us of a": "US",
    "america": "US",
    "united states of america": "US",
    "uk": "GB",
    "u.k.": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "holland": "NL",
    "the netherlands": "NL",
    "czech republic": "CZ",
    "russia": "RU",
    "south korea": "KR",
    "korea": "KR",
    "north korea": "KP",
    "vietnam": "VN",
    "uae": "AE",
    "ivory coast": "CI",
    "macedonia": "MK",
    "rzeczpospolita polska": "PL",
    "rp": "PL",
}

SALESFORCE_COUNTRY_NAMES: Mapping[str, str] = {
    # Salesforce's default integration values where they differ from ISO short names.
    "US": "United States",
    "GB": "United Kingdom",
}


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


@cache
def _country_index() -> Mapping[str, str]:
    """Casefolded name → alpha-2, from ISO data, every pycountry translation, aliases.

    A translated name claimed by two countries in different languages is dropped
    rather than guessed.
    """
    index: dict[str, str] = {}
    ambiguous: set[str] = set()

    def add(name: str, code: str) -> None:
        key = _key(name)
        if not key or key in ambiguous:
            return
        if index.get(key, code) != code:
            ambiguous.add(key)
            del index[key]
            return
        index[key] = code

    countries = list(pycountry.countries)
    english: dict[str, str] = {}
    for country in countries:
        for name in _names(country):
            english[_key(name)] = country.alpha_2
    for locale in sorted(os.listdir(pycountry.LOCALES_DIR)):
        catalogue = os.path.join(pycountry.LOCALES_DIR, locale, "LC_MESSAGES", "iso3166-1.mo")
        if not os.path.exists(catalogue):
            continue
        translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[locale])
        for country in countries:
            for name in _names(country):
                add(translation.gettext(name), country.alpha_2)
    # English names and aliases always win over a translation that collides with them.
    index.update(english)
    index.update(COUNTRY_ALIASES)
    return index


def _names(country: object) -> list[str]:
    return [
        value
        for attribute in ("name", "official_name", "common_name")
        if isinstance(value := getattr(country, attribute, None), str)
    ]


def country_code(text: str | None) -> str | None:
    """The ISO alpha-2 code for free text (``Polska``, ``POL``, ``poland``), or ``None``."""
    if text is None or not text.strip():
        return None
    key = _key(text)
    if len(key) == 2:
        found = pycountry.countries.get(alpha_2=key.upper())
        if found is not None:
            return str(found.alpha_2)
    if len(key) == 3:
        found = pycountry.countries.get(alpha_3=key.upper())
        if found is not None:
            return str(found.alpha_2)
    return _country_index().get(key)


def salesforce_country_name(code: str) -> str:
    """Salesforce's default country name (integration value) for an ISO code."""
    if code in SALESFORCE_COUNTRY_NAMES:
        return SALESFORCE_COUNTRY_NAMES[code]
    country = pycountry.countries.get(alpha_2=code)
    return str(country.name) if country is not None else code


def _match_option(text: str, options: tuple[PicklistOption, ...]) -> PicklistOption | None:
    key = _key(text)
    return next(
        (option for option in options if key in (_key(option.value), _key(option.label))),
        None,
    )


def country_to_salesforce(
    text: str | None,
    *,
    picklists: PicklistSetup,
    mode: GeographyMode,
    org: OrgPicklists | None = None,
) -> GeoResult:
    """Convert HubSpot's country text to the value Salesforce accepts (R11)."""
    if text is None or not text.strip():
        return GeoResult(value=None)
    if mode is GeographyMode.AS_IS:
        return GeoResult(value=text)
    if picklists is PicklistSetup.CUSTOMIZED:
        options = org.countries if org is not None else ()
        option = _match_option(text, options)
        code = country_code(text)
        if option is None and code is not None:
            option = _match_option(code, options)
        if option is None:
            return GeoResult(
                value=None,
                error=GeoError.COUNTRY_NOT_MATCHED,
                detail=f"'{text}' is not a country in the org's country picklist",
            )
        return GeoResult(value=option.value, converted=True)
    code = country_code(text)
    if code is None:
        if picklists is PicklistSetup.DISABLED:
            return GeoResult(value=text, detail=f"'{text}' is not a known country; sent as is")
        return GeoResult(
            value=None,
            error=GeoError.COUNTRY_NOT_MATCHED,
            detail=f"'{text}' does not match any Salesforce country",
        )
    if picklists is PicklistSetup.DISABLED:
        return GeoResult(value=salesforce_country_name(code), converted=True)
    return GeoResult(value=code, converted=True)


def _subdivision(text: str, country: str) -> tuple[str, str] | None:
    """(code suffix, name) of a country's subdivision named or coded ``text``."""
    key = _key(text)
    # pycountry's subdivision lookup carries no annotations.
    found = pycountry.subdivisions.get(country_code=country)  # type: ignore[no-untyped-call]
    for subdivision in found or ():
        suffix = str(subdivision.code).split("-", 1)[1]
        if key in (_key(suffix), _key(str(subdivision.code)), _key(str(subdivision.name))):
            return suffix, str(subdivision.name)
    return None


def state_to_salesforce(
    text: str | None,
    *,
    country: str | None,
    picklists: PicklistSetup,
    mode: GeographyMode,
    org: OrgPicklists | None = None,
) -> GeoResult:
    """Convert HubSpot's state text, for a record in ``country`` (ISO alpha-2 or org value).

    Salesforce needs a country whenever a state is set with picklists on, and ships
    states only for :data:`COUNTRIES_WITH_DEFAULT_STATES` unless customised.
    """
    if text is None or not text.strip():
        return GeoResult(value=None)
    if mode is GeographyMode.AS_IS:
        return GeoResult(value=text)
    if picklists is PicklistSetup.CUSTOMIZED:
        options = org.states.get(country, ()) if org is not None and country else ()
        option = _match_option(text, options)
        found = _subdivision(text, country) if country else None
        if option is None and found is not None:
            option = _match_option(found[0], options) or _match_option(found[1], options)
        if option is None:
            return _state_error(text, country)
        return GeoResult(value=option.value, converted=True)
    found = _subdivision(text, country) if country else None
    if picklists is PicklistSetup.DISABLED:
        if found is None:
            return GeoResult(value=text, detail=f"'{text}' is not a known state; sent as is")
        return GeoResult(value=found[1], converted=True)
    if found is None or country not in COUNTRIES_WITH_DEFAULT_STATES:
        return _state_error(text, country)
    return GeoResult(value=found[0], converted=True)


def _state_error(text: str, country: str | None) -> GeoResult:
    where = f"country '{country}'" if country else "a record without a country"
    return GeoResult(
        value=None,
        error=GeoError.STATE_NOT_MATCHED,
        detail=f"'{text}' is not a Salesforce state of {where}",
    )


def country_to_hubspot(value: str | None, *, org: OrgPicklists | None = None) -> GeoResult:
    """Salesforce's country (code or name) as HubSpot shows it: the org label or ISO name.

    HubSpot takes any text, so an unknown value passes unchanged.
    """
    if value is None or not value.strip():
        return GeoResult(value=None)
    if org is not None and (option := _match_option(value, org.countries)) is not None:
        return GeoResult(value=option.label, converted=option.label != value)
    code = country_code(value)
    if code is None:
        return GeoResult(value=value)
    name = salesforce_country_name(code)
    return GeoResult(value=name, converted=name != value)


def state_to_hubspot(
    value: str | None, *, country: str | None, org: OrgPicklists | None = None
) -> GeoResult:
    """Salesforce's state (code or name) as HubSpot shows it: the subdivision's name."""
    if value is None or not value.strip():
        return GeoResult(value=None)
    if org is not None and country:
        option = _match_option(value, org.states.get(country, ()))
        if option is not None:
            return GeoResult(value=option.label, converted=option.label != value)
    found = _subdivision(value, country) if country else None
    if found is None:
        return GeoResult(value=value)
    return GeoResult(value=found[1], converted=found[1] != value)
