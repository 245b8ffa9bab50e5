"""The party-list C Hasil (DPR, DPRD provinsi, DPRD kab/kota): parsing, R14, R15, the ballot."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from suara.domain.contests import Candidate, Contest, Shape
from suara.domain.form import MalformedForm, parse_form
from suara.domain.rules import Ballot, check_form, conform_to_contest
from suara.domain.tally import Contribution, Totals, candidate_key, party_only_key

DPR = Contest("pdpr", "pdpr", "0", "DPR", 300,
              (Candidate(1, "100001", "PKB", "#00764A"), Candidate(2, "100002", "Gerindra", "#A0522D"),
               Candidate(5, "100005", "NasDem", "#1E3A8A")))
BALLOT = Ballot("3101", {"1": frozenset({"1", "2"}), "2": frozenset({"1", "2", "3"}), "5": frozenset({"1"})})


def legislative(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "tps": "3175011001001", "contest": "pdpr", "dapil": "3101",
        "partai": {
            "1": {"suara_partai": 10, "caleg": {"1": 20, "2": 5}, "jumlah": 35},
            "2": {"suara_partai": 7, "caleg": {"1": 40, "2": 0, "3": 3}, "jumlah": 50},
            "5": {"suara_partai": 1, "caleg": {"1": 14}, "jumlah": 15},
        },
        "suara_sah": 100, "suara_tidak_sah": 4, "suara_total": 104,
    }
    doc.update(changes)
    return doc


def test_a_consistent_party_list_form_is_clean_and_keeps_its_shape() -> None:
    form = parse_form(legislative())
    conform_to_contest(form, DPR, BALLOT)
    assert DPR.shape is Shape.PARTAI
    assert check_form(form, DPR) == []
    assert form.suara == {"1": 35, "2": 50, "5": 15}
    assert form.to_json() == legislative()


def test_party_total_must_be_party_votes_plus_candidates() -> None:
    doc = legislative()
    doc["partai"]["2"]["jumlah"] = 60  # 7 + 40 + 0 + 3 = 50
    doc["suara_sah"], doc["suara_total"] = 110, 114
    flags = check_form(parse_form(doc), DPR)
    assert [f.rule for f in flags] == ["R14"]
    assert flags[0].message.startswith("Jumlah suara partai nomor 2 (60) tidak sama dengan")
    assert flags[0].boxes[:2] == ("partai.2.jumlah", "partai.2.suara_partai")


def test_suara_sah_is_the_sum_of_party_totals() -> None:
    flags = check_form(parse_form(legislative(suara_sah=99, suara_total=103)), DPR)
    assert [f.rule for f in flags] == ["R8"]
    assert flags[0].message == "Jumlah suara sah (99) tidak sama dengan jumlah suara semua partai (100)"
    assert flags[0].boxes == ("suara_sah", "partai.1.jumlah", "partai.2.jumlah", "partai.5.jumlah")


def test_every_number_must_fit_three_digit_boxes() -> None:
    doc = legislative()
    doc["partai"]["1"]["caleg"]["1"] = 1020  # 102 read with an extra digit
    doc["partai"]["1"]["jumlah"] = 1035
    doc["suara_sah"], doc["suara_total"] = 1100, 1104
    rules = sorted({f.rule for f in check_form(parse_form(doc), DPR)})
    assert "R15" in rules and "R11" in rules  # the candidate's boxes (R15), the party total (R11)
    assert [f.message for f in check_form(parse_form(doc), DPR) if f.rule == "R15"] == [
        "Jumlah suara sah (1100) melebihi 999 (tiga kotak angka)",
        "Jumlah seluruh suara sah dan tidak sah (1104) melebihi 999 (tiga kotak angka)",
        "Suara calon nomor 1.1 (1020) melebihi 999 (tiga kotak angka)"]


@pytest.mark.parametrize("change, message", [
    (lambda d: d["partai"]["1"]["caleg"].update({"7": 0}), "bukan caleg partai 1"),
    (lambda d: d["partai"]["2"]["caleg"].pop("3"), "tidak ada pada formulir"),
    (lambda d: d["partai"].update({"9": {"suara_partai": 0, "caleg": {}, "jumlah": 0}}), "tidak ikut di dapil"),
    (lambda d: d["partai"].pop("5"), "tidak ada pada formulir"),
    (lambda d: d.update(dapil="3102"), "berada di dapil 3101"),
])
def test_the_form_must_match_the_ballot_of_its_dapil(change: Any, message: str) -> None:
    doc = legislative()
    change(doc)
    with pytest.raises(MalformedForm, match=message):
        conform_to_contest(parse_form(doc), DPR, BALLOT)


def test_a_party_form_needs_a_dapil_and_a_ppwp_shape_is_refused_for_dpr() -> None:
    doc = legislative()
    del doc["dapil"]
    with pytest.raises(MalformedForm, match="dapil"):
        parse_form(doc)
    paslon = {"tps": "3175011001001", "contest": "pdpr", "suara": {"1": 3}, "suara_sah": 3,
              "suara_tidak_sah": 0, "suara_total": 3}
    with pytest.raises(MalformedForm, match="partai"):
        conform_to_contest(parse_form(paslon), DPR, BALLOT)
    with pytest.raises(MalformedForm, match="tepat satu"):
        parse_form({**legislative(), "suara": {"1": 1}})


@pytest.mark.parametrize("bad", [
    {"suara_partai": -1, "caleg": {}, "jumlah": 0},
    {"suara_partai": 1, "caleg": {"01": 1}, "jumlah": 2},
    {"suara_partai": 1, "caleg": {"1": 1.5}, "jumlah": 2},
    {"suara_partai": 1, "jumlah": 1, "extra": 1},
    {"caleg": {}, "jumlah": 1},
    [1, 2],
])
def test_malformed_party_blocks_are_refused(bad: Any) -> None:
    doc = copy.deepcopy(legislative())
    doc["partai"]["1"] = bad
    with pytest.raises(MalformedForm):
        parse_form(doc)


def test_overseas_codes_with_letters_are_text() -> None:
    doc = legislative(tps="99AG010001061")
    assert parse_form(doc).tps == "99AG010001061"
    with pytest.raises(MalformedForm):
        parse_form(legislative(tps="99ag010001061"))


def test_contribution_keeps_party_party_only_and_candidate_votes_apart() -> None:
    form = parse_form(legislative())
    totals = Totals()
    totals.apply(Contribution.of(form, []))
    assert totals.votes["2"] == 50
    assert totals.votes[party_only_key("2")] == 7
    assert totals.votes[candidate_key("3101", "2", "1")] == 40
    assert candidate_key("3101", "2", "2") not in totals.votes  # zero entries are not kept
    assert list(totals.as_dict()["votes"])[:3] == ["1", "2", "5"]
