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
        assert flag.message
    return flags


# --- the rule table ---------------------------------------------------------------------------

SPEC_SEVERITY = {
    "R1": "error", "R2": "error", "R3": "warning", "R4": "warning", "R5": "error",
    "R6": "warning", "R7": "warning", "R8": "error", "R9": "error", "R10": "error", "R11": "error",
    "R12": "error", "R13": "error",
}


def test_rule_table_matches_the_spec() -> None:
    assert list(RULES) == [f"R{n}" for n in range(1, 14)]
    assert {rid: info.severity.value for rid, info in RULES.items()} == SPEC_SEVERITY
    for rid, info in RULES.items():
        assert info.id == rid
        assert info.judul and info.title
    assert len(CHECKS) == 11


def test_example_form_is_clean() -> None:
    assert check_form(form(), PPWP) == []


def test_example_form_without_administrasi_is_clean() -> None:
    assert check_form(bare(), PPWP) == []


def test_flags_come_in_rule_order() -> None:
    # Break R11 (a 3-digit-box overflow), R9 and R1 at once.
    f = form({"pengguna_total_j": 250}, suara={"1": 1000, "2": 122, "3": 64}, suara_sah=1186,
             suara_total=1)
    assert rules_of(check_form(f, PPWP)) == ["R1", "R7", "R9", "R11"]


