"""Relative date literals (``TODAY``, ``LAST_N_DAYS:7``, ...) as half-open date ranges.

The emulated org's time zone is UTC and its locale en_US (weeks start on Sunday,
calendar quarters), so a literal depends only on the UTC date of the query's ``now``.
A literal stands for ``[start, end)``; the executor maps each operator onto that range
(``= TODAY`` is inside it, ``> TODAY`` is on or after ``end``, ``< TODAY`` before ``start``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Final

DateRange = tuple[dt.date, dt.date]


def _add_months(day: dt.date, months: int) -> dt.date:
    """First day of the month ``months`` after ``day``'s month (``day`` is a 1st)."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _week_start(today: dt.date) -> dt.date:
    # en_US weeks run Sunday..Saturday; date.weekday() has Monday = 0.
    return today - dt.timedelta(days=(today.weekday() + 1) % 7)


def _month_start(today: dt.date) -> dt.date:
    return today.replace(day=1)


def _quarter_start(today: dt.date) -> dt.date:
    return dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)


def _year_start(today: dt.date) -> dt.date:
    return dt.date(today.year, 1, 1)


def _days(start: int, length: int) -> Callable[[dt.date], DateRange]:
    def span(today: dt.date) -> DateRange:
        first = today + dt.timedelta(days=start)
        return first, first + dt.timedelta(days=length)

    return span


def _weeks(offset: int) -> Callable[[dt.date], DateRange]:
    def span(today: dt.date) -> DateRange:
        first = _week_start(today) + dt.timedelta(weeks=offset)
        return first, first + dt.timedelta(weeks=1)

    return span


def _months(offset: int, length: int, *, unit: int = 1) -> Callable[[dt.date], DateRange]:
    """Spans of calendar months (``unit`` 3 = quarters, 12 = years)."""

    def span(today: dt.date) -> DateRange:
        anchor = {1: _month_start, 3: _quarter_start, 12: _year_start}[unit](today)
        first = _add_months(anchor, offset * unit)
        return first, _add_months(first, length * unit)

    return span


_FIXED: Final[dict[str, Callable[[dt.date], DateRange]]] = {
    "TODAY": _days(0, 1),
    "YESTERDAY": _days(-1, 1),
    "TOMORROW": _days(1, 1),
    "LAST_WEEK": _weeks(-1),
    "THIS_WEEK": _weeks(0),
    "NEXT_WEEK": _weeks(1),
    "LAST_MONTH": _months(-1, 1),
    "THIS_MONTH": _months(0, 1),
    "NEXT_MONTH": _months(1, 1),
    "LAST_90_DAYS": _days(-90, 91),
    "NEXT_90_DAYS": _days(1, 90),
    "LAST_QUARTER": _months(-1, 1, unit=3),
    "THIS_QUARTER": _months(0, 1, unit=3),
    "NEXT_QUARTER": _months(1, 1, unit=3),
    "LAST_YEAR": _months(-1, 1, unit=12),
    "THIS_YEAR": _months(0, 1, unit=12),
    "NEXT_YEAR": _months(1, 1, unit=12),
}


_MONTH_UNITS: Final = {"MONTHS": 1, "QUARTERS": 3, "YEARS": 12}


def _n_span(name: str, n: int, today: dt.date) -> DateRange:
    day = dt.timedelta(days=1)
    if name == "LAST_N_DAYS":
        # Includes today: from 00:00 n days ago to the end of today.
        return today - n * day, today + day
    if name == "NEXT_N_DAYS":
        # Starts tomorrow and runs n days.
        return today + day, today + (n + 1) * day
    if name == "N_DAYS_AGO":
        return today - n * day, today - (n - 1) * day
    if name in {"LAST_N_WEEKS", "NEXT_N_WEEKS", "N_WEEKS_AGO"}:
        week = _week_start(today)
        if name == "LAST_N_WEEKS":
            return week - dt.timedelta(weeks=n), week
        if name == "NEXT_N_WEEKS":
            return week + dt.timedelta(weeks=1), week + dt.timedelta(weeks=n + 1)
        return week - dt.timedelta(weeks=n), week - dt.timedelta(weeks=n - 1)
    unit = next(months for key, months in _MONTH_UNITS.items() if key in name)
    anchor = {1: _month_start, 3: _quarter_start, 12: _year_start}[unit](today)
    if name.startswith("LAST_N_"):
        return _add_months(anchor, -n * unit), anchor
    if name.startswith("NEXT_N_"):
        return _add_months(anchor, unit), _add_months(anchor, (n + 1) * unit)
    return _add_months(anchor, -n * unit), _add_months(anchor, (-n + 1) * unit)


_UNITS: Final = ("DAYS", "WEEKS", "MONTHS", "QUARTERS", "YEARS")
PARAMETERISED_NAMES: Final = frozenset(
    [f"LAST_N_{unit}" for unit in _UNITS]
    + [f"NEXT_N_{unit}" for unit in _UNITS]
    + [f"N_{unit}_AGO" for unit in _UNITS]
)
FIXED_NAMES: Final = frozenset(_FIXED)


def date_range(name: str, amount: int | None, *, today: dt.date) -> DateRange:
    """The ``[start, end)`` dates a relative literal covers on ``today``.

    ``name`` must be one of :data:`FIXED_NAMES` (with ``amount`` None) or
    :data:`PARAMETERISED_NAMES` (with ``amount`` set); the parser checks this.
    """
    if amount is None:
        return _FIXED[name](today)
    return _n_span(name, amount, today)
