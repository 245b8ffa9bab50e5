"""Synthetic elections: deterministic, realistic, and with the real-world errors flagged."""

from __future__ import annotations

from collections import Counter
from itertools import islice

import numpy as np
import pytest

from suara.domain.contests import Contest
from suara.domain.form import parse_form
from suara.domain.regions import RegionTree
from suara.domain.rules import check_form
from suara.reference import read_contests, region_rows
from suara.synth import (
    PPWP_NATIONAL_TARGET,
    PPWP_PROVINCE_SHARES,
    Synthesizer,
    SynthOptions,
    calibrate,
    inject_error,
    select_contests,
)


@pytest.fixture(scope="module")
def nation():
    tree = RegionTree(region_rows())
    return tree, {c.key: c for c in read_contests(tree)}


def test_the_same_seed_gives_the_same_election_and_a_province_alone_matches(nation):
    tree, contests = nation
    alone = list(Synthesizer(tree, contests, SynthOptions(seed=7, provinces=("65",))).forms())
    again = list(Synthesizer(tree, contests, SynthOptions(seed=7, provinces=("65",))).forms())
    together = [f for f in Synthesizer(tree, contests, SynthOptions(seed=7, provinces=("64", "65"))).forms()
                if f["tps"].startswith("65")]
    other_seed = list(Synthesizer(tree, contests, SynthOptions(seed=8, provinces=("65",))).forms())
    assert alone == again == together
    assert alone != other_seed
    assert len(alone) == tree.get("65").tps_total


def test_clean_forms_pass_every_rule_and_stay_under_the_cap(nation):
    tree, contests = nation
    options = SynthOptions(seed=3, provinces=("75",), contests=("ppwp", "pkwkp", "pkwkk"), error_rate=0.0)
    forms = list(Synthesizer(tree, contests, options).forms())
    assert {f["contest"] for f in forms} >= {"ppwp", "pkwkp-75"}
    assert len([f for f in forms if f["contest"] == "ppwp"]) == tree.get("75").tps_total
    dpt = []
    for doc in forms:
        form = parse_form(doc)
        contest = contests[form.contest]
        assert check_form(form, contest) == [], doc
        assert form.administrasi["pemilih_dpt_j"] <= contest.tps_cap
        dpt.append(form.administrasi["pemilih_dpt_j"])
    assert 200 < np.mean(dpt) < 290  # 2024: 247.6 registered voters per TPS


def test_the_error_rate_gives_flagged_forms_of_every_kind(nation):
    tree, contests = nation
    forms = list(Synthesizer(tree, contests, SynthOptions(seed=5, provinces=("31",), error_rate=0.05)).forms())
    flagged = Counter()
    for doc in forms:
        rules = {f.rule for f in check_form(parse_form(doc), contests["ppwp"])}
        flagged.update(rules)
        if rules:
            flagged["forms"] += 1
    assert 0.04 < flagged["forms"] / len(forms) < 0.06
    assert flagged["R8"] and flagged["R10"] and flagged["R11"]


@pytest.mark.parametrize(("kind", "rules"), [
    ("totals_as_votes", {"R8"}), ("digit_misread", {"R8", "R11"}), ("extra_digits", {"R10", "R11"}),
])
def test_each_error_kind_trips_the_rules_of_the_real_incident(nation, kind, rules):
    tree, contests = nation
    doc = next(iter(Synthesizer(tree, contests, SynthOptions(seed=1, provinces=("31",), error_rate=0)).forms()))
    doc["suara"] = {"1": 117, "2": 36, "3": 80}
    doc["suara_sah"] = 233
    doc["suara_total"] = 233 + doc["suara_tidak_sah"]
    adm = doc["administrasi"]
    adm["pemilih_dpt_j"], adm["pengguna_dptb_j"], adm["pengguna_non_dpt_j"] = 240, 0, 0
    inject_error(doc, kind, 188)
    found = {f.rule for f in check_form(parse_form(doc), contests["ppwp"])}
    assert rules <= found
    if kind == "digit_misread":
        assert doc["suara"]["1"] == 617
    if kind == "extra_digits":
        assert doc["suara"]["1"] == 117188


def test_calibration_meets_the_official_national_shares(nation):
    tree, _ = nation
    shares = calibrate(tree, PPWP_PROVINCE_SHARES, PPWP_NATIONAL_TARGET)
    weights = {p: tree.get(p).tps_total for p in shares}
    national = sum(weights[p] * s for p, s in shares.items()) / sum(weights.values())
    target = np.array(PPWP_NATIONAL_TARGET) / sum(PPWP_NATIONAL_TARGET)
    assert np.allclose(national, target, atol=0.001)
    assert shares["11"][0] > shares["11"][1]  # Aceh stays with 01, as it voted
    assert shares["51"][2] > shares["51"][0]  # Bali stays strong for 03


def test_generated_shares_come_close_to_the_official_result(nation):
    tree, contests = nation
    options = SynthOptions(seed=2, provinces=("11", "33", "35", "51", "73"), error_rate=0.0)
    totals = Counter()
    weights = Counter()
    for doc in Synthesizer(tree, contests, options).forms():
        totals.update(doc["suara"])
    expected = calibrate(tree, PPWP_PROVINCE_SHARES, PPWP_NATIONAL_TARGET)
    for p in options.provinces:
        weights.update({str(i + 1): expected[p][i] * tree.get(p).tps_total for i in range(3)})
    got = np.array([totals[k] for k in "123"], dtype=float)
    want = np.array([weights[k] for k in "123"], dtype=float)
    assert np.allclose(got / got.sum(), want / want.sum(), atol=0.02)


def test_contest_selection_by_kind_or_key(nation):
    _, contests = nation
    assert [c.key for c in select_contests(contests, ["ppwp"])] == ["ppwp"]
    governors = select_contests(contests, ["pkwkp"])
    assert len(governors) == 37 and all(isinstance(c, Contest) and c.kind == "pkwkp" for c in governors)
    assert [c.key for c in select_contests(contests, ["pkwkk-3204"])] == ["pkwkk-3204"]
    with pytest.raises(ValueError):
        select_contests(contests, ["dpr"])
    with pytest.raises(ValueError):
        Synthesizer(*nation, SynthOptions(provinces=("99",)))
    assert list(islice(Synthesizer(*nation, SynthOptions(provinces=("65",), contests=("pkwkk-3204",))).forms(), 1)) == []
