"""Exact display percentages and Indonesian number formatting."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from suara.domain.percent import format_id, percent


def test_situng_2019_progress() -> None:
    # 540,771 of 813,350 TPS = 66.486875... -> 66.48688 (five decimals, half up).
    assert percent(540771, 813350, 5) == Decimal("66.48688")
    assert str(percent(540771, 813350, 5)) == "66.48688"


def test_default_is_two_places() -> None:
    assert str(percent(1, 3)) == "33.33"
    assert str(percent(2, 3)) == "66.67"


@pytest.mark.parametrize(
    ("part", "whole", "places", "expected"),
    [
        (1, 8, 1, "12.5"),      # exactly 12.5
        (1, 8, 0, "13"),        # 12.5 -> 13 (half up, not half even)
        (1, 40, 0, "3"),        # 2.5 -> 3 (half even would give 2)
        (1, 16, 1, "6.3"),      # 6.25 -> 6.3 (half even would give 6.2)
        (1, 16, 2, "6.25"),
        (1, 200, 0, "1"),       # 0.5 -> 1
        (1, 201, 0, "0"),       # 0.4975... -> 0
        (3, 400, 1, "0.8"),     # 0.75 -> 0.8
        (1, 3, 0, "33"),
        (5, 5, 2, "100.00"),
        (0, 7, 3, "0.000"),
        (7, 2, 1, "350.0"),     # a part larger than the whole is allowed
        (1, 6, 4, "16.6667"),
        (1, 7, 5, "14.28571"),
    ],
)
def test_half_up_rounding(part: int, whole: int, places: int, expected: str) -> None:
    assert str(percent(part, whole, places)) == expected


@pytest.mark.parametrize(("places", "expected"), [(0, "0"), (2, "0.00"), (5, "0.00000")])
def test_zero_whole_gives_zero(places: int, expected: str) -> None:
    result = percent(0, 0, places)
    assert result == 0
    assert str(result) == expected
    assert percent(12, 0, places) == 0


@pytest.mark.parametrize(("part", "whole"), [(-1, 10), (1, -10), (-1, -1)])
def test_negative_is_refused(part: int, whole: int) -> None:
    with pytest.raises(ValueError):
        percent(part, whole)


@given(st.integers(0, 10**12), st.integers(1, 10**12), st.integers(0, 8))
def test_percent_matches_exact_fraction_rounded_half_up(part: int, whole: int, places: int) -> None:
    exact = Fraction(part * 100, whole) * 10**places
    floor = exact.numerator // exact.denominator
    rounded = floor + 1 if exact - floor >= Fraction(1, 2) else floor
    result = percent(part, whole, places)
    assert result == Decimal(rounded) / Decimal(10**places)
    assert result.as_tuple().exponent == -places


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (540771, "540.771"),
        (0, "0"),
        (999, "999"),
        (1000, "1.000"),
        (820161, "820.161"),
        (204807222, "204.807.222"),
        (-1234, "-1.234"),
        (Decimal("66.48688"), "66,48688"),
        (Decimal("100.00"), "100,00"),
        (Decimal("0.50"), "0,50"),
        (Decimal("1234.5"), "1.234,5"),
        (Decimal(1234567), "1.234.567"),
        (Decimal("-1234.56"), "-1.234,56"),
        (Decimal("-0.5"), "-0,5"),
    ],
)
def test_format_id(value: Decimal | int, expected: str) -> None:
    assert format_id(value) == expected


def test_format_id_of_a_percent() -> None:
    assert format_id(percent(540771, 813350, 5)) == "66,48688"
    assert format_id(percent(0, 0, 2)) == "0,00"
