"""The KPPS app's offline rules (domain/rule_sums.py) are the server's rules: on any complete
form, the equations raise exactly the rules check_form raises among those they cover."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from test_legislative_form import DPR, legislative
from test_rules import PPWP

from suara.domain.form import ADMINISTRASI_KEYS, parse_form
from suara.domain.rule_sums import COVERED, Equation, broken, equations
from suara.domain.rules import check_form
from suara.web.entry import fields_of

PPWP_FORM: dict[str, Any] = {
    "tps": "3101011001005", "contest": "ppwp", "suara": {"1": 60, "2": 122, "3": 64},
    "suara_sah": 246, "suara_tidak_sah": 3, "suara_total": 249,
    "administrasi": {
        "pemilih_dpt_l": 140, "pemilih_dpt_p": 140, "pemilih_dpt_j": 280,
        "pengguna_dpt_l": 120, "pengguna_dpt_p": 120, "pengguna_dpt_j": 240,
        "pengguna_dptb_l": 2, "pengguna_dptb_p": 1, "pengguna_dptb_j": 3,
        "pengguna_non_dpt_l": 6, "pengguna_non_dpt_p": 0, "pengguna_non_dpt_j": 6,
        "pengguna_total_l": 128, "pengguna_total_p": 121, "pengguna_total_j": 249, "pemilih_disabilitas_j": 1,
        "surat_suara_diterima": 286, "surat_suara_dikembalikan": 1, "surat_suara_tidak_digunakan": 36,
        "surat_suara_digunakan": 249}}
DPR_PARTIES = {"1": ["1", "2"], "2": ["1", "2", "3"], "5": ["1"]}


def values_of(doc: dict[str, Any]) -> dict[str, int]:
    return {name: int(value) for name, value in fields_of(doc).items()}


def changed(doc: dict[str, Any], changes: dict[str, int], keep_administrasi: bool) -> dict[str, Any]:
    """The form with some boxes rewritten (by their screen names)."""
    out = copy.deepcopy(doc)
    for name, value in changes.items():
        if name in ADMINISTRASI_KEYS:
            out.setdefault("administrasi", {})[name] = value
        elif name in ("suara_sah", "suara_tidak_sah", "suara_total"):
            out[name] = value
        elif name.startswith("suara_partai_"):
            out["partai"][name.rsplit("_", 1)[1]]["suara_partai"] = value
        elif name.startswith("jumlah_"):
            out["partai"][name.split("_")[1]]["jumlah"] = value
        elif name.startswith("caleg_"):
            _, partai, nomor = name.split("_")
            out["partai"][partai]["caleg"][nomor] = value
        else:
            out["suara"][name.split("_")[1]] = value
    if not keep_administrasi:
        out.pop("administrasi", None)
    return out


def agree(doc: dict[str, Any], contest: Any, sums: list[Equation]) -> None:
    server = sorted({f.rule for f in check_form(parse_form(doc), contest)} & set(COVERED), key=lambda r: int(r[1:]))
    assert broken(sums, values_of(doc)) == server, doc


PPWP_BOXES = sorted(values_of(PPWP_FORM))
DPR_FORM = {**legislative(), "administrasi": PPWP_FORM["administrasi"]}
DPR_BOXES = sorted(values_of(DPR_FORM))


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(PPWP_BOXES), st.integers(0, 1200), max_size=4), st.booleans())
def test_candidate_forms(changes: dict[str, int], keep_administrasi: bool) -> None:
    agree(changed(PPWP_FORM, changes, keep_administrasi), PPWP, equations(PPWP.tps_cap, ["suara_1", "suara_2", "suara_3"]))


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(DPR_BOXES), st.integers(0, 1200), max_size=4), st.booleans())
def test_party_list_forms(changes: dict[str, int], keep_administrasi: bool) -> None:
    sums = equations(DPR.tps_cap, [f"jumlah_{p}" for p in DPR_PARTIES], DPR_PARTIES)
    agree(changed(DPR_FORM, changes, keep_administrasi), DPR, sums)


def test_the_examples_are_clean_and_a_broken_sum_is_named() -> None:
    sums = equations(PPWP.tps_cap, ["suara_1", "suara_2", "suara_3"])
    assert broken(sums, values_of(PPWP_FORM)) == []
    assert broken(sums, {**values_of(PPWP_FORM), "suara_total": 250}) == ["R9", "R10"]
    # silent on what is not typed yet, as the rules are on what a form lacks
    assert broken(sums, {"suara_sah": 10, "suara_tidak_sah": 1}) == []
