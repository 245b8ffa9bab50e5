"""The consistency rules R1..R11 (shared/spec/c-hasil.md) and conform_to_contest."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from suara.domain.contests import Candidate, Contest
from suara.domain.form import ADMINISTRASI_KEYS, Form, MalformedForm, parse_form
from suara.domain.rules import (
    CHECKS,
    RULES,
    Flag,
    Severity,
    check_form,
    conform_to_contest,
    reserve_ballots,
)

PPWP = Contest(
    "ppwp", "ppwp", "0", "Presiden", 300,
    (
        Candidate(1, "100025", "A - B", "#111111"),
        Candidate(2, "100026", "C - D", "#222222"),
        Candidate(3, "100027", "E - F", "#333333"),
    ),
)
PILKADA = Contest(
    "pkwkk-3204", "pkwkk", "3204", "Bupati Bandung", 600,
    (Candidate(1, "200001", "G - H", "#444444"), Candidate(2, "200002", "I - J", "#555555")),
)

# The example form of form-json.md: every rule holds on it.
EXAMPLE: dict[str, Any] = {
    "tps": "3101011001005",
    "contest": "ppwp",
    "administrasi": {
        "pemilih_dpt_l": 141, "pemilih_dpt_p": 139, "pemilih_dpt_j": 280,
        "pengguna_dpt_l": 118, "pengguna_dpt_p": 122, "pengguna_dpt_j": 240,
        "pengguna_dptb_l": 2, "pengguna_dptb_p": 1, "pengguna_dptb_j": 3,
        "pengguna_non_dpt_l": 4, "pengguna_non_dpt_p": 2, "pengguna_non_dpt_j": 6,
        "pengguna_total_l": 124, "pengguna_total_p": 125, "pengguna_total_j": 249,
        "pemilih_disabilitas_j": 2,
        "surat_suara_diterima": 286, "surat_suara_dikembalikan": 1,
        "surat_suara_tidak_digunakan": 36, "surat_suara_digunakan": 249,
    },
    "suara": {"1": 60, "2": 122, "3": 64},
    "suara_sah": 246,
    "suara_tidak_sah": 3,
    "suara_total": 249,
}


def form(adm: dict[str, int] | None = None, drop: tuple[str, ...] = (), **top: Any) -> Form:
    """The example form with some administrasi numbers changed or dropped, or top keys changed."""
    doc = copy.deepcopy(EXAMPLE)
    doc["administrasi"].update(adm or {})
    for key in drop:
        del doc["administrasi"][key]
    doc.update(top)
    return parse_form(doc)


def bare(**top: Any) -> Form:
    """The example form without its administrasi section."""
    doc = copy.deepcopy(EXAMPLE)
    del doc["administrasi"]
    doc.update(top)
    return parse_form(doc)


def rules_of(flags: list[Flag]) -> list[str]:
    return [f.rule for f in flags]


def only(rule: str, f: Form, contest: Contest = PPWP, count: int = 1) -> list[Flag]:
    """Assert that exactly `rule` fires (count times) and nothing else; return its flags."""
    flags = check_form(f, contest)
    assert rules_of(flags) == [rule] * count, [(x.rule, x.message) for x in flags]
    for flag in flags:
        assert flag.severity is RULES[rule].severity
        assert flag.message and flag.message_en and flag.boxes
        assert "_" not in flag.message + flag.message_en, "a message names boxes by the form's labels"
    return flags


# --- the rule table ---------------------------------------------------------------------------

SPEC_SEVERITY = {
    "R1": "error", "R2": "error", "R3": "warning", "R4": "warning", "R5": "error",
    "R6": "warning", "R7": "warning", "R8": "error", "R9": "error", "R10": "error", "R11": "error",
    "R12": "error", "R13": "error", "R14": "error", "R15": "error",
    "R16": "warning",  # docs/form-legislatif.md: the form against the machine reading of its photo
}


def test_rule_table_matches_the_spec() -> None:
    assert list(RULES) == [f"R{n}" for n in range(1, 17)]
    assert {rid: info.severity.value for rid, info in RULES.items()} == SPEC_SEVERITY
    for rid, info in RULES.items():
        assert info.id == rid
        assert info.judul and info.title
    assert len(CHECKS) == 13  # R12 is parsing, R13 and R16 need the photos


def test_example_form_is_clean() -> None:
    assert check_form(form(), PPWP) == []


def test_example_form_without_administrasi_is_clean() -> None:
    assert check_form(bare(), PPWP) == []


def test_flags_come_in_rule_order() -> None:
    # pengguna_total_j 250 breaks R1 (J column), R2 (124 + 125) and R7 (249 ballots used);
    # a 1000 overflows the three boxes (R11); suara_total 1 breaks R9.
    f = form({"pengguna_total_j": 250}, suara={"1": 1000, "2": 122, "3": 64}, suara_sah=1186,
             suara_total=1)
    assert rules_of(check_form(f, PPWP)) == ["R1", "R2", "R7", "R9", "R11"]


# --- R1: pengguna_total = dpt + dptb + non_dpt, for L, P and J ---------------------------------


def test_r1_fails_in_l_and_p_columns() -> None:
    # Swap the L and P totals: J still adds up (and J = L + P), but L and P columns do not.
    flags = only("R1", form({"pengguna_total_l": 125, "pengguna_total_p": 124}), count=2)
    assert flags[0].message.startswith("Jumlah pengguna hak pilih (laki-laki: 125) tidak sama dengan")
    assert flags[0].message_en.startswith("All who voted (male: 125) does not equal")
    assert "(122 + 1 + 2 = 125)" in flags[1].message
    assert flags[0].boxes == ("administrasi.pengguna_total_l", "administrasi.pengguna_dpt_l",
                              "administrasi.pengguna_dptb_l", "administrasi.pengguna_non_dpt_l")


def test_r1_fails_in_j_column() -> None:
    # Only J columns given for voters; one more voter counted in the total (and ballots used).
    drop = tuple(f"{g}_{s}" for g in ("pengguna_dpt", "pengguna_dptb", "pengguna_non_dpt", "pengguna_total")
                 for s in ("l", "p"))
    f = form({"pengguna_total_j": 250, "surat_suara_digunakan": 250, "surat_suara_tidak_digunakan": 35},
             drop=drop)
    (flag,) = only("R1", f)
    assert "Jumlah pengguna hak pilih (jumlah: 250)" in flag.message and "= 249)" in flag.message


# --- R2: J = L + P -----------------------------------------------------------------------------


@pytest.mark.parametrize("change", [{"pemilih_dpt_l": 140}, {"pemilih_dpt_p": 140}, {"pemilih_dpt_j": 281}])
def test_r2_fails_on_pemilih_dpt(change: dict[str, int]) -> None:
    (flag,) = only("R2", form(change))
    assert flag.message.startswith("Pemilih dalam DPT (jumlah: ")
    assert flag.boxes[0] == "administrasi.pemilih_dpt_j"


def test_r2_fails_per_group() -> None:
    # One L voter moved from DPK to DPTb: the L column still adds up (R1 holds), but the J of
    # both groups no longer equals L + P.
    flags = only("R2", form({"pengguna_dptb_l": 3, "pengguna_non_dpt_l": 3}), count=2)
    assert flags[0].message.startswith("Pengguna hak pilih DPTb (jumlah: 3)")
    assert flags[1].message.startswith("Pengguna hak pilih DPK (jumlah: 6)")


def test_r2_ignores_disabilitas_which_has_only_j() -> None:
    assert check_form(form({"pemilih_disabilitas_j": 200}), PPWP) == []


# --- R3: pengguna_dpt <= pemilih_dpt -----------------------------------------------------------


def test_r3_warns_per_sex() -> None:
    # 118 men on the DPT voted but only 117 are registered (J unchanged at 280).
    (flag,) = only("R3", form({"pemilih_dpt_l": 117, "pemilih_dpt_p": 163}))
    assert flag.severity is Severity.WARNING
    assert flag.message == "Pengguna hak pilih DPT (laki-laki: 118) melebihi Pemilih dalam DPT (laki-laki: 117)"
    assert flag.message_en == ("Voters from the DPT who voted (male: 118) exceed "
                               "Voters on the voter list (DPT) (male: 117)")


def test_r3_warns_on_j() -> None:
    # Without the ballot section (R5/R6 silent) R3 fires in L, P and J.
    adm = {"pemilih_dpt_l": 117, "pemilih_dpt_p": 120, "pemilih_dpt_j": 237}
    f = form(adm, drop=("surat_suara_diterima",))
    flags = only("R3", f, count=3)
    assert "Pengguna hak pilih DPT (jumlah: 240) melebihi Pemilih dalam DPT (jumlah: 237)" == flags[2].message


def test_r3_equal_is_fine() -> None:
    assert check_form(form({"pemilih_dpt_l": 118, "pemilih_dpt_p": 162}), PPWP) == []


# --- R4: pemilih_dpt <= TPS capacity of the contest ---------------------------------------------

OVER_300 = {"pemilih_dpt_l": 160, "pemilih_dpt_p": 141, "pemilih_dpt_j": 301}


def test_r4_warns_above_capacity() -> None:
    (flag,) = only("R4", form(OVER_300))
    assert flag.severity is Severity.WARNING
    assert "301" in flag.message and "300" in flag.message


def test_r4_capacity_boundary() -> None:
    assert check_form(form({"pemilih_dpt_l": 160, "pemilih_dpt_p": 140, "pemilih_dpt_j": 300}), PPWP) == []


def test_r4_uses_the_contest_capacity() -> None:
    # Pilkada 2024 allows 600 voters per TPS.
    assert check_form(form(OVER_300), PILKADA) == []
    over_600 = {"pemilih_dpt_l": 301, "pemilih_dpt_p": 300, "pemilih_dpt_j": 601}
    assert "R4" in rules_of(check_form(form(over_600), PILKADA))


# --- R5: diterima = digunakan + dikembalikan + tidak_digunakan ----------------------------------


@pytest.mark.parametrize(
    "change",
    [{"surat_suara_tidak_digunakan": 35}, {"surat_suara_dikembalikan": 0}, {"surat_suara_diterima": 285}],
)
def test_r5_fails(change: dict[str, int]) -> None:
    (flag,) = only("R5", form(change))
    assert flag.severity is Severity.ERROR


# --- R6: diterima <= dpt + ceil(2% of dpt) + dptb -----------------------------------------------


@pytest.mark.parametrize(("dpt", "reserve"), [(0, 0), (1, 1), (50, 1), (51, 2), (250, 5), (280, 6), (300, 6)])
def test_reserve_is_two_percent_rounded_up(dpt: int, reserve: int) -> None:
    assert reserve_ballots(dpt) == reserve


def test_r6_boundary() -> None:
    # 280 + 6 + 3 = 289 ballots may be received.
    assert check_form(form({"surat_suara_diterima": 289, "surat_suara_tidak_digunakan": 39}), PPWP) == []
    (flag,) = only("R6", form({"surat_suara_diterima": 290, "surat_suara_tidak_digunakan": 40}))
    assert flag.severity is Severity.WARNING
    assert "290" in flag.message and "289" in flag.message


# --- R7: digunakan = pengguna_total -------------------------------------------------------------


def test_r7_warns() -> None:
    (flag,) = only("R7", form({"surat_suara_digunakan": 248, "surat_suara_tidak_digunakan": 37}))
    assert flag.severity is Severity.WARNING
    assert "248" in flag.message and "249" in flag.message


# --- R8: suara_sah = sum of suara ---------------------------------------------------------------


def test_r8_fails() -> None:
    (flag,) = only("R8", form(suara={"1": 61, "2": 121, "3": 63}))
    assert "246" in flag.message and "245" in flag.message


def test_r8_applies_without_administrasi() -> None:
    only("R8", bare(suara={"1": 61, "2": 122, "3": 64}))


# --- R9: suara_total = suara_sah + suara_tidak_sah ----------------------------------------------


@pytest.mark.parametrize("change", [{"suara_total": 248}, {"suara_tidak_sah": 2}])
def test_r9_fails(change: dict[str, int]) -> None:
    only("R9", form(**change))
    only("R9", bare(**change))


# --- R10: suara_total <= pengguna_total ---------------------------------------------------------


def test_r10_fails() -> None:
    # One more invalid ballot than there were voters: the totals add up, but exceed the voters.
    (flag,) = only("R10", form(suara_tidak_sah=4, suara_total=250))
    assert "250" in flag.message and "249" in flag.message


def test_r10_equal_is_fine() -> None:
    assert check_form(form(), PPWP) == []  # suara_total 249 == pengguna_total_j 249


# --- R11: each candidate's votes <= 999 and <= dpt + dptb + non_dpt -----------------------------

NO_TOTALS = ("pengguna_total_l", "pengguna_total_p", "pengguna_total_j")


def test_r11_three_digit_boxes() -> None:
    (flag,) = only("R11", bare(suara={"1": 1000, "2": 0, "3": 0}, suara_sah=1000, suara_tidak_sah=3,
                                suara_total=1003))
    assert "1000" in flag.message and "999" in flag.message
    assert check_form(bare(suara={"1": 999, "2": 0, "3": 0}, suara_sah=999, suara_total=1002), PPWP) == []


def test_r11_voter_ceiling() -> None:
    # 280 + 3 + 6 = 289 people could have voted; the totals are left out so only R11 can fire.
    ok = form(drop=NO_TOTALS, suara={"1": 289, "2": 0, "3": 0}, suara_sah=289, suara_total=292)
    assert check_form(ok, PPWP) == []
    over = form(drop=NO_TOTALS, suara={"1": 290, "2": 0, "3": 0}, suara_sah=290, suara_total=293)
    (flag,) = only("R11", over)
    assert "290" in flag.message and "289" in flag.message


def test_r11_flags_each_candidate() -> None:
    f = bare(suara={"1": 1000, "2": 5, "3": 2000}, suara_sah=3005, suara_total=3008)
    flags = only("R11", f, count=2)
    assert flags[0].message == "Suara nomor urut 1 (1000) melebihi 999 (tiga kotak angka)"
    assert flags[1].message_en == "Votes for number 3 (2000) exceed 999 (three digit boxes)"
    assert [f.boxes for f in flags] == [("suara.1",), ("suara.3",)]


# --- rules are silent when the fields they need are missing -------------------------------------

SILENT_CASES = [
    # rule, administrasi change that breaks it, top-level change, fields then dropped
    ("R1", {"pengguna_total_l": 125, "pengguna_total_p": 124}, {}, ("pengguna_dptb_l", "pengguna_dptb_p")),
    ("R1", {"pengguna_total_l": 125, "pengguna_total_p": 124}, {}, ("pengguna_total_l", "pengguna_total_p")),
    ("R2", {"pemilih_dpt_l": 140}, {}, ("pemilih_dpt_j",)),
    ("R2", {"pemilih_dpt_l": 140}, {}, ("pemilih_dpt_l",)),
    ("R3", {"pemilih_dpt_l": 117, "pemilih_dpt_p": 163}, {}, ("pemilih_dpt_l",)),
    ("R3", {"pemilih_dpt_l": 117, "pemilih_dpt_p": 163}, {}, ("pengguna_dpt_l",)),
    ("R4", OVER_300, {}, ("pemilih_dpt_j",)),
    ("R5", {"surat_suara_tidak_digunakan": 35}, {}, ("surat_suara_dikembalikan",)),
    ("R5", {"surat_suara_tidak_digunakan": 35}, {}, ("surat_suara_diterima",)),
    ("R6", {"surat_suara_diterima": 290, "surat_suara_tidak_digunakan": 40}, {}, ("pemilih_dpt_j",)),
    ("R6", {"surat_suara_diterima": 290, "surat_suara_tidak_digunakan": 40}, {}, ("surat_suara_diterima",)),
    ("R6", {"surat_suara_diterima": 290, "surat_suara_tidak_digunakan": 40}, {}, ("pengguna_dptb_j",)),
    ("R7", {"surat_suara_digunakan": 248, "surat_suara_tidak_digunakan": 37}, {}, ("surat_suara_digunakan",)),
    ("R7", {"surat_suara_digunakan": 248, "surat_suara_tidak_digunakan": 37}, {}, ("pengguna_total_j",)),
    ("R10", {}, {"suara_tidak_sah": 4, "suara_total": 250}, ("pengguna_total_j",)),
    ("R11", {}, {"suara": {"1": 290, "2": 0, "3": 0}, "suara_sah": 290, "suara_total": 293},
     NO_TOTALS + ("pengguna_non_dpt_j",)),
    ("R11", {}, {"suara": {"1": 290, "2": 0, "3": 0}, "suara_sah": 290, "suara_total": 293},
     NO_TOTALS + ("pemilih_dpt_j",)),
]


@pytest.mark.parametrize(("rule", "adm", "top", "missing"), SILENT_CASES)
def test_rule_is_silent_when_a_field_is_missing(
    rule: str, adm: dict[str, int], top: dict[str, Any], missing: tuple[str, ...]
) -> None:
    always_dropped = NO_TOTALS if rule == "R11" else ()
    broken = form(adm, drop=always_dropped, **top)
    assert rule in rules_of(check_form(broken, PPWP))
    assert rule not in rules_of(check_form(form(adm, drop=missing, **top), PPWP))


def test_no_administrasi_means_only_vote_rules_can_fire() -> None:
    # Far more votes than the (absent) voter numbers could allow: nothing to compare against.
    f = bare(suara={"1": 900, "2": 900, "3": 900}, suara_sah=2700, suara_tidak_sah=999, suara_total=3699)
    assert check_form(f, PPWP) == []


# --- the two incidents of c-hasil.md ------------------------------------------------------------

# A TPS with 214 voters, 211 valid and 3 invalid votes.
INCIDENT_A_ADM = {
    "pemilih_dpt_l": 130, "pemilih_dpt_p": 128, "pemilih_dpt_j": 258,
    "pengguna_dpt_l": 100, "pengguna_dpt_p": 105, "pengguna_dpt_j": 205,
    "pengguna_dptb_l": 2, "pengguna_dptb_p": 1, "pengguna_dptb_j": 3,
    "pengguna_non_dpt_l": 4, "pengguna_non_dpt_p": 2, "pengguna_non_dpt_j": 6,
    "pengguna_total_l": 106, "pengguna_total_p": 108, "pengguna_total_j": 214,
    "pemilih_disabilitas_j": 1,
    "surat_suara_diterima": 264, "surat_suara_dikembalikan": 0,
    "surat_suara_tidak_digunakan": 50, "surat_suara_digunakan": 214,
}


def test_incident_totals_keyed_as_candidate_votes() -> None:
    base = {"tps": "3204010001001", "contest": "ppwp", "administrasi": INCIDENT_A_ADM,
            "suara_sah": 211, "suara_tidak_sah": 3, "suara_total": 214}
    as_written = parse_form({**base, "suara": {"1": 90, "2": 70, "3": 51}})
    assert check_form(as_written, PPWP) == []
    # The valid (211) and invalid (3) totals keyed in as the votes of paslon 01 and 02.
    keyed = parse_form({**base, "suara": {"1": 211, "2": 3, "3": 0}})
    (flag,) = only("R8", keyed)
    assert flag.rule == "R8" and flag.severity is Severity.ERROR
    assert "211" in flag.message and "214" in flag.message


# A TPS with 276 voters: paslon 1 got 117, paslon 2 got 136, paslon 3 got 20.
INCIDENT_B_ADM = {
    "pemilih_dpt_l": 150, "pemilih_dpt_p": 148, "pemilih_dpt_j": 298,
    "pengguna_dpt_l": 130, "pengguna_dpt_p": 138, "pengguna_dpt_j": 268,
    "pengguna_dptb_l": 2, "pengguna_dptb_p": 1, "pengguna_dptb_j": 3,
    "pengguna_non_dpt_l": 3, "pengguna_non_dpt_p": 2, "pengguna_non_dpt_j": 5,
    "pengguna_total_l": 135, "pengguna_total_p": 141, "pengguna_total_j": 276,
    "pemilih_disabilitas_j": 1,
    "surat_suara_diterima": 304, "surat_suara_dikembalikan": 1,
    "surat_suara_tidak_digunakan": 27, "surat_suara_digunakan": 276,
}


def test_incident_handwriting_misread() -> None:
    written = {"tps": "3204010001002", "contest": "ppwp", "administrasi": INCIDENT_B_ADM,
               "suara": {"1": 117, "2": 136, "3": 20}, "suara_sah": 273, "suara_tidak_sah": 3,
               "suara_total": 276}
    assert check_form(parse_form(written), PPWP) == []
    # The app reads 117 as 617 and 136 as 136188 on the votes page; the written suara_sah (273)
    # is kept, and the app's suara_total is summed from the misread votes plus the invalid ones.
    misread_votes = {"1": 617, "2": 136188, "3": 20}
    misread = parse_form({**written, "suara": misread_votes,
                          "suara_total": sum(misread_votes.values()) + 3})
    flags = check_form(misread, PPWP)
    fired = rules_of(flags)
    assert {"R8", "R10", "R11"} <= set(fired)
    # The summed total also no longer equals sah + tidak sah.
    assert fired == ["R8", "R9", "R10", "R11", "R11"]
    assert all(f.severity is Severity.ERROR for f in flags)
    r11 = [f.message for f in flags if f.rule == "R11"]
    assert "Suara nomor urut 1 (617)" in r11[0] and "(306)" in r11[0]  # 298 + 3 + 5 could have voted
    assert r11[1] == "Suara nomor urut 2 (136188) melebihi 999 (tiga kotak angka)"


def test_incident_misread_with_totals_copied_from_the_votes() -> None:
    # The app fills suara_sah and suara_total from the misread votes: R8 then holds, but the
    # impossible numbers are still caught by R10 and R11.
    votes = {"1": 617, "2": 136188, "3": 20}
    doc = {"tps": "3204010001002", "contest": "ppwp", "administrasi": INCIDENT_B_ADM, "suara": votes,
           "suara_sah": sum(votes.values()), "suara_tidak_sah": 3, "suara_total": sum(votes.values()) + 3}
    assert rules_of(check_form(parse_form(doc), PPWP)) == ["R10", "R11", "R11"]


# --- conform_to_contest -------------------------------------------------------------------------


def test_conform_accepts_exact_candidates() -> None:
    conform_to_contest(form(), PPWP)
    conform_to_contest(form(suara={"3": 64, "1": 60, "2": 122}), PPWP)


def test_conform_refuses_extra_nomor_urut() -> None:
    with pytest.raises(MalformedForm) as info:
        conform_to_contest(form(suara={"1": 60, "2": 122, "3": 64, "4": 0}), PPWP)
    assert info.value.rule_id == "R12" and info.value.field == "suara"
    assert "4" in str(info.value)


def test_conform_refuses_missing_nomor_urut() -> None:
    with pytest.raises(MalformedForm) as info:
        conform_to_contest(form(suara={"1": 60, "2": 186}), PPWP)
    assert info.value.field == "suara"
    assert "tidak ada: 3" in str(info.value)


def test_conform_reports_extra_and_missing_together() -> None:
    with pytest.raises(MalformedForm) as info:
        conform_to_contest(form(suara={"1": 60, "2": 122, "10": 64}), PPWP)
    assert "tidak dikenal: 10" in str(info.value) and "tidak ada: 3" in str(info.value)


def test_conform_refuses_other_contest() -> None:
    with pytest.raises(MalformedForm) as info:
        conform_to_contest(form(suara={"1": 60, "2": 186}), PILKADA)  # form says ppwp
    assert info.value.field == "contest"
    conform_to_contest(form(contest="pkwkk-3204", suara={"1": 60, "2": 186}), PILKADA)


# --- property: consistent forms are clean; breaking R8 is caught -------------------------------


@st.composite
def consistent_docs(draw: st.DrawFn) -> dict[str, Any]:
    """A random form on which every rule R1..R11 holds (3 paslon, capacity 300)."""
    dpt_used_l, dpt_used_p = draw(st.integers(0, 130)), draw(st.integers(0, 130))
    dptb_l, dptb_p, dpk_l, dpk_p = (draw(st.integers(0, 3)) for _ in range(4))
    returned = draw(st.integers(0, 3))
    dptb_j, dpk_j = dptb_l + dptb_p, dpk_l + dpk_p
    # Registered voters who did not vote; enough of them that the ballots add up.
    spare_l = draw(st.integers(0, 10)) + dptb_j + dpk_j + returned
    spare_p = draw(st.integers(0, 10))
    dpt_l, dpt_p = dpt_used_l + spare_l, dpt_used_p + spare_p
    dpt_j = dpt_l + dpt_p
    total_l = dpt_used_l + dptb_l + dpk_l
    total_p = dpt_used_p + dptb_p + dpk_p
    total_j = total_l + total_p
    received = dpt_j + (dpt_j * 2 + 99) // 100
    invalid = draw(st.integers(0, min(10, total_j)))
    valid = total_j - invalid
    cuts = sorted(draw(st.lists(st.integers(0, valid), min_size=2, max_size=2)))
    votes = [cuts[0], cuts[1] - cuts[0], valid - cuts[1]]
    adm = {
        "pemilih_dpt_l": dpt_l, "pemilih_dpt_p": dpt_p, "pemilih_dpt_j": dpt_j,
        "pengguna_dpt_l": dpt_used_l, "pengguna_dpt_p": dpt_used_p, "pengguna_dpt_j": dpt_used_l + dpt_used_p,
        "pengguna_dptb_l": dptb_l, "pengguna_dptb_p": dptb_p, "pengguna_dptb_j": dptb_j,
        "pengguna_non_dpt_l": dpk_l, "pengguna_non_dpt_p": dpk_p, "pengguna_non_dpt_j": dpk_j,
        "pengguna_total_l": total_l, "pengguna_total_p": total_p, "pengguna_total_j": total_j,
        "pemilih_disabilitas_j": draw(st.integers(0, total_j)),
        "surat_suara_diterima": received, "surat_suara_dikembalikan": returned,
        "surat_suara_tidak_digunakan": received - total_j - returned, "surat_suara_digunakan": total_j,
    }
    assert set(adm) == set(ADMINISTRASI_KEYS)
    kept = draw(st.sets(st.sampled_from(ADMINISTRASI_KEYS)))  # any subset of administrasi
    return {
        "tps": "3101011001005", "contest": "ppwp",
        "administrasi": {k: v for k, v in adm.items() if k in kept},
        "suara": {"1": votes[0], "2": votes[1], "3": votes[2]},
        "suara_sah": valid, "suara_tidak_sah": invalid, "suara_total": total_j,
    }


@given(consistent_docs())
def test_consistent_forms_raise_no_flags(doc: dict[str, Any]) -> None:
    assert check_form(parse_form(doc), PPWP) == []


@given(consistent_docs(), st.integers(1, 50), st.sampled_from(["1", "2", "3"]))
def test_one_extra_candidate_vote_breaks_r8_only(doc: dict[str, Any], extra: int, nomor: str) -> None:
    doc["suara"][nomor] += extra
    # Only R8 can fire, unless the extra votes push a candidate over the voter ceiling (R11).
    fired = rules_of(check_form(parse_form(doc), PPWP))
    assert fired[0] == "R8"
    assert set(fired) <= {"R8", "R11"}
