"""State and country picklists of an org (ISO values via pycountry) and how writes use them.

With picklists enabled each address compound gains ``<prefix>CountryCode`` and
``<prefix>StateCode`` (restricted picklists; the state field depends on the country with
``validFor`` bitmaps). Writing either the code or the text is accepted and the other is
filled in; text must equal the org's value (its label, the "integration value").
Salesforce ships states for ten countries only; a state for any other country fails.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

import pycountry

from crmsync.emulators.salesforce.errors import ApiError
from crmsync.emulators.salesforce.schema import FieldDef, PicklistValue
from crmsync.emulators.salesforce.settings import OrgSettings, PicklistMode

COUNTRIES_WITH_STATES: Final = ("AU", "BR", "CA", "CN", "IN", "IE", "IT", "JP", "MX", "US")


@cache
def _iso_countries() -> tuple[tuple[str, str], ...]:
    return tuple(sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda x: x[1]))


@cache
def _iso_states(country: str) -> tuple[tuple[str, str], ...]:
    found = pycountry.subdivisions.get(country_code=country)  # type: ignore[no-untyped-call]
    subdivisions = list(found or [])
    if country == "IE":  # Salesforce lists Irish counties, not the four provinces
        subdivisions = [s for s in subdivisions if s.type == "County"]
    elif country == "IT":  # and Italian provinces, not regions
        subdivisions = [s for s in subdivisions if s.parent_code is not None]
    pairs = {s.code.split("-", 1)[1]: s.name for s in subdivisions}
    return tuple(sorted(pairs.items(), key=lambda x: x[1]))


@dataclass(frozen=True)
class Geography:
    """The country and state values of one org configuration."""

    countries: tuple[tuple[str, str], ...]  # (code, label), in picklist order
    states: dict[str, tuple[tuple[str, str], ...]]  # country code → (code, label)

    def country_by_code(self, code: str) -> str | None:
        """The label of a country code, or None."""
        return dict(self.countries).get(code)

    def country_by_label(self, label: str) -> str | None:
        """The code of a country label (case-insensitive), or None."""
        wanted = label.casefold()
        return next((code for code, name in self.countries if name.casefold() == wanted), None)

    def state_by_code(self, country: str, code: str) -> str | None:
        """The label of a state code within a country, or None."""
        return dict(self.states.get(country, ())).get(code)

    def state_by_label(self, country: str, label: str) -> str | None:
        """The code of a state label within a country (case-insensitive), or None."""
        wanted = label.casefold()
        return next(
            (code for code, name in self.states.get(country, ()) if name.casefold() == wanted),
            None,
        )

    def state_picklist_has(self, code: str) -> bool:
        """Whether ``code`` is a state of any country."""
        return any(code == state for states in self.states.values() for state, _ in states)

    def country_picklist(self) -> tuple[PicklistValue, ...]:
        """CountryCode picklist entries."""
        return tuple(PicklistValue(value=code, label=label) for code, label in self.countries)

    def state_picklist(self) -> tuple[PicklistValue, ...]:
        """StateCode entries, each with a ``validFor`` bitmap naming its country's index."""
        index = {code: i for i, (code, _label) in enumerate(self.countries)}
        size = (len(self.countries) + 7) // 8
        entries: list[PicklistValue] = []
        for country, states in self.states.items():
            if country not in index:
                continue
            bitmap = bytearray(size)
            position = index[country]
            bitmap[position >> 3] |= 0x80 >> (position % 8)
            valid_for = base64.b64encode(bytes(bitmap)).decode()
            entries.extend(
                PicklistValue(value=code, label=label, valid_for=valid_for)
                for code, label in states
            )
        return tuple(entries)


def geography_for(settings: OrgSettings) -> Geography:
    """The org's countries and states (ISO, plus the org's custom labels when customized)."""
    custom_countries: tuple[tuple[str, str], ...] = ()
    custom_states: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    if settings.picklist_mode is PicklistMode.CUSTOMIZED:
        custom_countries = tuple(sorted(settings.custom_countries.items()))
        custom_states = tuple(
            (country, tuple(sorted(states.items())))
            for country, states in sorted(settings.custom_states.items())
        )
    return _geography(custom_countries, custom_states)


@cache
def _geography(
    custom_countries: tuple[tuple[str, str], ...],
    custom_states: tuple[tuple[str, tuple[tuple[str, str], ...]], ...],
) -> Geography:
    countries = dict(_iso_countries())
    countries.update(custom_countries)
    states = {country: dict(_iso_states(country)) for country in COUNTRIES_WITH_STATES}
    for country, entries in custom_states:
        states.setdefault(country, {}).update(entries)
    return Geography(
        countries=tuple(sorted(countries.items(), key=lambda x: x[1])),
        states={country: tuple(sorted(s.items(), key=lambda x: x[1])) for country, s in
                states.items()},
    )  # fmt: skip


def code_fields(prefix: str, geography: Geography) -> list[FieldDef]:
    """The ``CountryCode``/``StateCode`` picklist fields of one address compound."""
    label = f"{prefix} " if prefix else ""
    return [
        FieldDef(
            name=f"{prefix}StateCode",
            label=f"{label}State/Province Code",
            type="picklist",
            length=255,
            restricted=True,
            controller_name=f"{prefix}CountryCode",
            picklist=geography.state_picklist(),
            compound_field_name=f"{prefix}Address",
        ),
        FieldDef(
            name=f"{prefix}CountryCode",
            label=f"{label}Country Code",
            type="picklist",
            length=255,
            restricted=True,
            picklist=geography.country_picklist(),
            compound_field_name=f"{prefix}Address",
        ),
    ]


def _state_problem(label: str, field: str) -> ApiError:
    return ApiError.single(
        "FIELD_INTEGRITY_EXCEPTION",
        "There's a problem with this state, even though it may appear correct. Please "
        f"select a state from the list of valid states.: {label}",
        fields=[field],
    )


def apply_address(
    prefix: str, values: dict[str, Any], current: dict[str, Any], geography: Geography
) -> None:
    """Check and complete one address compound of a write, in place (picklists enabled).

    ``values`` holds the fields being written, ``current`` the stored record (empty on
    create). Raises :class:`ApiError` the way Salesforce refuses a bad code or text.
    """
    country_code_field, country_field = f"{prefix}CountryCode", f"{prefix}Country"
    state_code_field, state_field = f"{prefix}StateCode", f"{prefix}State"
    label = f"{prefix} " if prefix else ""
    touched = {country_code_field, country_field, state_code_field, state_field} & set(values)
    if not touched:
        return
    country_code = _country(values, current, geography, prefix, label)
    if state_code_field in values or state_field in values or country_code_field in values:
        _state(values, current, geography, country_code, prefix, label)


def _country(
    values: dict[str, Any], current: dict[str, Any], geography: Geography, prefix: str, label: str
) -> str | None:
    code_field, text_field = f"{prefix}CountryCode", f"{prefix}Country"
    code, text = values.get(code_field), values.get(text_field)
    if code_field in values and code is not None:
        name = geography.country_by_code(str(code))
        if name is None:
            raise ApiError.single(
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"{label}Country Code: bad value for restricted picklist field: {code}",
                fields=[code_field],
            )
        if text is not None and geography.country_by_label(str(text)) != code:
            raise _country_problem(label, text_field)
        values[text_field] = name
        return str(code)
    if text_field in values and text is not None:
        found = geography.country_by_label(str(text))
        if found is None:
            raise _country_problem(label, text_field)
        values[code_field] = found
        values[text_field] = geography.country_by_code(found)
        return found
    if code_field in values or text_field in values:  # explicitly cleared
        values[code_field] = values[text_field] = None
        return None
    stored = current.get(code_field)
    return str(stored) if stored else None


def _country_problem(label: str, field: str) -> ApiError:
    return ApiError.single(
        "FIELD_INTEGRITY_EXCEPTION",
        "There's a problem with this country, even though it may appear correct. Please "
        f"select a country/territory from the list of valid countries.: {label}Country",
        fields=[field],
    )


def _state(  # noqa: PLR0917 - private helper of apply_address
    values: dict[str, Any],
    current: dict[str, Any],
    geography: Geography,
    country: str | None,
    prefix: str,
    label: str,
) -> None:
    code_field, text_field = f"{prefix}StateCode", f"{prefix}State"
    code = values.get(code_field, current.get(code_field) if text_field not in values else None)
    text = values.get(text_field)
    if code is None and text is None:
        values[code_field] = values[text_field] = None
        return
    if country is None or country not in geography.states:
        raise _state_problem(f"{label}State/Province", code_field if code else text_field)
    if code is not None:
        name = geography.state_by_code(country, str(code))
        if name is None:
            if code_field in values and geography.state_picklist_has(str(code)):
                raise _state_problem(f"{label}State/Province", code_field)
            raise ApiError.single(
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"{label}State/Province Code: bad value for restricted picklist field: {code}",
                fields=[code_field],
            )
        values[code_field], values[text_field] = str(code), name
        return
    found = geography.state_by_label(country, str(text))
    if found is None:
        raise _state_problem(f"{label}State/Province", text_field)
    values[code_field], values[text_field] = found, geography.state_by_code(country, found)
