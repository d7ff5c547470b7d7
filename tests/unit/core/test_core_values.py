"""Blank and equality, shared by every decision in the core."""

from __future__ import annotations

import pytest

from crmsync.core.values import FieldValue, is_blank, values_equal


@pytest.mark.parametrize("value", [None, "", " ", "\t\n"])
def test_blank_is_none_empty_or_whitespace(value: FieldValue) -> None:
    assert is_blank(value)


@pytest.mark.parametrize("value", ["a", 0, 0.0, False, "0"])
def test_zero_false_and_text_are_not_blank(value: FieldValue) -> None:
    assert not is_blank(value)


@pytest.mark.parametrize(
    ("left", "right", "equal"),
    [
        ("42", 42, True),
        ("42.0", 42, True),
        (42.5, "42.50", True),
        ("42", 43, False),
        ("abc", 42, False),
        ("TRUE", True, True),
        ("false", False, True),
        ("false", True, False),
        ("yes", True, False),
        (False, 0, False),
        (None, "", True),
        (None, "x", False),
        ("Ann", "ann", False),
    ],
)
def test_values_equal_across_crm_representations(
    left: FieldValue, right: FieldValue, equal: bool
) -> None:
    assert values_equal(left, right) is equal
    assert values_equal(right, left) is equal
