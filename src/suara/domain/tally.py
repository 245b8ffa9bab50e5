"""Tally arithmetic: what one TPS contributes to a rollup, and how rollups add up.

A rollup is a plain sum of contributions, so the tally can apply the difference between a
TPS's new version and the one it replaces, and a from-scratch recompute must give the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from suara.domain.form import Form


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

    @classmethod
    def of(cls, form: Form, flag_rules: Iterable[str]) -> Contribution:
        return cls(
            votes=dict(form.suara),
            suara_sah=form.suara_sah,
            suara_tidak_sah=form.suara_tidak_sah,
            suara_total=form.suara_total,
            flags=tuple(sorted(set(flag_rules), key=rule_order)),
            pemilih_dpt=form.adm("pemilih_dpt_j"),
            pengguna_total=form.adm("pengguna_total_j"),
        )

    @property
    def has_turnout(self) -> bool:
        return self.pemilih_dpt is not None and self.pengguna_total is not None


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
            "votes": dict(sorted(self.votes.items(), key=lambda kv: int(kv[0]))),
            "flag_counts": dict(sorted(self.flag_counts.items(), key=lambda kv: rule_order(kv[0]))),
        }
