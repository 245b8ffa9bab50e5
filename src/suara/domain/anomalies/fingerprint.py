"""A6, the election fingerprint of Klimek, Yegorov, Hanel & Thurner (PNAS 2012): the
two-dimensional histogram of turnout against the leading candidate's share over the TPS of a
region. A clean count gives one rounded blob; ballot stuffing smears it towards the upper right,
and wholesale stuffing piles TPS into the 100% turnout / 100% share corner, which is what this
screen counts.

Per TPS the screen keeps only bytes: turnout and every candidate's share cut into BINS bins,
so the image of any region can be drawn from its kecamatan's results, for whichever candidate
leads the region, without reading the forms again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from suara.domain.anomalies.figures import TpsFigures
from suara.domain.anomalies.screens import CORNER, FINGERPRINT_MIN_TPS

BINS = 50  # of 2 percentage points; turnout above 100% falls in the last bin
MISSING = 255  # the bin of a TPS without turnout (no DPT on the form) or without votes


def shares_of(tps: Sequence[TpsFigures], k: int) -> tuple[np.ndarray, np.ndarray]:
    """Turnout (n) and each ballot number's share of the counted votes (n x k); NaN where
    missing."""
    turnout = np.array([t.turnout if t.turnout is not None else np.nan for t in tps], dtype=float)
    votes = np.array([t.votes for t in tps], dtype=float).reshape(len(tps), k)
    counted = votes.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(counted > 0, votes / np.where(counted > 0, counted, 1), np.nan)
    return turnout, shares


def to_bins(values: np.ndarray) -> np.ndarray:
    """Fractions to bin numbers 0..BINS-1 (uint8), MISSING for NaN."""
    out = np.full(values.shape, MISSING, dtype=np.uint8)
    known = ~np.isnan(values)
    out[known] = np.clip(np.floor(values[known] * BINS), 0, BINS - 1).astype(np.uint8)
    return out


def corner_counts(turnout: np.ndarray, shares: np.ndarray) -> tuple[np.ndarray, int]:
    """Per ballot number, the TPS with turnout and that number's share both at CORNER or more;
    and how many TPS have both figures (the denominator)."""
    usable = ~np.isnan(turnout) & ~np.isnan(shares).any(axis=1) if shares.size else ~np.isnan(turnout)
    high_turnout = usable & (turnout >= CORNER)
    with np.errstate(invalid="ignore"):
        corner = (high_turnout[:, None] & (shares >= CORNER)).sum(axis=0)
    return corner.astype(np.int64), int(usable.sum())


def histogram(turnout_bins: np.ndarray, share_bins: np.ndarray) -> np.ndarray:
    """BINS x BINS counts: row = the leader's share bin, column = the turnout bin."""
    usable = (turnout_bins != MISSING) & (share_bins != MISSING)
    counts = np.zeros((BINS, BINS), dtype=np.int64)
    np.add.at(counts, (share_bins[usable].astype(np.intp), turnout_bins[usable].astype(np.intp)), 1)
    return counts


@dataclass(frozen=True, slots=True)
class CornerTest:
    points: int
    corner: int
    flagged: bool

    @property
    def percent(self) -> float | None:
        return round(100 * self.corner / self.points, 4) if self.points else None

    def as_dict(self) -> dict[str, object]:
        return {"tps_dihitung": self.points, "tps_di_pojok": self.corner, "persen_di_pojok": self.percent,
                "diuji": self.points >= FINGERPRINT_MIN_TPS, "ditandai": self.flagged}


def corner_test(corner: int, points: int, threshold: float) -> CornerTest:
    tested = points >= FINGERPRINT_MIN_TPS
    return CornerTest(points, corner, tested and 100 * corner / points > threshold)
