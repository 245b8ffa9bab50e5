"""Tally arithmetic: what one TPS contributes to a rollup, and how rollups add up.

A rollup is a plain sum of contributions, so the tally can apply the difference between a
TPS's new version and the one it replaces, and a from-scratch recompute must give the same.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from suara.domain.contests import KIND_INFO, kind_of_key
from suara.domain.form import Form
from suara.domain.regions import ancestors, level_of

DAPIL_ROLLUP = "D"
DAPIL_LEVEL = 9  # the tingkat of a dapil's rollup row: outside the region levels 0..5


def dapil_rollup_code(dapil: str) -> str:
    """Dapil are kept beside the regions in the rollups; their codes would collide with region
    codes (DPR dapil 3101 and kab/kota 3101), so they carry a prefix."""
    return f"{DAPIL_ROLLUP}{dapil}"


def rollup_level(kode: str) -> int:
    if kode.startswith(DAPIL_ROLLUP):
        return DAPIL_LEVEL
    return level_of(kode)


Key = tuple[str, str]  # contest, code


def roll_up(per_desa: Mapping[Key, Totals], dapil_of: Mapping[Key, str]) -> dict[Key, Totals]:
    """Sum per-desa totals into every region above them and into their dapil (if any).

    The tally's fold (on differences) and `suara verify` (from scratch) both add up this way.
    """
    regional: dict[Key, Totals] = defaultdict(Totals)
    for key, totals in per_desa.items():
        regional[key].merge(totals)
        dapil = dapil_of.get(key)
        if dapil is not None:
            regional[(key[0], dapil_rollup_code(dapil))].merge(totals)
    for length in (10, 6, 4, 2):
        for (contest, kode), total in [(k, v) for k, v in regional.items()
                                       if len(k[1]) == length and not k[1].startswith(DAPIL_ROLLUP)]:
            parent = ancestors(kode)[-1]
            info = KIND_INFO.get(kind_of_key(contest))
            if info is not None and level_of(parent) < info.candidate_level:
                total = total.without_candidates()
            regional[(contest, parent)].merge(total)
    return regional


@dataclass(frozen=True, slots=True)
class Contribution:
    """What the current version of one TPS adds to every region above it."""

    votes: Mapping[str, int]
    suara_sah: int
    suara_tidak_sah: int
    suara_total: int
    flags: tuple[str, ...]
    pemilih_dpt: int | None
    pengguna_total: int | None
    dapil: str | None = None

    @classmethod
    def of(cls, form: Form, flag_rules: Iterable[str]) -> Contribution:
        return cls(
            votes=votes_of_doc(form.to_json()),
            suara_sah=form.suara_sah,
            suara_tidak_sah=form.suara_tidak_sah,
            suara_total=form.suara_total,
            flags=tuple(sorted(set(flag_rules), key=rule_order)),
            pemilih_dpt=form.adm("pemilih_dpt_j"),
            pengguna_total=form.adm("pengguna_total_j"),
            dapil=form.dapil,
        )

    @property
    def has_turnout(self) -> bool:
        return self.pemilih_dpt is not None and self.pengguna_total is not None


PARTY_ONLY = "P"


def party_only_key(party: str) -> str:
    """The rollup key of a party's own votes (suara partai), beside its total under its number."""
    return f"{PARTY_ONLY}{party}"


def candidate_key(dapil: str, party: str, nomor: str) -> str:
    """The rollup key of a party-list candidate: unique in the nation, since a list number is
    only unique within its party's list in one dapil."""
    return f"{dapil}.{party}.{nomor}"


def split_candidate_key(key: str) -> tuple[str, str, str] | None:
    parts = key.split(".")
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 else None


def votes_of_doc(doc: Mapping[str, Any]) -> dict[str, int]:
    """What a stored form adds to the votes of a rollup: per candidate number; on a party-list
    form, each party's total, its own votes (P1) and each candidate's votes (dapil.party.nomor)."""
    partai = doc.get("partai")
    if partai is None:
        return dict(doc["suara"])
    dapil = doc["dapil"]
    votes: dict[str, int] = {}
    for party, block in partai.items():
        votes[party] = block["jumlah"]
        votes[PARTY_ONLY + party] = block["suara_partai"]
        prefix = f"{dapil}.{party}."  # candidate_key, built once per party: this runs per form
        for nomor, value in block["caleg"].items():
            if value:  # a zero adds nothing, and rollups keep no zero entries
                votes[prefix + nomor] = value
    return votes


def vote_key_order(key: str) -> tuple[int, int, str]:
    """Candidate numbers and party totals first (numerically), then party-only votes, then
    party-list candidates by dapil, party and list number."""
    if key.isdigit():
        return (0, int(key), "")
    if key.startswith(PARTY_ONLY) and key[1:].isdigit():
        return (1, int(key[1:]), "")
    parts = key.split(".")
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        return (2, int(parts[1]) * 10_000 + int(parts[2]), parts[0])
    return (3, 0, key)


def rule_order(rule: str) -> int:
    return int(rule[1:]) if rule[1:].isdigit() else 10_000


def _add_into(target: dict[str, int], source: Mapping[str, int], sign: int) -> None:
    for key, value in source.items():
        new = target.get(key, 0) + sign * value
        if new:
            target[key] = new
        else:
            target.pop(key, None)


@dataclass(slots=True)
class Totals:
    """A rollup of a region for one contest."""

    tps_reported: int = 0
    tps_flagged: int = 0
    suara_sah: int = 0
    suara_tidak_sah: int = 0
    suara_total: int = 0
    tps_turnout: int = 0
    pemilih_dpt: int = 0
    pengguna_total: int = 0
    votes: dict[str, int] = field(default_factory=dict)
    flag_counts: dict[str, int] = field(default_factory=dict)

    def apply(self, contribution: Contribution, sign: int = 1) -> None:
        """Add (sign=1) or remove (sign=-1) one TPS's contribution."""
        self.tps_reported += sign
        self.tps_flagged += sign if contribution.flags else 0
        self.suara_sah += sign * contribution.suara_sah
        self.suara_tidak_sah += sign * contribution.suara_tidak_sah
        self.suara_total += sign * contribution.suara_total
        if contribution.pemilih_dpt is not None and contribution.pengguna_total is not None:
            self.tps_turnout += sign
            self.pemilih_dpt += sign * contribution.pemilih_dpt
            self.pengguna_total += sign * contribution.pengguna_total
        _add_into(self.votes, contribution.votes, sign)
        _add_into(self.flag_counts, {rule: 1 for rule in contribution.flags}, sign)

    def merge(self, other: Totals) -> None:
        """Add another rollup (a difference of contributions) into this one."""
        self.tps_reported += other.tps_reported
        self.tps_flagged += other.tps_flagged
        self.suara_sah += other.suara_sah
        self.suara_tidak_sah += other.suara_tidak_sah
        self.suara_total += other.suara_total
        self.tps_turnout += other.tps_turnout
        self.pemilih_dpt += other.pemilih_dpt
        self.pengguna_total += other.pengguna_total
        _add_into(self.votes, other.votes, 1)
        _add_into(self.flag_counts, other.flag_counts, 1)

    def without_candidates(self) -> Totals:
        """The same totals without party-list candidates' votes (keys 'dapil.party.nomor')."""
        if not any("." in key for key in self.votes):
            return self
        return Totals(self.tps_reported, self.tps_flagged, self.suara_sah, self.suara_tidak_sah, self.suara_total,
                      self.tps_turnout, self.pemilih_dpt, self.pengguna_total,
                      {k: v for k, v in self.votes.items() if "." not in k}, dict(self.flag_counts))

    def is_zero(self) -> bool:
        return self == Totals()

    def as_dict(self) -> dict[str, Any]:
        return {
            "tps_reported": self.tps_reported,
            "tps_flagged": self.tps_flagged,
            "suara_sah": self.suara_sah,
            "suara_tidak_sah": self.suara_tidak_sah,
            "suara_total": self.suara_total,
            "tps_turnout": self.tps_turnout,
            "pemilih_dpt": self.pemilih_dpt,
            "pengguna_total": self.pengguna_total,
            "votes": dict(sorted(self.votes.items(), key=lambda kv: vote_key_order(kv[0]))),
            "flag_counts": dict(sorted(self.flag_counts.items(), key=lambda kv: rule_order(kv[0]))),
        }
