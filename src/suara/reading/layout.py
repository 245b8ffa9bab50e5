"""Which numbers a form's photo holds, in which order its digit boxes come, and the sums they obey.

A FormLayout lists the form's numbers as the form JSON names them (shared/spec/form-json.md),
written as dotted paths:

    administrasi.<key>              every key of domain.form.ADMINISTRASI_KEYS, in that order:
                                    pemilih_dpt_l, _p, _j, pengguna_dpt_l, ... pengguna_total_j,
                                    pemilih_disabilitas_j, surat_suara_diterima, ..._dikembalikan,
                                    ..._tidak_digunakan, ..._digunakan
    suara.<nomor>                   a candidate's (paslon's) votes, by ballot number
    partai.<nomor>.suara_partai     on a party-list form, per party: votes for the party,
    partai.<nomor>.caleg.<c>        for each of its candidates (by number on the list),
    partai.<nomor>.jumlah           and the party's total
    suara_sah, suara_tidak_sah, suara_total

Every number is three digit boxes, hundreds, tens, units (left to right as printed). The
classifier's probabilities for a form are one row per box: the three boxes of layout.fields[0],
then those of fields[1], and so on (`layout.rows(field)` gives a field's rows).

The sums are the rules of domain/rule_sums.py that are equalities of error severity (R1, R2, R5,
R8, R9, R14): they hold on a correctly filled form. Warnings (R7: ballots used = voters) and
bounds are left out: real forms break them often enough that they are no evidence about a
digit. A layout may hold only some of a form's numbers (one page's); the sums naming a number it
lacks are then dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from suara.domain import rule_sums
from suara.domain.form import ADMINISTRASI_KEYS

BOXES = 3
DECODED_RULES = frozenset({"R1", "R2", "R5", "R8", "R9", "R14"})
TOTALS = ("suara_sah", "suara_tidak_sah", "suara_total")


@dataclass(frozen=True, slots=True)
class Sum:
    """sum(coefficient * number) == constant over the named numbers; broken, it is `rule`."""

    rule: str
    terms: tuple[tuple[str, int], ...]
    constant: int = 0


def _path(name: str) -> str:
    """A rule_sums name as the form JSON path."""
    if name in TOTALS:
        return name
    if name in ADMINISTRASI_KEYS:
        return f"administrasi.{name}"
    if name.startswith("suara_partai_"):
        return f"partai.{name.removeprefix('suara_partai_')}.suara_partai"
    if name.startswith("jumlah_"):
        return f"partai.{name.removeprefix('jumlah_')}.jumlah"
    if name.startswith("caleg_"):
        party, candidate = name.removeprefix("caleg_").split("_", 1)
        return f"partai.{party}.caleg.{candidate}"
    if name.startswith("suara_"):
        return f"suara.{name.removeprefix('suara_')}"
    raise ValueError(f"unknown number {name!r}")


def _sums(equations: Iterable[rule_sums.Equation]) -> list[Sum]:
    out = []
    for eq in equations:
        if eq.rule not in DECODED_RULES or eq.op != "=":
            continue
        terms = tuple((_path(n), 1) for n in eq.left) + tuple((_path(n), -1) for n in eq.right)
        out.append(Sum(eq.rule, terms, eq.constant))
    return out


@dataclass(frozen=True, slots=True)
class FormLayout:
    fields: tuple[str, ...]
    sums: tuple[Sum, ...]

    def __post_init__(self) -> None:
        if len(set(self.fields)) != len(self.fields):
            raise ValueError("a number appears twice in the layout")
        known = set(self.fields)
        for s in self.sums:
            missing = [name for name, _ in s.terms if name not in known]
            if missing:
                raise ValueError(f"{s.rule} names numbers not in the layout: {missing}")

    @property
    def boxes(self) -> int:
        return BOXES * len(self.fields)

    def rows(self, field: str) -> slice:
        start = BOXES * self.fields.index(field)
        return slice(start, start + BOXES)

    @property
    def unchecked(self) -> tuple[str, ...]:
        """The numbers no sum of this layout names: their reading rests on their boxes alone."""
        summed = {name for s in self.sums for name, _ in s.terms}
        return tuple(f for f in self.fields if f not in summed)

    def only(self, fields: Iterable[str]) -> FormLayout:
        """The layout of the given numbers (one page's), in this layout's order; the sums that
        name a number outside them are dropped."""
        keep = set(fields)
        unknown = keep - set(self.fields)
        if unknown:
            raise ValueError(f"numbers not on this form: {sorted(unknown)}")
        return FormLayout(tuple(f for f in self.fields if f in keep),
                          tuple(s for s in self.sums if all(name in keep for name, _ in s.terms)))


def candidate_layout(candidates: Sequence[str], administrasi: bool = True) -> FormLayout:
    """A form with one number per candidate (PPWP, Pilkada, DPD): the administrasi section if
    the form has it, then suara.<nomor> in the order given, then the three totals."""
    fields = [f"administrasi.{k}" for k in ADMINISTRASI_KEYS] if administrasi else []
    fields += [f"suara.{n}" for n in candidates]
    fields += list(TOTALS)
    equations = rule_sums.equations(0, [f"suara_{n}" for n in candidates])
    return _restricted(fields, equations)


def party_layout(parties: Mapping[str, Sequence[str]], administrasi: bool = True) -> FormLayout:
    """A party-list form (DPR, DPRD): per party in the order given, its party votes, its
    candidates' votes in the order given, its total; then the three totals."""
    fields = [f"administrasi.{k}" for k in ADMINISTRASI_KEYS] if administrasi else []
    for nomor, caleg in parties.items():
        fields.append(f"partai.{nomor}.suara_partai")
        fields += [f"partai.{nomor}.caleg.{c}" for c in caleg]
        fields.append(f"partai.{nomor}.jumlah")
    fields += list(TOTALS)
    equations = rule_sums.equations(0, [f"jumlah_{n}" for n in parties], parties)
    return _restricted(fields, equations)


def _restricted(fields: list[str], equations: Iterable[rule_sums.Equation]) -> FormLayout:
    known = set(fields)
    return FormLayout(tuple(fields), tuple(s for s in _sums(equations) if all(n in known for n, _ in s.terms)))


def form_json(values: Mapping[str, int | None]) -> dict[str, object]:
    """Numbers by path ("suara.1", "administrasi.pemilih_dpt_j", "partai.1.caleg.3") as the
    nested form JSON (without tps and contest); a number read as blank (None) is left out."""
    doc: dict[str, object] = {}
    for path, value in values.items():
        if value is None:
            continue
        parts = path.split(".")
        node = doc
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            assert isinstance(child, dict)
            node = child
        node[parts[-1]] = value
    return doc
