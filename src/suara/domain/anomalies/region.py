"""A region's screening, put together from its kecamatan's.

Each kecamatan is screened once (screen_unit) into a small, additive result: its flagged TPS
with their figures, its totals per desa, its digit histograms, its fingerprint corner counts per
candidate and one byte per TPS and candidate for the fingerprint image. Any region above is
then sums of those (assemble), so the nation needs no second pass over the forms.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from suara.domain.anomalies.digits import DigitTest, digit_histograms, digit_tests
from suara.domain.anomalies.figures import TpsFigures
from suara.domain.anomalies.fingerprint import (
    CornerTest,
    corner_counts,
    corner_test,
    histogram,
    shares_of,
    to_bins,
)
from suara.domain.anomalies.tps_screens import Hit, screen_tps
from suara.domain.percent import percent
from suara.domain.regions import NATIONAL


@dataclass(slots=True)
class Sums:
    """Totals of a set of TPS: what the monitor's view subtracts from."""

    votes: np.ndarray
    tps: int = 0
    suara_sah: int = 0
    suara_tidak_sah: int = 0
    suara_total: int = 0
    tps_turnout: int = 0
    pemilih_dpt: int = 0
    pengguna_total: int = 0

    @classmethod
    def zero(cls, k: int) -> Sums:
        return cls(np.zeros(k, dtype=np.int64))

    def add(self, t: TpsFigures, sign: int = 1) -> None:
        self.votes += sign * np.asarray(t.votes, dtype=np.int64)
        self.tps += sign
        self.suara_sah += sign * t.suara_sah
        self.suara_tidak_sah += sign * t.suara_tidak_sah
        self.suara_total += sign * t.suara_total
        if t.turnout is not None:
            self.tps_turnout += sign
            self.pemilih_dpt += sign * (t.pemilih_dpt or 0)
            self.pengguna_total += sign * (t.pengguna_total or 0)

    def merge(self, other: Sums) -> None:
        self.votes += other.votes
        for name in ("tps", "suara_sah", "suara_tidak_sah", "suara_total", "tps_turnout", "pemilih_dpt",
                     "pengguna_total"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def copy(self) -> Sums:
        return Sums(self.votes.copy(), self.tps, self.suara_sah, self.suara_tidak_sah, self.suara_total,
                    self.tps_turnout, self.pemilih_dpt, self.pengguna_total)


@dataclass(frozen=True, slots=True)
class FlaggedTps:
    figures: TpsFigures
    hits: tuple[Hit, ...]

    @property
    def screens(self) -> tuple[str, ...]:
        return tuple(h.screen for h in self.hits)


@dataclass(frozen=True, slots=True)
class UnitScreening:
    """The screening of one kecamatan at one tally point."""

    kode: str
    flagged: tuple[FlaggedTps, ...]
    desa_sums: Mapping[str, Sums]
    desa_rows: Mapping[str, tuple[int, int]]  # the rows of the per-TPS arrays of each desa (TPS in code order)
    last_digits: np.ndarray
    second_digits: np.ndarray
    corner: np.ndarray  # per ballot number
    points: int
    nonzero: int  # vote counts above zero, beside the digit histograms
    turnout_bins: np.ndarray  # n, uint8
    share_bins: np.ndarray  # n x k, uint8
    test: RegionTest  # the region screens of the kecamatan itself, bootstrapped once

    @property
    def weight(self) -> int:
        """What it costs to keep, in bytes, roughly: the per-TPS arrays and a few hundred bytes per
        desa and per flagged TPS."""
        return self.share_bins.size + self.turnout_bins.size + 400 * (len(self.desa_sums) + len(self.flagged))

    def sums(self) -> Sums:
        total = Sums.zero(len(self.corner))
        for sums in self.desa_sums.values():
            total.merge(sums)
        return total


def screen_unit(kode: str, tps: Sequence[TpsFigures], thresholds: Mapping[str, float],
                keys: Sequence[str]) -> UnitScreening:
    """Screen the TPS of one kecamatan (their counted forms) with the thresholds in force."""
    k = len(keys)
    ordered = sorted(tps, key=lambda t: t.tps)
    hits = screen_tps(ordered, thresholds, keys)
    desa_sums: dict[str, Sums] = defaultdict(lambda: Sums.zero(k))
    desa_rows: dict[str, tuple[int, int]] = {}
    for row, t in enumerate(ordered):
        desa_sums[t.desa].add(t)
        desa_rows[t.desa] = (desa_rows.get(t.desa, (row, row))[0], row + 1)
    counts = np.array([v for t in ordered for v in t.votes], dtype=np.int64)
    last, second = digit_histograms(counts)
    turnout, shares = shares_of(ordered, k)
    corner, points = corner_counts(turnout, shares)
    votes = np.sum([s.votes for s in desa_sums.values()], axis=0) if desa_sums else np.zeros(k, dtype=np.int64)
    nonzero = int((counts > 0).sum())
    return UnitScreening(kode, tuple(FlaggedTps(t, tuple(hits[t.tps])) for t in ordered if t.tps in hits),
                         dict(desa_sums), desa_rows, last, second, corner, points, nonzero, to_bins(turnout),
                         to_bins(shares), _test(kode, votes, last, second, nonzero, corner, points, thresholds))


@dataclass(frozen=True, slots=True)
class RegionTest:
    """The region-level screens (A5, A6) of one region."""

    kode: str
    leader: int | None
    digits: tuple[DigitTest, DigitTest]
    corner: CornerTest

    @property
    def screens(self) -> tuple[str, ...]:
        return (("A5",) if any(d.flagged for d in self.digits) else ()) + (("A6",) if self.corner.flagged else ())


@dataclass(slots=True)
class _Pooled:
    votes: np.ndarray
    last: np.ndarray = field(default_factory=lambda: np.zeros(10, dtype=np.int64))
    second: np.ndarray = field(default_factory=lambda: np.zeros(10, dtype=np.int64))
    corner: np.ndarray | None = None
    points: int = 0
    nonzero: int = 0


def _within(kode: str, region: str) -> bool:
    return region == NATIONAL or kode.startswith(region)


def _test(kode: str, votes: np.ndarray, last: np.ndarray, second: np.ndarray, nonzero: int, corner: np.ndarray,
          points: int, thresholds: Mapping[str, float]) -> RegionTest:
    leader = int(np.argmax(votes)) if votes.size and votes.sum() > 0 else None
    in_corner = int(corner[leader]) if leader is not None else 0
    return RegionTest(kode, leader, digit_tests(last, second, thresholds["A5"], nonzero),
                      corner_test(in_corner, points, thresholds["A6"]))


def region_tests(units: Sequence[UnitScreening], region: str, thresholds: Mapping[str, float]) -> list[RegionTest]:
    """A5 and A6 on the region itself and on every province, kab/kota and kecamatan inside it
    (kecamatan or larger only); the region first, then by code. A kecamatan's own tests were
    made when it was screened; the larger regions pool their kecamatan's histograms and counts."""
    if region != NATIONAL and len(region) > 6:
        return []
    kecamatan: dict[str, RegionTest] = {}
    pooled: dict[str, _Pooled] = {}
    for unit in units:
        if not _within(unit.kode, region):
            continue
        kecamatan[unit.kode] = unit.test
        sums = unit.sums()
        for code in {region, *(unit.kode[:n] for n in (2, 4) if _within(unit.kode[:n], region))} - {unit.kode}:
            into = pooled.get(code)
            if into is None:
                into = pooled[code] = _Pooled(np.zeros_like(sums.votes), corner=np.zeros_like(unit.corner))
            into.votes += sums.votes
            into.last += unit.last_digits
            into.second += unit.second_digits
            assert into.corner is not None
            into.corner += unit.corner
            into.points += unit.points
            into.nonzero += unit.nonzero
    for code, p in pooled.items():
        assert p.corner is not None
        kecamatan[code] = _test(code, p.votes, p.last, p.second, p.nonzero, p.corner, p.points, thresholds)
    return [kecamatan[code] for code in sorted(kecamatan, key=lambda c: (c != region, c))]


@dataclass(frozen=True, slots=True)
class RegionScreening:
    """What the anomaly document of a region shows."""

    kode: str
    keys: tuple[str, ...]
    flagged: tuple[FlaggedTps, ...]  # in TPS code order
    counted: Sums  # every TPS with a counted form
    tests: tuple[RegionTest, ...]
    leader: int | None
    fingerprint: np.ndarray  # BINS x BINS

    def queue(self, screen: str | None = None) -> list[FlaggedTps]:
        return [f for f in self.flagged if screen is None or screen in f.screens]

    def without(self, queue: Sequence[FlaggedTps]) -> Sums:
        """The counted totals less the TPS of a queue: the monitor's view."""
        remaining = self.counted.copy()
        for item in queue:
            remaining.add(item.figures, -1)
        return remaining

    def screen_counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for item in self.flagged:
            for screen in item.screens:
                counts[screen] += 1
        for test in self.tests:
            for screen in test.screens:
                counts[screen] += 1
        return dict(counts)


def assemble(units: Sequence[UnitScreening], region: str, thresholds: Mapping[str, float],
             keys: Sequence[str]) -> RegionScreening:
    """The screening of a region from the screenings of the kecamatan it lies in (for a desa,
    its kecamatan's, kept to the desa's TPS)."""
    inside = [u for u in units if _within(u.kode, region) or region.startswith(u.kode)]
    counted = Sums.zero(len(keys))
    flagged: list[FlaggedTps] = []
    turnout_parts, share_parts = [], []
    for unit in inside:
        for desa, sums in unit.desa_sums.items():
            if _within(desa, region):
                counted.merge(sums)
        flagged.extend(f for f in unit.flagged if _within(f.figures.tps, region))
        start, end = unit.desa_rows.get(region, (0, 0)) if len(region) == 10 else (0, len(unit.turnout_bins))
        turnout_parts.append(unit.turnout_bins[start:end])
        share_parts.append(unit.share_bins[start:end])
    leader = int(np.argmax(counted.votes)) if counted.votes.sum() > 0 else None
    if leader is not None and turnout_parts:
        image = histogram(np.concatenate(turnout_parts), np.concatenate([s[:, leader] for s in share_parts]))
    else:
        image = histogram(np.zeros(0, dtype=np.uint8), np.zeros(0, dtype=np.uint8))
    flagged.sort(key=lambda f: f.figures.tps)
    return RegionScreening(region, tuple(keys), tuple(flagged), counted,
                           tuple(region_tests(inside, region, thresholds)), leader, image)


def sums_doc(sums: Sums, keys: Sequence[str]) -> dict[str, Any]:
    """Totals as JSON, with each ballot number's share of the counted votes."""
    counted = int(sums.votes.sum())
    votes = {key: int(v) for key, v in zip(keys, sums.votes.tolist(), strict=True)}
    return {"tps": sums.tps, "votes": votes,
            "persen": {key: str(percent(v, counted, 2)) if counted else None for key, v in votes.items()},
            "suara_sah": sums.suara_sah, "suara_tidak_sah": sums.suara_tidak_sah, "suara_total": sums.suara_total,
            "partisipasi": str(percent(sums.pengguna_total, sums.pemilih_dpt, 2)) if sums.pemilih_dpt else None}
