"""What a deployment does with flags (c-hasil.md, "Policies")."""

from __future__ import annotations

import pytest

from suara.domain.policy import OUTCOME_LABELS, Outcome, Policy, decide
from suara.domain.rules import Flag, Severity

ERROR = Flag("R8", Severity.ERROR, "suara_sah 246 != jumlah suara paslon 247")
OTHER_ERROR = Flag("R10", Severity.ERROR, "suara_total 250 > pengguna_total_j 249")
WARNING = Flag("R3", Severity.WARNING, "pengguna_dpt_l 118 > pemilih_dpt_l 117")
OTHER_WARNING = Flag("R7", Severity.WARNING, "surat_suara_digunakan 248 != pengguna_total_j 249")

FLAG_SETS = {
    "clean": [],
    "one warning": [WARNING],
    "two warnings": [WARNING, OTHER_WARNING],
    "one error": [ERROR],
    "two errors": [ERROR, OTHER_ERROR],
    "error and warning": [WARNING, ERROR],
}


def test_policy_values() -> None:
    assert Policy("as-is") is Policy.AS_IS
    assert Policy("strict") is Policy.STRICT


@pytest.mark.parametrize("name", FLAG_SETS)
def test_as_is_stores_every_well_formed_form(name: str) -> None:
    flags = FLAG_SETS[name]
    outcome = decide(Policy.AS_IS, flags)
    assert outcome.accepted
    assert outcome is (Outcome.STORED if not flags else Outcome.STORED_WITH_NOTES)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("clean", Outcome.STORED),
        ("one warning", Outcome.STORED_WITH_NOTES),
        ("two warnings", Outcome.STORED_WITH_NOTES),
        ("one error", Outcome.REFUSED),
        ("two errors", Outcome.REFUSED),
        ("error and warning", Outcome.REFUSED),
    ],
)
def test_strict(name: str, expected: Outcome) -> None:
    assert decide(Policy.STRICT, FLAG_SETS[name]) is expected


def test_strict_refuses_whatever_the_position_of_the_error() -> None:
    assert decide(Policy.STRICT, (WARNING, OTHER_WARNING, ERROR)) is Outcome.REFUSED
    assert decide(Policy.STRICT, (ERROR, WARNING)) is Outcome.REFUSED


def test_accepted() -> None:
    assert Outcome.STORED.accepted is True
    assert Outcome.STORED_WITH_NOTES.accepted is True
    assert Outcome.REFUSED.accepted is False


def test_labels() -> None:
    assert Outcome.STORED.label == "Data Sudah Terkirim"
    assert Outcome.STORED_WITH_NOTES.label == "Data Sudah Terkirim, dengan Catatan"
    assert Outcome.REFUSED.label == "Data Tidak Terkirim"
    assert set(OUTCOME_LABELS) == set(Outcome)
