"""The rules of domain/rules.py that are plain sums and bounds, written out as data for one
TPS's form shape, so that the KPPS app can show them while the officer types with no network.

The app evaluates each one only when every box it names is filled, as the rules are silent on
what a form lacks. The rules themselves stay in rules.py: tests hold these equations to raise
exactly the flags check_form raises for their rules on any complete form, and on send the
outcome is always the server's. R6 (a 2% reserve, rounded up), R12 (parsing) and R13 (photos
filed elsewhere) are left to the server.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from suara.domain.form import PERSON_GROUPS
from suara.domain.rules import DIGIT_BOXES_MAX, RULES, SEXES

COVERED = ("R1", "R2", "R3", "R4", "R5", "R7", "R8", "R9", "R10", "R11", "R14", "R15")
TOTALS = ("suara_sah", "suara_tidak_sah", "suara_total")


@dataclass(frozen=True, slots=True)
class Equation:
    """sum(left) OP sum(right) + constant, with OP '=' or '<='; broken, it raises `rule`."""

    rule: str
    left: tuple[str, ...]
    op: str
    right: tuple[str, ...] = ()
    constant: int = 0

    def as_dict(self) -> dict[str, object]:
        return {"rule": self.rule, "severity": RULES[self.rule].severity.value, "left": list(self.left),
                "op": self.op, "right": list(self.right), "constant": self.constant}

    def holds(self, values: Mapping[str, int]) -> bool | None:
        """None while a box it names is empty."""
        if any(name not in values for name in self.left + self.right):
            return None
        left = sum(values[n] for n in self.left)
        right = sum(values[n] for n in self.right) + self.constant
        return left == right if self.op == "=" else left <= right


def _administrasi() -> list[Equation]:
    sums = [Equation("R1", (f"pengguna_total_{s}",), "=", (f"pengguna_dpt_{s}", f"pengguna_dptb_{s}",
                                                            f"pengguna_non_dpt_{s}")) for s in SEXES]
    sums += [Equation("R2", (f"{g}_j",), "=", (f"{g}_l", f"{g}_p")) for g in PERSON_GROUPS]
    sums += [Equation("R3", (f"pengguna_dpt_{s}",), "<=", (f"pemilih_dpt_{s}",)) for s in SEXES]
    sums.append(Equation("R5", ("surat_suara_diterima",), "=",
                         ("surat_suara_digunakan", "surat_suara_dikembalikan", "surat_suara_tidak_digunakan")))
    sums.append(Equation("R7", ("surat_suara_digunakan",), "=", ("pengguna_total_j",)))
    return sums


def equations(tps_cap: int, votes: Sequence[str], parties: Mapping[str, Iterable[str]] | None = None) -> list[Equation]:
    """The equations of one form shape. votes: the boxes of the vote section that make up the
    valid votes (suara_{nomor} per candidate, or jumlah_{partai} per party); parties: per party
    on a party-list ballot, the numbers of its candidates."""
    sums = _administrasi()
    sums.append(Equation("R4", ("pemilih_dpt_j",), "<=", (), tps_cap))
    sums.append(Equation("R8", ("suara_sah",), "=", tuple(votes)))
    sums.append(Equation("R9", ("suara_total",), "=", ("suara_sah", "suara_tidak_sah")))
    sums.append(Equation("R10", ("suara_total",), "<=", ("pengguna_total_j",)))
    for box in votes:
        sums.append(Equation("R11", (box,), "<=", (), DIGIT_BOXES_MAX))
        sums.append(Equation("R11", (box,), "<=", ("pemilih_dpt_j", "pengguna_dptb_j", "pengguna_non_dpt_j")))
    if parties is not None:
        sums += [Equation("R15", (name,), "<=", (), DIGIT_BOXES_MAX) for name in TOTALS]
        for nomor, caleg in parties.items():
            boxes = tuple(f"caleg_{nomor}_{c}" for c in caleg)
            sums.append(Equation("R14", (f"jumlah_{nomor}",), "=", (f"suara_partai_{nomor}", *boxes)))
            sums += [Equation("R15", (name,), "<=", (), DIGIT_BOXES_MAX) for name in (f"suara_partai_{nomor}", *boxes)]
    return sums


def broken(sums: Iterable[Equation], values: Mapping[str, int]) -> list[str]:
    """The rules the typed values break, in rule order (each once)."""
    found = {e.rule for e in sums if e.holds(values) is False}
    return sorted(found, key=lambda rule: int(rule[1:]))
