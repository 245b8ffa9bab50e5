"""The anomaly screens (issue 12) on small synthetic kecamatan: each planted anomaly is found, and
the clean TPS around it are left alone."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from suara.domain.anomalies import (
    DEFAULT_THRESHOLDS,
    SCREENS,
    InvalidThresholds,
    TpsFigures,
    assemble,
    figures_of,
    parse_thresholds,
    screen_unit,
    sums_doc,
)
from suara.domain.anomalies.digits import digit_histograms, digit_test
from suara.domain.anomalies.fingerprint import BINS
from suara.domain.anomalies.tps_screens import (
    form_rules,
    location_and_scale,
    medians_of_others,
    outliers,
    repeated_forms,
    turnout_above_register,
)

KEYS = ("1", "2", "3")
KEC = "317101"


def tps(code: str, votes: tuple[int, ...], dpt: int | None = 250, voters: int | None = None,
        rules: tuple[str, ...] = (), invalid: int = 3) -> TpsFigures:
    sah = sum(votes)
    return TpsFigures(code, votes, sah, invalid, sah + invalid, dpt, sah + invalid if voters is None else voters, rules)


def clean_kecamatan(seed: int, desa: int = 4, per_desa: int = 10, turnout: float = 0.8,
                    shares: tuple[float, ...] = (0.25, 0.55, 0.2)) -> list[TpsFigures]:
    """TPS whose turnout and shares scatter around the same centre, as in a quiet kecamatan."""
    rng = np.random.default_rng(seed)
    found = []
    for d in range(desa):
        for n in range(per_desa):
            dpt = int(rng.integers(200, 300))
            voters = int(rng.binomial(dpt, float(np.clip(rng.normal(turnout, 0.04), 0.3, 0.97))))
            p = rng.dirichlet(np.array(shares) * 150)
            votes = tuple(int(v) for v in rng.multinomial(voters - 3, p))
            found.append(tps(f"{KEC}{1001 + d:04d}{n + 1:03d}", votes, dpt, voters))
    return found


def test_thresholds_default_and_overridden_and_bad_values_refused() -> None:
    assert parse_thresholds(None) == DEFAULT_THRESHOLDS
    assert parse_thresholds("") == DEFAULT_THRESHOLDS
    assert parse_thresholds('{"A3": 4.5, "A4": 2}') == {**DEFAULT_THRESHOLDS, "A3": 4.5, "A4": 2.0}
    for text, words in (('{"A9": 1}', "tidak dikenal"), ('{"A3": "4"}', "harus angka"), ('{"A3": true}', "harus angka"),
                        ('{"A2": 10}', "antara 50 dan 200"), ("[1]", "objek JSON"), ("{A3: 4}", "bukan JSON"),
                        ('{"A3": NaN}', "harus angka")):
        with pytest.raises(InvalidThresholds, match=words):
            parse_thresholds(text)
    for screen in SCREENS.values():  # every explanation names its threshold in both languages
        text = screen.explain(screen.default)
        assert text["id"] and text["en"] and screen.nama_id and screen.nama_en


def test_a1_queues_the_forms_that_break_rules() -> None:
    found = form_rules([tps("3171011001001", (1, 2, 3), rules=("R8",)), tps("3171011001002", (1, 2, 3)),
                        tps("3171011001003", (1, 2, 3), rules=("R8", "R10"))], 1)
    assert set(found) == {"3171011001001", "3171011001003"}
    assert found["3171011001003"].values == {"aturan": ["R8", "R10"]}
    assert set(form_rules([tps("3171011001001", (1,), rules=("R8",)), tps("3171011001003", (1,), rules=("R8", "R9"))],
                          2)) == {"3171011001003"}


def test_a2_turnout_above_the_register_or_a_full_unanimous_tps() -> None:
    rows = [tps("3171011001001", (200, 30, 20), dpt=250, voters=253),  # 101.2%
            tps("3171011001002", (247, 0, 0), dpt=250, voters=250),  # exactly 100%, every vote for one
            tps("3171011001003", (200, 27, 20), dpt=250, voters=250),  # exactly 100%, votes split
            tps("3171011001004", (230, 0, 0), dpt=250, voters=233),  # unanimous but 93%
            tps("3171011001005", (200, 0, 0), dpt=None)]  # no register on the form
    found = turnout_above_register(rows, 100)
    assert set(found) == {"3171011001001", "3171011001002"}
    assert found["3171011001001"].values["partisipasi"] == 1.012
    assert found["3171011001002"].values["satu_calon"] is True
    assert set(turnout_above_register(rows, 102)) == {"3171011001002"}


def test_a3_finds_a_planted_outlier_and_names_the_statistic() -> None:
    rows = clean_kecamatan(1)
    assert outliers(rows, 4.0, KEYS) == {}
    planted = tps(rows[5].tps, (5, 240, 2), dpt=250, voters=250)  # 97% for the leader, 100% turnout
    rows[5] = planted
    found = outliers(rows, 4.0, KEYS)
    assert set(found) == {planted.tps}
    share = found[planted.tps].values["perolehan"]
    assert share["nomor"] == "2" and share["z_kecamatan"] > 4 and share["z_desa"] > 4 and share["nilai"] > 0.95


def test_a3_a_whole_desa_unlike_its_kecamatan_is_not_one_tps_far_out() -> None:
    rows = clean_kecamatan(2)
    # every TPS of the first desa votes 90% for the leader: unusual for the kecamatan, usual for its desa
    rows[:10] = [tps(t.tps, (10, 225, 12), t.pemilih_dpt, 250) for t in rows[:10]]
    assert not {t.tps for t in rows[:10]} & set(outliers(rows, 4.0, KEYS))


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), shift=st.floats(0.4, 0.7), where=st.integers(0, 39))
def test_a3_a_share_far_above_every_tps_around_is_always_found(seed: int, shift: float, where: int) -> None:
    rows = clean_kecamatan(seed)
    t = rows[where]
    leader = int(np.argmax(np.sum([r.votes for r in rows], axis=0)))
    median = float(np.median([r.votes[leader] / sum(r.votes) for r in rows]))
    total = sum(t.votes)
    moved = min(total, int(total * (median + shift)))
    votes = [0, 0, 0]
    votes[leader] = moved
    votes[(leader + 1) % 3] = total - moved
    rows[where] = tps(t.tps, tuple(votes), t.pemilih_dpt, t.pengguna_total)
    assert t.tps in outliers(rows, 4.0, KEYS)


@given(values=st.lists(st.floats(0, 1), min_size=10, max_size=40), offset=st.floats(-1, 1))
def test_the_robust_centre_moves_with_the_values_and_the_spread_does_not(values: list[float], offset: float) -> None:
    median, scale = location_and_scale(values)
    moved_median, moved_scale = location_and_scale([v + offset for v in values])
    assert moved_median == pytest.approx(median + offset, abs=1e-9)
    assert moved_scale == pytest.approx(scale, abs=1e-9)
    others = medians_of_others(values, ["d"] * len(values), 5)
    assert all(min(values) <= m <= max(values) for m in others)


def test_a4_finds_identical_and_near_identical_forms_but_not_small_ones() -> None:
    rows = clean_kecamatan(3)
    twin = tps(rows[20].tps, rows[3].votes, rows[20].pemilih_dpt, sum(rows[3].votes) + 3)
    near = tps(rows[30].tps, (rows[7].votes[0] + 1, rows[7].votes[1] - 1, rows[7].votes[2]), invalid=4)
    rows[20], rows[30] = twin, near
    rows.extend([tps("3171011004011", (5, 7, 2)), tps("3171011004012", (5, 7, 2))])  # 14 votes: by chance
    exact = repeated_forms(rows, 0)
    assert set(exact) == {rows[3].tps, twin.tps}
    assert exact[twin.tps].values == {"mirip_dengan": [rows[3].tps], "jumlah_mirip": 1, "jarak_l1": 0}
    close = repeated_forms(rows, 3)
    assert {rows[7].tps, near.tps} <= set(close) and close[near.tps].values["jarak_l1"] == 3


def test_digit_histograms_use_counts_of_ten_and_more() -> None:
    last, second = digit_histograms(np.array([7, 45, 123, 10, 999, 1000]))
    assert last.tolist() == [2, 0, 0, 1, 0, 1, 0, 0, 0, 1]  # 7 left out
    assert second.tolist() == [2, 0, 1, 0, 0, 1, 0, 0, 0, 1]  # 10 -> 0, 1000 -> 0, 123 -> 2, 45 -> 5, 999 -> 9


def test_a5_flags_made_up_round_numbers_and_not_honest_counts() -> None:
    rng = np.random.default_rng(5)
    honest = rng.integers(10, 300, 600)
    last, second = digit_histograms(honest)
    for test in (digit_test("t", last, 4.5, 0.5, 600), digit_test("t", second, 4.187, 0.5, 600)):
        assert not test.flagged and test.low is not None and test.low < test.mean < test.high
    made_up = rng.choice([50, 100, 120, 150, 75, 80, 200, 25], 600)  # a tired hand ends counts in 0 and 5
    last, _ = digit_histograms(made_up)
    test = digit_test("t", last, 4.5, 0.5, 600)
    assert test.flagged and test.high < 4.0
    assert digit_test("t", last, 4.5, 0.5, 600) == test  # the bootstrap has a fixed seed
    few, _ = digit_histograms(made_up[:40])
    assert not digit_test("t", few, 4.5, 0.5, 40).flagged  # under 50 counts: not tested
    # where most counts are below ten (a DPD race's many candidates), the digits are not tested
    small = digit_test("t", last, 4.5, 0.5, 1300)
    assert small.mean is None and not small.flagged and small.as_dict()["diuji"] is False


def _unit(rows: list[TpsFigures], kode: str = KEC) -> object:
    return screen_unit(kode, rows, DEFAULT_THRESHOLDS, KEYS)


def test_a6_flags_a_region_piled_into_the_fingerprint_corner() -> None:
    clean = clean_kecamatan(6)
    stuffed = clean[:30] + [tps(t.tps, (1, 248, 1), 250, 250) for t in clean[30:]]  # 10 of 40 at 100%/99%
    for rows, expected in ((clean, ()), (stuffed, ("A6",))):
        screening = assemble([screen_unit(KEC, rows, DEFAULT_THRESHOLDS, KEYS)], KEC, DEFAULT_THRESHOLDS, KEYS)
        test = screening.tests[0]
        assert test.kode == KEC and test.screens == expected
        assert screening.fingerprint.shape == (BINS, BINS) and screening.fingerprint.sum() == 40
    assert test.corner.corner == 10 and test.corner.percent == 25.0
    assert screening.fingerprint[BINS - 1, BINS - 1] == 10  # the corner cell holds the stuffed TPS


def test_a_region_is_the_sum_of_its_kecamatan_and_the_monitor_view_leaves_out_the_queue() -> None:
    first = clean_kecamatan(7)
    second = [tps(f"317102{t.tps[6:]}", t.votes, t.pemilih_dpt, t.pengguna_total) for t in clean_kecamatan(8)]
    second[0] = tps(second[0].tps, (300, 0, 0), 250, 303)  # A2
    units = [screen_unit("317101", first, DEFAULT_THRESHOLDS, KEYS), screen_unit("317102", second, DEFAULT_THRESHOLDS, KEYS)]
    region = assemble(units, "3171", DEFAULT_THRESHOLDS, KEYS)
    assert region.counted.tps == 80
    assert region.counted.votes.tolist() == np.sum([t.votes for t in first + second], axis=0).tolist()
    assert [f.figures.tps for f in region.flagged] == [second[0].tps]
    monitor = region.without(region.queue())
    assert monitor.tps == 79 and monitor.votes[0] == region.counted.votes[0] - 300
    assert [t.kode for t in region.tests] == ["3171", "317101", "317102"]
    desa = assemble(units, second[0].desa, DEFAULT_THRESHOLDS, KEYS)  # a desa keeps to its own TPS
    assert desa.counted.tps == 10 and [f.figures.tps for f in desa.flagged] == [second[0].tps]
    assert desa.tests == () and desa.fingerprint.sum() == 10
    doc = sums_doc(monitor, KEYS)
    assert doc["tps"] == 79 and set(doc["persen"]) == set(KEYS)


def test_party_list_forms_are_screened_on_their_party_totals() -> None:
    form = {"tps": "3171011001001", "contest": "pdpr", "dapil": "3102",
            "administrasi": {"pemilih_dpt_j": 200, "pengguna_total_j": 210},
            "partai": {"1": {"suara_partai": 10, "caleg": {"1": 20}, "jumlah": 30},
                       "4": {"suara_partai": 5, "caleg": {}, "jumlah": 5}},
            "suara_sah": 35, "suara_tidak_sah": 2, "suara_total": 37}
    figures = figures_of("3171011001001", form, [{"rule": "R10"}], ("1", "2", "3", "4"))
    assert figures.votes == (30, 0, 0, 5) and figures.turnout == 1.05 and figures.rules == ("R10",)
    unit = screen_unit(KEC, [figures], DEFAULT_THRESHOLDS, ("1", "2", "3", "4"))
    assert [h.screen for h in unit.flagged[0].hits] == ["A1", "A2"]
