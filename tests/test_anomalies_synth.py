"""The anomaly screens on a synthetic election over the real region tree: a clean one raises few
false alarms (the rates are measured here and in bench/anomalies.py for the whole nation), and
anomalies planted into it are found.

Kalimantan Utara, seed 3, every ballot of the Pemilu and the Pilkada, no errors: 11 contests,
14,203 TPS forms, 55 kecamatan. Measured with the default thresholds: A1 0, A2 63 TPS (0.44%:
DPTb and DPK voters past 100% of DPT), A3 32 (0.23%), A4 4 (0.03%), all TPS screens together 99
of 14,203 (0.70%); region screens 5 of 431 region tests (1.2%).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import pytest

from suara.domain.anomalies import (
    DEFAULT_THRESHOLDS,
    RegionScreening,
    assemble,
    figures_of,
    screen_unit,
)
from suara.domain.form import parse_form
from suara.domain.rules import check_form
from suara.reference import packaged_reference
from suara.store.reference import Reference
from suara.synth import Synthesizer, SynthOptions, inject_error

PROVINCE = "65"


@pytest.fixture(scope="module")
def nation() -> Reference:
    return packaged_reference()


@pytest.fixture(scope="module")
def clean(nation: Reference) -> list[dict[str, Any]]:
    return list(Synthesizer(nation, SynthOptions(seed=3, provinces=(PROVINCE,), contests=("all",),
                                                 error_rate=0.0)).forms())


def screen(nation: Reference, forms: list[dict[str, Any]]) -> dict[str, RegionScreening]:
    """Each contest's screening of the province, from its forms as the service reads them."""
    by_unit: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for doc in forms:
        contest = nation.contest(doc["contest"])
        flags = [{"rule": f.rule} for f in check_form(parse_form(doc), contest)]
        by_unit[contest.key][doc["tps"][:6]].append(figures_of(doc["tps"], doc, flags, contest.nomor_keys))
    found = {}
    for key, units in by_unit.items():
        keys = nation.contest(key).nomor_keys
        screened = [screen_unit(kode, rows, DEFAULT_THRESHOLDS, keys) for kode, rows in units.items()]
        found[key] = assemble(screened, PROVINCE, DEFAULT_THRESHOLDS, keys)
    return found


def test_a_clean_synthetic_province_raises_few_false_alarms(nation: Reference, clean: list[dict[str, Any]]) -> None:
    screenings = screen(nation, clean)
    assert len(screenings) == 11  # PPWP, DPR, DPD, DPRD provinsi, DPRD kab/kota, governor, 5 bupati/walikota
    tps = sum(s.counted.tps for s in screenings.values())
    per_screen = Counter(name for s in screenings.values() for item in s.flagged for name in item.screens)
    queued = sum(len(s.flagged) for s in screenings.values())
    tests = [t for s in screenings.values() for t in s.tests]
    flagged_regions = [t for t in tests if t.screens]
    print(f"\nclean {PROVINCE}: {tps} TPS forms, queued {queued} ({100 * queued / tps:.2f}%), by screen "
          f"{dict(per_screen)}; regions flagged {len(flagged_regions)} of {len(tests)} tests")
    assert tps == len(clean)
    assert per_screen["A1"] == 0  # clean forms break no rule
    assert queued / tps < 0.01
    for name in ("A2", "A3", "A4"):
        assert per_screen[name] / tps < 0.005, name
    assert len(flagged_regions) / len(tests) < 0.02
    assert not any("A6" in t.screens for t in tests)


def _plant(forms: list[dict[str, Any]], contest: str) -> dict[str, set[str]]:
    """Anomalies of every kind in the province's forms of one contest; returns what was planted."""
    mine = [f for f in forms if f["contest"] == contest]
    by_kecamatan: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for doc in mine:
        by_kecamatan[doc["tps"][:6]].append(doc)
    big = sorted((k for k, v in by_kecamatan.items() if len(v) >= 40), key=lambda k: -len(by_kecamatan[k]))
    planted: dict[str, set[str]] = defaultdict(set)

    def stuff(doc: dict[str, Any], winner: str) -> None:
        adm = doc["administrasi"]
        for sex in ("l", "p", "j"):
            adm[f"pemilih_dpt_{sex}"] = adm[f"pengguna_total_{sex}"]
        doc["suara"] = {k: (doc["suara_sah"] if k == winner else 0) for k in doc["suara"]}
    # A6 and A2: a third of one kecamatan's TPS at 100% turnout, every vote for the leader
    corner = by_kecamatan[big[0]]
    for doc in corner[: len(corner) // 3]:
        stuff(doc, "2")
        planted["A2"].add(doc["tps"])
    planted["A6"].add(big[0])
    # A3: one TPS of another kecamatan almost all for one candidate
    far = by_kecamatan[big[1]][7]
    sah = far["suara_sah"]
    far["suara"] = {"1": sah - 4, "2": 2, "3": 2}
    planted["A3"].add(far["tps"])
    # A4: a form copied onto another TPS of the same kecamatan
    source, copy = by_kecamatan[big[1]][3], by_kecamatan[big[1]][20]
    for key in ("suara", "suara_sah", "suara_tidak_sah", "suara_total"):
        copy[key] = source[key] if key != "suara" else dict(source["suara"])
    planted["A4"] |= {source["tps"], copy["tps"]}
    # A1: the misreadings of real publications
    for doc, kind in zip(by_kecamatan[big[2]][:3], ("totals_as_votes", "digit_misread", "extra_digits"), strict=True):
        inject_error(doc, kind, 188)
        planted["A1"].add(doc["tps"])
    # A5: a kecamatan whose counts were made up, ending in 0 or 5
    for doc in by_kecamatan[big[3]]:
        doc["suara"] = {k: max(10, 5 * round(v / 5)) for k, v in doc["suara"].items()}
        doc["suara_sah"] = sum(doc["suara"].values())
        doc["suara_total"] = doc["suara_sah"] + doc["suara_tidak_sah"]
    planted["A5"].add(big[3])
    return planted


def test_planted_anomalies_are_found(nation: Reference, clean: list[dict[str, Any]]) -> None:
    forms = [{**f, "suara": dict(f["suara"]), "administrasi": dict(f["administrasi"])} if "suara" in f else f
             for f in clean]
    planted = _plant(forms, "ppwp")
    found = screen(nation, [f for f in forms if f["contest"] == "ppwp"])["ppwp"]
    queued = {name: {item.figures.tps for item in found.flagged if name in item.screens}
              for name in ("A1", "A2", "A3", "A4")}
    for name in ("A1", "A2", "A3", "A4"):
        assert planted[name] <= queued[name], (name, planted[name] - queued[name])
    regions = {name: {t.kode for t in found.tests if name in t.screens} for name in ("A5", "A6")}
    assert planted["A5"] <= regions["A5"] and planted["A6"] <= regions["A6"], regions
    # the monitor's view leaves out exactly the queue
    assert found.without(found.queue()).tps == found.counted.tps - len(found.flagged)
