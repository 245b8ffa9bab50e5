"""Joint decoding of a form's numbers under its sums (reading/decode.py), on constructed readings:
per-box probabilities made up as a classifier would give them, so each case is exact."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from suara.reading.decode import EMPTY, decode, value_log_probs
from suara.reading.layout import candidate_layout, party_layout

ADMINISTRASI = {
    "pemilih_dpt_l": 120, "pemilih_dpt_p": 130, "pemilih_dpt_j": 250,
    "pengguna_dpt_l": 100, "pengguna_dpt_p": 110, "pengguna_dpt_j": 210,
    "pengguna_dptb_l": 2, "pengguna_dptb_p": 3, "pengguna_dptb_j": 5,
    "pengguna_non_dpt_l": 1, "pengguna_non_dpt_p": 0, "pengguna_non_dpt_j": 1,
    "pengguna_total_l": 103, "pengguna_total_p": 113, "pengguna_total_j": 216,
    "pemilih_disabilitas_j": 2,
    "surat_suara_diterima": 256, "surat_suara_dikembalikan": 1, "surat_suara_tidak_digunakan": 39,
    "surat_suara_digunakan": 216,
}
VOTES = {"suara.1": 117, "suara.2": 80, "suara.3": 13, "suara_sah": 210, "suara_tidak_sah": 6,
         "suara_total": 216}
LAYOUT = candidate_layout(["1", "2", "3"])
SHARP = 0.9995  # a clean box: the classifier's usual certainty on a clear digit


def form_values() -> dict[str, int | None]:
    values: dict[str, int | None] = {f"administrasi.{k}": v for k, v in ADMINISTRASI.items()}
    values.update(VOTES)
    return values


def box(classes: dict[int, float]) -> np.ndarray:
    """One box's probabilities: the given classes, the rest shared evenly."""
    p = np.full(11, (1.0 - sum(classes.values())) / (11 - len(classes)))
    for c, w in classes.items():
        p[c] = w
    return p


def written(value: int | None, text: str | None = None) -> list[np.ndarray]:
    """The three boxes of a number written right-aligned ("_17"), or as `text` (" " = empty)."""
    text = text if text is not None else ("   " if value is None else f"{value:>3}")
    return [box({EMPTY if ch == " " else int(ch): SHARP}) for ch in text]


def probabilities(values, layout=LAYOUT, misread=None, texts=None):
    """Rows for the layout; misread: {(field, box index): {class: p}} replaces a box."""
    rows = []
    for name in layout.fields:
        boxes = written(values[name], (texts or {}).get(name))
        for i in range(3):
            if misread and (name, i) in misread:
                boxes[i] = box(misread[(name, i)])
        rows += boxes
    return np.asarray(rows)


def test_clean_form_is_confirmed():
    reading = decode(LAYOUT, probabilities(form_values()))
    assert reading.sure
    assert reading.values() == form_values()
    assert reading.broken == () and reading.corrected == ()
    assert all(n.confidence > 0.99 for n in reading.numbers.values())


def test_117_read_as_617_is_corrected_by_the_sums():
    # the hundreds box leans to 6 (as Sirekap read it); the sums R8 only hold with 117
    reading = decode(LAYOUT, probabilities(form_values(), misread={("suara.1", 0): {6: 0.7, 1: 0.29}}))
    assert reading.numbers["suara.1"].value == 117
    assert reading.corrected == ("suara.1",)
    assert reading.broken == ()
    assert reading.sure


def test_a_confident_misread_the_sums_cannot_explain_is_flagged_not_forced():
    # the classifier is all but certain of the 6: changing it would cost more than a broken sum
    reading = decode(LAYOUT, probabilities(form_values(), misread={("suara.1", 0): {6: 0.99999}}))
    assert not reading.sure
    assert reading.broken == ("R8",)
    assert reading.numbers["suara.1"] == (617, reading.numbers["suara.1"].confidence, True)
    assert {"suara.1", "suara.2", "suara.3", "suara_sah"} <= set(reading.unsure_fields)
    # numbers in no broken sum keep their sure reading
    assert not reading.numbers["administrasi.pemilih_dpt_j"].unsure


def test_136_with_a_spurious_fourth_box_reading():
    # 136 written, but a stroke from the next column makes the units box look like 1 or 8
    values = form_values() | {"suara.1": 136, "suara.2": 61, "suara_sah": 210}
    reading = decode(LAYOUT, probabilities(values, misread={("suara.1", 2): {8: 0.55, 6: 0.44}}))
    assert reading.numbers["suara.1"].value == 136
    assert reading.sure


def test_136188_cannot_be_read_from_three_boxes():
    # six digits in three boxes is no reading: a box showing "136" is read as 136, never more
    values = form_values() | {"suara.1": 136, "suara.2": 61}
    reading = decode(LAYOUT, probabilities(values))
    assert all(n.value is None or n.value <= 999 for n in reading.numbers.values())


def test_inconsistent_form_is_unsure():
    # the officer wrote a total that is not valid + invalid (216), and the boxes are clear
    values = form_values() | {"suara_total": 230}
    reading = decode(LAYOUT, probabilities(values))
    assert not reading.sure
    assert reading.broken == ("R9",)
    assert reading.numbers["suara_total"].value == 230  # what is written, never a made-up agreement
    assert {"suara_sah", "suara_tidak_sah", "suara_total"} <= set(reading.unsure_fields)


def test_two_equally_likely_readings_that_both_fit_are_unsure():
    # paslon 2 has 80 or 85, the valid votes 210 or 215, the invalid 6 or 1: both readings
    # keep every sum (the total stays 216), so the sums cannot choose
    values = form_values()
    misread = {("suara.2", 2): {0: 0.5, 5: 0.4999}, ("suara_sah", 2): {0: 0.5, 5: 0.4999},
               ("suara_tidak_sah", 2): {6: 0.5, 1: 0.4999}}
    reading = decode(LAYOUT, probabilities(values, misread=misread))
    assert not reading.sure
    assert reading.numbers["suara.2"].unsure
    assert 0.3 < reading.numbers["suara.2"].confidence < 0.7


def test_leading_zeros_and_left_aligned_writing_are_read():
    texts = {"suara.2": "080", "suara.3": "13 ", "administrasi.pemilih_disabilitas_j": " 2 "}
    reading = decode(LAYOUT, probabilities(form_values(), texts=texts))
    assert reading.values() == form_values()
    assert reading.sure


def test_a_gap_between_digits_is_no_number():
    log_p = value_log_probs(np.asarray(written(None, "1 7")))
    assert np.exp(log_p).sum() < 0.01  # "1_7" writes neither 17 nor 107: the mass goes nowhere
    reading = decode(LAYOUT, probabilities(form_values() | {"suara.1": 117}, texts={"suara.1": "1 7"}))
    assert reading.numbers["suara.1"].unsure or reading.numbers["suara.1"].value == 117


def test_blank_number_is_never_sure():
    values = form_values() | {"administrasi.pemilih_disabilitas_j": None}
    reading = decode(LAYOUT, probabilities(values))
    assert reading.numbers["administrasi.pemilih_disabilitas_j"] == (None, reading.numbers[
        "administrasi.pemilih_disabilitas_j"].confidence, True)
    assert not reading.sure



def test_a_number_no_sum_checks_needs_more_than_the_bar_from_its_boxes():
    # the same units box, 99.4% a 2: enough where a sum confirms it, not for the disabled voters,
    # whom no sum checks (a wrong reading there would go out silently)
    leaning = {2: 0.994, 7: 0.005}
    values = form_values() | {"suara.3": 12, "suara.1": 118}
    reading = decode(LAYOUT, probabilities(values, misread={("administrasi.pemilih_disabilitas_j", 2): leaning,
                                                            ("suara.3", 2): leaning}))
    checked, unchecked = reading.numbers["suara.3"], reading.numbers["administrasi.pemilih_disabilitas_j"]
    assert checked.value == 12 and not checked.unsure and checked.confidence > 0.99
    assert unchecked.value == 2 and unchecked.unsure and unchecked.confidence < 0.99
    assert reading.unsure_fields == ["administrasi.pemilih_disabilitas_j"]
    # with clean boxes it is sure, as before
    assert not decode(LAYOUT, probabilities(form_values())).numbers["administrasi.pemilih_disabilitas_j"].unsure

def test_one_page_of_a_form_keeps_only_its_own_sums():
    page = LAYOUT.only(["suara.1", "suara.2", "suara.3", "suara_sah", "suara_tidak_sah", "suara_total"])
    assert {s.rule for s in page.sums} == {"R8", "R9"}
    values = {name: VOTES[name] for name in page.fields}
    reading = decode(page, probabilities(values, layout=page, misread={("suara.1", 0): {6: 0.7, 1: 0.29}}))
    assert reading.numbers["suara.1"].value == 117 and reading.sure


def test_probabilities_by_field_and_shape_errors():
    rows = probabilities(form_values())
    by_field = {name: rows[LAYOUT.rows(name)] for name in LAYOUT.fields}
    assert decode(LAYOUT, by_field).values() == form_values()
    with pytest.raises(ValueError, match="box probabilities"):
        decode(LAYOUT, rows[:-3])
    with pytest.raises(ValueError, match="no boxes"):
        decode(LAYOUT, {"suara.1": rows[:3]})


def test_party_list_form_corrected_by_its_party_total():
    parties = {"1": ["1", "2", "3"], "2": ["1", "2"]}
    layout = party_layout(parties, administrasi=False)
    assert {s.rule for s in layout.sums} == {"R8", "R9", "R14"}
    values = {"partai.1.suara_partai": 40, "partai.1.caleg.1": 17, "partai.1.caleg.2": 5,
              "partai.1.caleg.3": 0, "partai.1.jumlah": 62,
              "partai.2.suara_partai": 100, "partai.2.caleg.1": 30, "partai.2.caleg.2": 8,
              "partai.2.jumlah": 138, "suara_sah": 200, "suara_tidak_sah": 4, "suara_total": 204}
    clean = decode(layout, probabilities(values, layout=layout))
    assert clean.sure and clean.values() == values
    misread = {("partai.1.caleg.1", 1): {7: 0.6, 1: 0.39}}  # 17 read as 77
    reading = decode(layout, probabilities(values, layout=layout, misread=misread))
    assert reading.values() == values and reading.corrected == ("partai.1.caleg.1",)


votes = st.lists(st.integers(0, 300), min_size=2, max_size=5)
many_votes = st.lists(st.integers(0, 60), min_size=9, max_size=16)  # a DPD form: its R8 weighed whole


@settings(max_examples=40, deadline=None)
@given(votes=st.one_of(votes, many_votes), invalid=st.integers(0, 40), wrong=st.data())
def test_any_single_misread_digit_is_corrected_or_flagged(votes, invalid, wrong):
    """The acceptance property: one box read wrongly, however confidently, never yields a sure
    reading with a wrong number."""
    candidates = [str(i + 1) for i in range(len(votes))]
    layout = candidate_layout(candidates, administrasi=False)
    sah = sum(votes)
    if sah + invalid > 999:
        return
    values = {f"suara.{c}": v for c, v in zip(candidates, votes)}
    values |= {"suara_sah": sah, "suara_tidak_sah": invalid, "suara_total": sah + invalid}
    one_misread_box_is_never_wrong_and_sure(layout, values, wrong)


def one_misread_box_is_never_wrong_and_sure(layout: Any, values: dict[str, Any], wrong: Any) -> None:
    """One box of the form read as another class at any confidence: each number is right, or
    marked unsure; a sure form is the form as written."""
    field = wrong.draw(st.sampled_from(layout.fields))
    position = wrong.draw(st.integers(0, 2))
    text = f"{values[field]:>3}"
    truth = EMPTY if text[position] == " " else int(text[position])
    other = wrong.draw(st.sampled_from([c for c in range(11) if c != truth]))
    confidence = wrong.draw(st.sampled_from([0.6, 0.9, 0.999, 0.99999]))
    misread = {(field, position): {other: confidence, truth: (1 - confidence) * 0.5}}
    reading = decode(layout, probabilities(values, layout=layout, misread=misread))
    wrong_and_sure = [name for name, n in reading.numbers.items() if not n.unsure and n.value != values[name]]
    assert wrong_and_sure == []
    if reading.sure:
        assert reading.values() == values


def test_a_reading_as_form_json():
    from suara.reading.layout import form_json
    values = {"administrasi.pemilih_dpt_j": 250, "suara.1": 117, "partai.3.caleg.2": 5,
              "partai.3.jumlah": 9, "suara_sah": 210, "suara_tidak_sah": None}
    assert form_json(values) == {"administrasi": {"pemilih_dpt_j": 250}, "suara": {"1": 117},
                                 "partai": {"3": {"caleg": {"2": 5}, "jumlah": 9}}, "suara_sah": 210}


def _party_form(parties: dict[str, list[int]], partai_votes: list[int], invalid: int) -> dict[str, int | None]:
    values: dict[str, int | None] = {}
    for (nomor, caleg), own in zip(parties.items(), partai_votes, strict=True):
        values[f"partai.{nomor}.suara_partai"] = own
        values.update({f"partai.{nomor}.caleg.{i}": v for i, v in enumerate(caleg, 1)})
        values[f"partai.{nomor}.jumlah"] = own + sum(caleg)
    sah = sum(v for k, v in values.items() if k.endswith(".jumlah") and v is not None)
    return values | {"suara_sah": sah, "suara_tidak_sah": invalid, "suara_total": sah + invalid}


def test_a_full_dpr_form_is_weighed_block_by_block() -> None:
    """18 parties of 8 candidates (186 numbers, one group under R8): each party's block is
    searched alone, so a misread candidate is set right by its party's total and a misread
    party total by the block and R8 together, and the rest stays sure."""
    rng = np.random.default_rng(4)
    parties = {str(n): [int(v) for v in rng.integers(0, 6, 8)] for n in (*range(1, 18), 24)}
    values = _party_form(parties, [int(v) for v in rng.integers(0, 9, 18)], 11)
    layout = party_layout({n: [str(i) for i in range(1, 9)] for n in parties})
    adm = {f"administrasi.{k}": v for k, v in ADMINISTRASI.items()}
    values = adm | values
    clean = decode(layout, probabilities(values, layout=layout))
    assert clean.sure and clean.values() == values
    caleg = "partai.5.caleg.3"
    text = f"{values[caleg]:>3}"
    misread = {(caleg, 2): {(int(text[2]) + 3) % 10: 0.7, int(text[2]): 0.29},
               ("partai.9.jumlah", 2): {(values["partai.9.jumlah"] + 1) % 10: 0.8, values["partai.9.jumlah"] % 10: 0.19}}
    reading = decode(layout, probabilities(values, layout=layout, misread=misread))
    assert reading.values() == values
    assert set(reading.corrected) == {caleg, "partai.9.jumlah"}
    assert reading.broken == ()
    assert sum(n.unsure for n in reading.numbers.values()) <= 4


def test_a_party_block_a_misread_cannot_be_explained_in_is_flagged_not_forced() -> None:
    parties = {"1": [3, 0, 7], "2": [12, 4]}
    values = _party_form(parties, [20, 5], 2)
    layout = party_layout({"1": ["1", "2", "3"], "2": ["1", "2"]}, administrasi=False)
    # the candidate's 7 is read as a 1 beyond doubt: R14 breaks, and the block says so
    reading = decode(layout, probabilities(values, layout=layout, misread={("partai.1.caleg.3", 2): {1: 0.99999}}))
    assert "R14" in reading.broken
    assert reading.numbers["partai.1.caleg.3"].unsure
    wrong_and_sure = [name for name, n in reading.numbers.items() if not n.unsure and n.value != values[name]]
    assert wrong_and_sure == []


@settings(max_examples=40, deadline=None)
@given(parties=st.lists(st.lists(st.integers(0, 60), min_size=0, max_size=4), min_size=1, max_size=4),
       own=st.lists(st.integers(0, 60), min_size=4, max_size=4), invalid=st.integers(0, 30), wrong=st.data())
def test_any_single_misread_digit_of_a_party_list_is_corrected_or_flagged(parties, own, invalid, wrong):
    """The acceptance property on party-list layouts (R14 blocks under R8 and R9)."""
    by_party = {str(i + 1): caleg for i, caleg in enumerate(parties)}
    values = _party_form(by_party, own[:len(parties)], invalid)
    if values["suara_total"] > 999:
        return
    layout = party_layout({n: [str(i) for i in range(1, len(c) + 1)] for n, c in by_party.items()},
                          administrasi=False)
    one_misread_box_is_never_wrong_and_sure(layout, values, wrong)


def test_a_dpd_form_of_forty_candidates_is_weighed_whole() -> None:
    """R8 over 40 candidates, none of them in another sum: weighed by its partial sums, not
    reading by reading, so a misread is set right and a confident one is flagged."""
    candidates = [str(n) for n in range(1, 41)]
    votes = [int(v) for v in np.random.default_rng(9).integers(0, 20, 40)]
    values: dict[str, int | None] = {f"suara.{c}": v for c, v in zip(candidates, votes, strict=True)}
    values |= {"suara_sah": sum(votes), "suara_tidak_sah": 14, "suara_total": sum(votes) + 14}
    layout = candidate_layout(candidates, administrasi=False)
    assert decode(layout, probabilities(values, layout=layout)).sure
    text = f"{values['suara.17']:>3}"
    misread = {("suara.17", 2): {(int(text[2]) + 5) % 10: 0.8, int(text[2]): 0.19}}
    reading = decode(layout, probabilities(values, layout=layout, misread=misread))
    assert reading.values() == values and reading.corrected == ("suara.17",) and reading.notes == ()
    assert sum(n.unsure for n in reading.numbers.values()) <= 2
    beyond_doubt = {("suara.17", 2): {(int(text[2]) + 5) % 10: 0.99999}}
    flagged = decode(layout, probabilities(values, layout=layout, misread=beyond_doubt))
    assert "R8" in flagged.broken and flagged.numbers["suara.17"].unsure
    assert [name for name, n in flagged.numbers.items() if not n.unsure and n.value != values[name]] == []
