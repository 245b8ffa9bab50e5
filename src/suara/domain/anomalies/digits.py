"""A5, the digit tests of a region's vote counts: the mean last digit (expected 4.5 when last
digits are uniform; Beber & Scacco 2012) and the mean second digit (2BL, expected 4.187 under
Benford's law for second digits; Mebane 2006, 2008), each with a nonparametric bootstrap
interval as in Hicken & Mebane's Election Forensics Toolkit.

A region's digits are kept as two histograms of ten counts, so a province's test is the sum of
its kecamatan's histograms, and the bootstrap resamples that histogram: resampling n counts with
replacement draws the ten digit frequencies from a multinomial, which gives the same means as
resampling the counts one by one at a cost that does not grow with n.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from suara.domain.anomalies.screens import (
    DIGIT_BOOTSTRAP,
    DIGIT_CONFIDENCE,
    DIGIT_MIN_COUNT,
    DIGIT_MIN_COUNTS,
    DIGIT_MIN_SHARE,
    LAST_DIGIT_MEAN,
    SECOND_DIGIT_MEAN,
)

DIGITS = np.arange(10)
BOOTSTRAP_SEED = 20120  # fixed: the same counts always give the same interval


def digit_histograms(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Histograms (10 bins each) of the last and of the second digit of the counts of at least
    DIGIT_MIN_COUNT; smaller counts are left out of both."""
    used = counts[counts >= DIGIT_MIN_COUNT].astype(np.int64)
    if not len(used):
        return np.zeros(10, dtype=np.int64), np.zeros(10, dtype=np.int64)
    last = used % 10
    places = np.floor(np.log10(used)).astype(np.int64)  # 10..99 -> 1, 100..999 -> 2
    second = (used // (10 ** (places - 1))) % 10
    return np.bincount(last, minlength=10), np.bincount(second, minlength=10)


@dataclass(frozen=True, slots=True)
class DigitTest:
    name: str  # "digit_terakhir" or "digit_kedua"
    expected: float
    n: int  # counts used (DIGIT_MIN_COUNT and more)
    nonzero: int  # every count above zero: the digits are tested only where most counts are used
    mean: float | None
    low: float | None
    high: float | None
    flagged: bool

    def as_dict(self) -> dict[str, object]:
        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 4)
        return {"uji": self.name, "harapan": self.expected, "n": self.n, "n_bukan_nol": self.nonzero,
                "diuji": self.mean is not None, "rata_rata": rounded(self.mean),
                "selang": [rounded(self.low), rounded(self.high)] if self.low is not None else None,
                "ditandai": self.flagged}


def bootstrap_mean(histogram: np.ndarray) -> tuple[float, float, float]:
    """The mean digit of a histogram and its percentile bootstrap interval at DIGIT_CONFIDENCE."""
    n = int(histogram.sum())
    frequencies = histogram / n
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    means = rng.multinomial(n, frequencies, size=DIGIT_BOOTSTRAP) @ DIGITS / n
    tail = (100 - DIGIT_CONFIDENCE) / 200
    # numpy's percentile (linear interpolation) by partial sorting: several times faster, and a
    # nation has thousands of regions to test
    positions = [tail * (DIGIT_BOOTSTRAP - 1), (1 - tail) * (DIGIT_BOOTSTRAP - 1)]
    below = [int(np.floor(p)) for p in positions]
    ordered = np.partition(means, sorted({*below, *(b + 1 for b in below)}))
    low, high = (ordered[b] + (p - b) * (ordered[b + 1] - ordered[b]) for b, p in zip(below, positions, strict=True))
    return float(frequencies @ DIGITS), float(low), float(high)


def digit_test(name: str, histogram: np.ndarray, expected: float, tolerance: float, nonzero: int) -> DigitTest:
    """Flagged when the whole bootstrap interval lies more than `tolerance` from the expected
    mean: the departure is neither chance (the interval) nor the small bias of small counts
    (the tolerance). Not tested with fewer than DIGIT_MIN_COUNTS counts, or where most counts
    are too small to have the digits (a DPD race's fifty candidates share a TPS's votes): there
    the digits follow the counts' size, not how they were made."""
    n = int(histogram.sum())
    if n < DIGIT_MIN_COUNTS or n < DIGIT_MIN_SHARE * nonzero:
        return DigitTest(name, expected, n, nonzero, None, None, None, False)
    mean, low, high = bootstrap_mean(histogram)
    return DigitTest(name, expected, n, nonzero, mean, low, high,
                     low > expected + tolerance or high < expected - tolerance)


def digit_tests(last: np.ndarray, second: np.ndarray, tolerance: float, nonzero: int) -> tuple[DigitTest, DigitTest]:
    return (digit_test("digit_terakhir", last, LAST_DIGIT_MEAN, tolerance, nonzero),
            digit_test("digit_kedua", second, SECOND_DIGIT_MEAN, tolerance, nonzero))
