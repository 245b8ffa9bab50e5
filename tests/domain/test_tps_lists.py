"""Pilkada TPS lists: a kecamatan's count spread over its desa in proportion to their Pemilu TPS."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from suara.domain.regions import parse_tps_ranges
from suara.domain.tps_lists import pilkada_tps_ranges, spread_tps, tps_range_text


def test_worked_example_largest_remainder() -> None:
    # Shares of 5 TPS over 6, 3 and 1 Pemilu TPS: 3.0, 1.5, 0.5. Whole parts 3, 1, 0; one TPS
    # is left for the tied remainders 0.5: the smaller code (B) takes it, and C, at 0 while
    # there are more TPS than desa, takes one from B, the desa furthest above its share.
    assert spread_tps(5, {"A": 6, "B": 3, "C": 1}) == {"A": 3, "B": 1, "C": 1}
    # 4 over 10 and 10: an even split.
    assert spread_tps(4, {"X": 10, "Y": 10}) == {"X": 2, "Y": 2}
    # 3 over 10 and 10: the tie goes to the smaller code.
    assert spread_tps(3, {"Y": 10, "X": 10}) == {"X": 2, "Y": 1}


def test_fewer_tps_than_desa_leaves_the_smallest_without() -> None:
    assert spread_tps(2, {"A": 9, "B": 1, "C": 5}) == {"A": 1, "B": 0, "C": 1}
    assert spread_tps(0, {"A": 9, "B": 1}) == {"A": 0, "B": 0}


def test_desa_without_pemilu_tps() -> None:
    assert spread_tps(4, {"A": 0, "B": 0}) == {"A": 2, "B": 2}
    assert spread_tps(3, {"A": 0, "B": 8, "C": 0}) == {"A": 1, "B": 1, "C": 1}


@pytest.mark.parametrize(
    ("count", "desa", "message"),
    [(-1, {"A": 1}, "negatif"), (2, {}, "tanpa desa"), (2, {"A": -1}, "negatif")],
)
def test_bad_input_is_refused(count: int, desa: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        spread_tps(count, desa)


def test_range_text_in_the_wilayah_format() -> None:
    assert [tps_range_text(n) for n in (0, 1, 2, 17)] == ["", "1", "1-2", "1-17"]
    assert parse_tps_ranges(tps_range_text(17)) == ((1, 17),)


def test_pilkada_tps_ranges_per_desa() -> None:
    desa = {"3201011001": 6, "3201011002": 3, "3201011003": 1, "3201021001": 4}
    ranges = pilkada_tps_ranges({"320101": 5, "320102": 2}, desa)
    assert ranges == {
        "3201011001": "1-3",
        "3201011002": "1",
        "3201011003": "1",
        "3201021001": "1-2",
    }


def test_pilkada_tps_ranges_refuses_a_kecamatan_without_count_or_desa() -> None:
    with pytest.raises(ValueError, match="320102"):
        pilkada_tps_ranges({"320101": 5}, {"3201011001": 6, "3201021001": 4})
    with pytest.raises(ValueError, match="320103"):
        pilkada_tps_ranges({"320101": 5, "320103": 2}, {"3201011001": 6})


WEIGHTS = st.dictionaries(
    st.text("0123456789", min_size=10, max_size=10), st.integers(0, 60), min_size=1, max_size=25
)


@given(st.integers(0, 400), WEIGHTS)
def test_spread_sums_exactly_and_gives_every_desa_one_when_it_can(
    count: int, desa: dict[str, int]
) -> None:
    spread = spread_tps(count, desa)
    assert set(spread) == set(desa)
    assert sum(spread.values()) == count
    assert all(n >= 0 for n in spread.values())
    if count >= len(desa):
        assert all(n >= 1 for n in spread.values())


@given(st.integers(0, 400), WEIGHTS)
def test_spread_is_within_one_of_the_exact_share_when_no_desa_needs_topping_up(
    count: int, desa: dict[str, int]
) -> None:
    total = sum(desa.values())
    if total == 0:
        return
    shares = {code: Fraction(count * n, total) for code, n in desa.items()}
    spread = spread_tps(count, desa)
    if all(share >= 1 for share in shares.values()) or count < len(desa):
        for code, n in spread.items():
            assert abs(n - shares[code]) < 1


@given(st.integers(0, 400), WEIGHTS, st.randoms(use_true_random=False))
def test_spread_does_not_depend_on_the_order_of_the_desa(
    count: int, desa: dict[str, int], rng: object
) -> None:
    items = list(desa.items())
    rng.shuffle(items)  # type: ignore[attr-defined]
    assert spread_tps(count, dict(items)) == spread_tps(count, desa)


@given(st.integers(1, 400), WEIGHTS)
def test_more_pemilu_tps_never_means_fewer_pilkada_tps_than_a_smaller_desa(
    count: int, desa: dict[str, int]
) -> None:
    spread = spread_tps(count, desa)
    for a, pemilu_a in desa.items():
        for b, pemilu_b in desa.items():
            if pemilu_a > pemilu_b:
                assert spread[a] >= spread[b]
