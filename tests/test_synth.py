"""Synthetic elections: the whole Pemilu and the Pilkada, deterministic, realistic, accepted by the
submission checks when clean, and with the real-world errors flagged when not."""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import islice

import numpy as np
import pytest

from suara.domain.form import parse_form
from suara.domain.policy import Policy
from suara.domain.rules import check_form
from suara.reference import packaged_reference
from suara.services.submission import SubmissionResult, check
from suara.synth import (
    DPR_NATIONAL_VOTES,
    DPR_TOTAL_VALID,
    PPWP_NATIONAL_TARGET,
    PPWP_PROVINCE_SHARES,
    Synthesizer,
    SynthOptions,
    calibrate,
    inject_error,
    select_contests,
)
from suara.synth.legislative import PartyBook

PEMILU_KINDS = {"ppwp", "pdpr", "pdpd", "pdprdp", "pdprdk"}


@pytest.fixture(scope="module")
def nation():
    return packaged_reference()


@pytest.fixture(scope="module")
def kaltara_and_overseas(nation):
    """Every ballot of Kalimantan Utara (Pemilu and Pilkada) and of the overseas stations, clean."""
    options = SynthOptions(seed=3, provinces=("65", "99"), contests=("all",), error_rate=0.0)
    return list(Synthesizer(nation, options).forms())


def kind_of(doc) -> str:
    return doc["contest"].split("-")[0]


def test_the_same_seed_gives_the_same_election_and_a_province_alone_matches(nation, kaltara_and_overseas):
    alone = list(Synthesizer(nation, SynthOptions(seed=3, provinces=("65",), contests=("all",), error_rate=0)).forms())
    again = list(Synthesizer(nation, SynthOptions(seed=3, provinces=("65",), contests=("all",), error_rate=0)).forms())
    together = [f for f in kaltara_and_overseas if f["tps"].startswith("65")]
    other_seed = list(islice(Synthesizer(nation, SynthOptions(seed=4, provinces=("65",), contests=("all",),
                                                              error_rate=0)).forms(), len(alone)))
    assert alone == again == together
    assert [f["tps"] for f in alone] == [f["tps"] for f in other_seed]
    assert alone != other_seed
    # one contest alone is the same contest generated among the others
    dpr_alone = list(Synthesizer(nation, SynthOptions(seed=3, provinces=("65",), contests=("pdpr",),
                                                      error_rate=0)).forms())
    assert dpr_alone == [f for f in alone if f["contest"] == "pdpr"]


def test_every_ballot_is_generated_on_its_own_tps_list(nation, kaltara_and_overseas):
    forms = kaltara_and_overseas
    by_contest = defaultdict(list)
    for doc in forms:
        by_contest[doc["contest"]].append(doc["tps"])
    for key, codes in by_contest.items():
        scope = nation.scope(nation.contest(key))
        expected = [t for prov in ("65", "99") if prov in scope.tree
                    for kab in scope.tree.children(prov) for t in scope.tps_of(kab.kode)]
        assert codes == expected, key
    assert {kind_of(f) for f in forms} == PEMILU_KINDS | {"pkwkp", "pkwkk"}
    # overseas stations vote for PPWP and DPR only, POS and KSK included
    overseas = {f["contest"] for f in forms if f["tps"].startswith("99")}
    assert overseas == {"ppwp", "pdpr"}
    methods = Counter(nation.tree.station(f["tps"]).metode for f in forms
                      if f["contest"] == "ppwp" and f["tps"].startswith("99"))
    assert methods["TPSLN"] and methods["POS"] and methods["KSK"]
    assert {f["dapil"] for f in forms if f["contest"] == "pdpr" and f["tps"].startswith("99")} == {"3102"}
    # the Pilkada has its own, smaller list
    assert 0 < len(by_contest["pkwkp-65"]) < len(by_contest["ppwp"]) - nation.tree.get("99").tps_total
    total = Synthesizer(nation, SynthOptions(seed=3, provinces=("65", "99"), contests=("all",))).total_forms()
    assert total == len(forms)


def test_clean_forms_pass_every_rule_and_the_strict_submission_check(nation, kaltara_and_overseas):
    aceh = Synthesizer(nation, SynthOptions(seed=3, contests=("pemilu",), error_rate=0.0))
    forms = kaltara_and_overseas + list(aceh.forms_of_kab("1171"))  # Banda Aceh: local parties stand
    seen = Counter()
    for doc in forms:
        checked = check(nation, doc, Policy.STRICT)
        assert not isinstance(checked, SubmissionResult), (checked, doc)
        assert checked.flags == [], doc
        contest = nation.contest(doc["contest"])
        assert checked.form.administrasi["pemilih_dpt_j"] <= contest.tps_cap
        seen[(kind_of(doc), "partai" in doc)] += 1
    assert set(seen) == {("ppwp", False), ("pdpd", False), ("pkwkp", False), ("pkwkk", False),
                         ("pdpr", True), ("pdprdp", True), ("pdprdk", True)}
    domestic_dpt = [f["administrasi"]["pemilih_dpt_j"] for f in forms
                    if f["contest"] == "ppwp" and not f["tps"].startswith("99")]
    assert 200 < np.mean(domestic_dpt) < 290  # 2024: 247.6 registered voters per TPS
    pilkada_dpt = [f["administrasi"]["pemilih_dpt_j"] for f in forms if kind_of(f) == "pkwkp"]
    assert 350 < np.mean(pilkada_dpt) <= 600  # Pilkada TPS took up to 600 voters


def test_the_ballots_of_one_tps_share_their_voters_but_not_their_dptb(nation, kaltara_and_overseas):
    ballots = defaultdict(dict)
    for doc in kaltara_and_overseas:
        if kind_of(doc) in PEMILU_KINDS:
            ballots[doc["tps"]][kind_of(doc)] = doc["administrasi"]
    differs = 0
    for tps, by_kind in ballots.items():
        assert len(by_kind) == (2 if tps.startswith("99") else 5)
        for key in ("pemilih_dpt_j", "pemilih_dpt_l", "pengguna_dpt_j", "pengguna_non_dpt_j", "surat_suara_diterima"):
            assert len({adm[key] for adm in by_kind.values()}) == 1, (tps, key)
        dptb = {kind: adm["pengguna_dptb_j"] for kind, adm in by_kind.items()}
        assert all(v <= dptb["ppwp"] for v in dptb.values())
        differs += len(set(dptb.values())) > 1
    assert differs > 0.05 * len(ballots)


def test_party_list_forms_follow_the_ballot_of_their_dapil(nation, kaltara_and_overseas):
    first, later = Counter(), Counter()
    for doc in kaltara_and_overseas:
        if "partai" not in doc:
            continue
        ballot = nation.ballot(nation.contest(doc["contest"]), doc["tps"])
        assert doc["dapil"] == ballot.dapil
        assert {p: set(b["caleg"]) for p, b in doc["partai"].items()} == ballot.parties
        for block in doc["partai"].values():
            assert block["jumlah"] == block["suara_partai"] + sum(block["caleg"].values())
            first[doc["contest"]] += block["caleg"].get("1", 0)
            later[doc["contest"]] += block["caleg"].get("2", 0)
        assert doc["suara_sah"] == sum(b["jumlah"] for b in doc["partai"].values())
    for contest in ("pdpr", "pdprdp", "pdprdk"):
        assert first[contest] > 1.5 * later[contest]  # list number 1 gets more


def test_the_error_rate_flags_forms_of_every_shape(nation):
    options = SynthOptions(seed=5, provinces=("65",), contests=("all",), error_rate=0.05)
    forms, flagged = Counter(), Counter()
    for doc in Synthesizer(nation, options).forms():
        checked = check(nation, doc, Policy.AS_IS)  # well-formed, so stored with its flags
        assert not isinstance(checked, SubmissionResult), checked
        forms[kind_of(doc)] += 1
        flagged[kind_of(doc)] += bool(checked.flags)
    for kind, count in forms.items():
        assert 0.03 < flagged[kind] / count < 0.07, kind


def clean_party_form(nation) -> dict:
    """A clean DPR form whose only votes are 117 for candidate 1 of party 1."""
    doc = next(iter(Synthesizer(nation, SynthOptions(seed=1, provinces=("65",), contests=("pdpr",),
                                                     error_rate=0)).forms()))
    for block in doc["partai"].values():
        block["suara_partai"], block["jumlah"] = 0, 0
        block["caleg"] = dict.fromkeys(block["caleg"], 0)
    doc["partai"]["1"]["caleg"]["1"] = doc["partai"]["1"]["jumlah"] = 117
    doc["suara_sah"], doc["suara_tidak_sah"] = 117, 9
    doc["suara_total"] = 126
    assert check_form(parse_form(doc), nation.contest("pdpr")) == []
    return doc


def clean_paslon_form(nation) -> dict:
    doc = next(iter(Synthesizer(nation, SynthOptions(seed=1, provinces=("31",), contests=("ppwp",),
                                                     error_rate=0)).forms()))
    doc["suara"] = {"1": 117, "2": 36, "3": 80}
    doc["suara_sah"] = 233
    doc["suara_total"] = 233 + doc["suara_tidak_sah"]
    adm = doc["administrasi"]
    adm["pemilih_dpt_j"], adm["pengguna_dptb_j"], adm["pengguna_non_dpt_j"] = 240, 0, 0
    return doc


@pytest.mark.parametrize(("shape", "kind", "rules", "misread"), [
    ("paslon", "totals_as_votes", {"R8"}, None),
    ("paslon", "digit_misread", {"R8", "R11"}, 617),
    ("paslon", "extra_digits", {"R10", "R11"}, 117188),
    ("partai", "totals_as_votes", {"R8"}, None),
    ("partai", "digit_misread", {"R14"}, 617),
    ("partai", "extra_digits", {"R10", "R11", "R15"}, 117188),
])
def test_each_error_kind_trips_the_rules_of_the_real_incident(nation, shape, kind, rules, misread):
    doc = clean_paslon_form(nation) if shape == "paslon" else clean_party_form(nation)
    contest = nation.contest(doc["contest"])
    inject_error(doc, kind, 188)
    assert rules <= {f.rule for f in check_form(parse_form(doc), contest)}
    assert not isinstance(check(nation, doc, Policy.AS_IS), SubmissionResult)  # flagged, still well-formed
    if misread is not None:
        votes = doc["suara"]["1"] if shape == "paslon" else doc["partai"]["1"]["caleg"]["1"]
        assert votes == misread


def test_ppwp_calibration_meets_the_official_national_shares(nation):
    tree = nation.tree
    shares = calibrate(tree, PPWP_PROVINCE_SHARES, PPWP_NATIONAL_TARGET)
    weights = {p: tree.get(p).tps_total for p in shares}
    national = sum(weights[p] * s for p, s in shares.items()) / sum(weights.values())
    target = np.array(PPWP_NATIONAL_TARGET) / sum(PPWP_NATIONAL_TARGET)
    assert np.allclose(national, target, atol=0.001)
    assert shares["11"][0] > shares["11"][1]  # Aceh stays with 01, as it voted
    assert shares["51"][2] > shares["51"][0]  # Bali stays strong for 03


def test_dpr_calibration_meets_the_official_party_shares(nation):
    """The expected national DPR shares over every dapil (bench/synth_check.py generates the
    whole nation and checks the sums of the forms)."""
    book = PartyBook(nation)
    cells = book.calibration_cells(nation)
    national = sum(w * np.where(mask, book.bases[prov], 0) / np.where(mask, book.bases[prov], 0).sum()
                   for prov, mask, w in cells)
    national = national / national.sum() * 100
    for party, share in zip(book.parties, national, strict=True):
        official = DPR_NATIONAL_VOTES.get(party.singkatan, 0) / DPR_TOTAL_VALID * 100
        assert abs(share - official) < 0.05, party.singkatan
    # regional variation: Bali is PDIP's, East Java PKB's, Aceh's DPRD has Partai Aceh first
    pdip, pkb = (next(i for i, p in enumerate(book.parties) if p.singkatan == s) for s in ("PDIP", "PKB"))
    assert book.bases["51"][pdip] > 0.4 and book.bases["35"][pkb] > 0.15
    aceh = book.province_shares("pdprdk", "11")
    assert book.parties[int(np.argmax(aceh))].singkatan == "PA"
    assert sum(s for p, s in zip(book.parties, book.province_shares("pdpr", "11"), strict=True) if p.aceh_local) == 0


def test_generated_party_and_paslon_shares_follow_their_expectation(nation):
    options = SynthOptions(seed=2, provinces=("51", "35"), contests=("ppwp", "pdpr", "pdprdk"), error_rate=0.0)
    synthesizer = Synthesizer(nation, options)
    totals = defaultdict(Counter)
    for kab in ("5171", "5103", "3578", "3515"):  # Denpasar, Badung, Surabaya, Sidoarjo
        for doc in synthesizer.forms_of_kab(kab):
            votes = {p: b["jumlah"] for p, b in doc["partai"].items()} if "partai" in doc else doc["suara"]
            totals[(doc["contest"], kab[:2])].update(votes)
    book = PartyBook(nation)
    for prov in ("51", "35"):
        got = totals[("pdpr", prov)]
        expected = dict(zip((str(p.nomor_urut) for p in book.parties), book.bases[prov], strict=True))
        shares = {k: v / sum(got.values()) for k, v in got.items()}
        assert all(abs(shares[k] - expected[k]) < 0.05 for k in shares), prov
        ppwp = calibrate(nation.tree, PPWP_PROVINCE_SHARES, PPWP_NATIONAL_TARGET)[prov]
        got = totals[("ppwp", prov)]
        assert np.allclose([got[k] / sum(got.values()) for k in "123"], ppwp, atol=0.05)
    assert totals[("pdprdk", "51")]["3"] > 0.3 * sum(totals[("pdprdk", "51")].values())  # PDIP's Bali


def test_the_pemilu_of_a_commission_s_own_small_data(pemilu_reference):
    synthesizer = Synthesizer(pemilu_reference, SynthOptions(seed=1, contests=("all",), error_rate=0.0))
    forms = list(synthesizer.forms())
    assert len(forms) == synthesizer.total_forms() > 0
    assert {kind_of(f) for f in forms} == PEMILU_KINDS | {"pkwkp", "pkwkk"}
    assert any(f["tps"].startswith("99") for f in forms)
    for doc in forms:
        checked = check(pemilu_reference, doc, Policy.STRICT)
        assert not isinstance(checked, SubmissionResult) and checked.flags == [], (checked, doc)


def test_contest_selection_by_kind_key_or_election(nation):
    contests = nation.contests
    assert [c.key for c in select_contests(contests, ["ppwp"])] == ["ppwp"]
    governors = select_contests(contests, ["pkwkp"])
    assert len(governors) == 37 and all(c.kind == "pkwkp" for c in governors)
    assert [c.key for c in select_contests(contests, ["pkwkk-3204", "pdpd-31"])] == ["pdpd-31", "pkwkk-3204"]
    pemilu = select_contests(contests, ["pemilu"])
    assert {c.kind for c in pemilu} == PEMILU_KINDS and len(pemilu) == 4 + 38
    assert [c.kind for c in pemilu[:4]] == ["ppwp", "pdpr", "pdpd", "pdpd"]  # ballot order
    assert {c.kind for c in select_contests(contests, ["pilkada"])} == {"pkwkp", "pkwkk"}
    assert len(select_contests(contests, ["all"])) == len(contests)
    for bad in ("dpr", "pemilu-2024", ""):
        with pytest.raises(ValueError, match="tidak dikenal"):
            select_contests(contests, [bad])
    with pytest.raises(ValueError, match="provinsi tidak dikenal: 98"):
        Synthesizer(nation, SynthOptions(provinces=("98",)))
    assert list(islice(Synthesizer(nation, SynthOptions(provinces=("65",), contests=("pkwkk-3204",))).forms(), 1)) == []
    assert Synthesizer(nation, SynthOptions(provinces=("65",), contests=("pkwkk-3204",))).total_forms() == 0
    overseas = Synthesizer(nation, SynthOptions(provinces=("99",), contests=("pemilu",)))
    assert overseas.total_forms() == 2 * nation.tree.get("99").tps_total  # PPWP and DPR only
