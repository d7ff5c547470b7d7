"""Relative date literals map to the right [start, end) ranges (UTC org, Sunday weeks)."""

from __future__ import annotations

import datetime as dt

import pytest

from crmsync.emulators.salesforce.soql.relative_dates import (
    FIXED_NAMES,
    PARAMETERISED_NAMES,
    date_range,
)

TODAY = dt.date(2024, 5, 15)  # Wednesday, second quarter


def d(month: int, day: int, year: int = 2024) -> dt.date:
    return dt.date(year, month, day)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("TODAY", (d(5, 15), d(5, 16))),
        ("YESTERDAY", (d(5, 14), d(5, 15))),
        ("TOMORROW", (d(5, 16), d(5, 17))),
        ("THIS_WEEK", (d(5, 12), d(5, 19))),
        ("LAST_WEEK", (d(5, 5), d(5, 12))),
        ("NEXT_WEEK", (d(5, 19), d(5, 26))),
        ("THIS_MONTH", (d(5, 1), d(6, 1))),
        ("LAST_MONTH", (d(4, 1), d(5, 1))),
        ("NEXT_MONTH", (d(6, 1), d(7, 1))),
        ("LAST_90_DAYS", (d(2, 15), d(5, 16))),
        ("NEXT_90_DAYS", (d(5, 16), d(8, 14))),
        ("THIS_QUARTER", (d(4, 1), d(7, 1))),
        ("LAST_QUARTER", (d(1, 1), d(4, 1))),
        ("NEXT_QUARTER", (d(7, 1), d(10, 1))),
        ("THIS_YEAR", (d(1, 1), d(1, 1, 2025))),
        ("LAST_YEAR", (d(1, 1, 2023), d(1, 1))),
        ("NEXT_YEAR", (d(1, 1, 2025), d(1, 1, 2026))),
    ],
)
def test_fixed_literals(name: str, expected: tuple[dt.date, dt.date]) -> None:
    assert name in FIXED_NAMES
    assert date_range(name, None, today=TODAY) == expected


@pytest.mark.parametrize(
    ("name", "amount", "expected"),
    [
        ("LAST_N_DAYS", 7, (d(5, 8), d(5, 16))),
        ("NEXT_N_DAYS", 7, (d(5, 16), d(5, 23))),
        ("N_DAYS_AGO", 3, (d(5, 12), d(5, 13))),
        ("LAST_N_WEEKS", 2, (d(4, 28), d(5, 12))),
        ("NEXT_N_WEEKS", 1, (d(5, 19), d(5, 26))),
        ("N_WEEKS_AGO", 1, (d(5, 5), d(5, 12))),
        ("LAST_N_MONTHS", 5, (d(12, 1, 2023), d(5, 1))),
        ("NEXT_N_MONTHS", 8, (d(6, 1), d(2, 1, 2025))),
        ("N_MONTHS_AGO", 1, (d(4, 1), d(5, 1))),
        ("LAST_N_QUARTERS", 2, (d(10, 1, 2023), d(4, 1))),
        ("NEXT_N_QUARTERS", 1, (d(7, 1), d(10, 1))),
        ("N_QUARTERS_AGO", 1, (d(1, 1), d(4, 1))),
        ("LAST_N_YEARS", 2, (d(1, 1, 2022), d(1, 1))),
        ("NEXT_N_YEARS", 1, (d(1, 1, 2025), d(1, 1, 2026))),
        ("N_YEARS_AGO", 1, (d(1, 1, 2023), d(1, 1))),
    ],
)
def test_parameterised_literals(name: str, amount: int, expected: tuple[dt.date, dt.date]) -> None:
    assert name in PARAMETERISED_NAMES
    assert date_range(name, amount, today=TODAY) == expected


def test_weeks_start_on_sunday() -> None:
    sunday = d(5, 12)
    assert date_range("THIS_WEEK", None, today=sunday) == (d(5, 12), d(5, 19))
    saturday = d(5, 18)
    assert date_range("THIS_WEEK", None, today=saturday) == (d(5, 12), d(5, 19))
